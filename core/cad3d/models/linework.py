"""Plan consistency: points of drawn faces put back on the drawing's own lines.

A plan observes x and y exactly, and at the drawing's full resolution (1-3 cm a pixel for a
floor plan), while the networks read it letterboxed to 256 px (7-10 cm a pixel). So after
sampling, each point moves in plan to the nearest edge of the ink - an ink pixel that touches
paper - when one is within `radius`; its height is the model's. Points of a site's area classes
(terrain, water, paths, tree crowns) keep their position: contours and symbols are not faces.
Floor points are not spared: the semantic head's cells are coarser than a wall, so a "floor"
label does not prove a point is off the wall, and a floor point moved onto a wall's foot is
still on the surface (measured: sparing them lowers precision; benchmarks/bench_anchoring.py).
This is the data-consistency step of diffusion posterior sampling, with the observation (the
linework) applied exactly instead of as a guidance gradient.

Where near the edge pixel the face lies (DESIGN.md: pixel (c, r) sits at x = c s,
y = (H - r) s): a drawn line is centred on its face, so a stroke's face is its centre line (a
1 px pen: the rim pixel's centre; 3 px: one pixel in); a fill (poche, ink FILL_PX or more
across) ends at its face, half a pixel out from the rim pixel's centre towards the paper. A
band of ink 5 px wide is a wall's poche on a floor plan and a visible outline on a part
drawing (drawn with a heavy pen, centred on the face): the domain says which (`fills`). At
2-3 cm a pixel these half pixels are a quarter of the 5 cm tolerance: on the pixel centres the
snap reached 85 % of the coverage ceiling on floor plans, on the faces 91 %
(benchmarks/bench_anchoring.py).
"""

from __future__ import annotations

import cv2
import numpy as np
from scipy.spatial import cKDTree

from ..classes import class_id

KEPT_CLASSES = ("TERRAIN", "TREE", "PATH", "WATER")
CLOSE_PX = 9  # hatching is drawn a pen's few px apart whatever the scale: 4-9 px here
FILL_PX = 5  # on a floor plan, ink at least this wide is a fill, thinner ink a stroke (1-3 px)
MAX_PEN_PX = 7  # the widest pen whose centre line is found (a part's visible outline: 3-5 px)
THRESHOLD = 128  # grey below this is ink


def _closed_ink(image: np.ndarray, close_px: int) -> np.ndarray:
    ink = np.asarray(image) < THRESHOLD
    if close_px <= 1:
        return ink
    kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (close_px, close_px))
    return cv2.morphologyEx(ink.astype(np.uint8), cv2.MORPH_CLOSE, kernel).astype(bool)


def ink_edges(image: np.ndarray, close_px: int = 0) -> np.ndarray:
    """(H, W) uint8 drawing (0 = black) -> (H, W) bool: ink pixels with a paper 4-neighbour
    (a one-pixel line is all edge; a filled wall is its rim). close_px > 0 first closes gaps
    narrower than that (a morphological closing): hatching and the two lines of a thin wall
    or a window symbol become one solid, so only its rim - the faces - is edge."""
    return _rim(_closed_ink(image, close_px))


def _rim(ink: np.ndarray) -> np.ndarray:
    cross = cv2.getStructuringElement(cv2.MORPH_CROSS, (3, 3))
    inner = cv2.erode(ink.astype(np.uint8), cross, borderType=cv2.BORDER_CONSTANT, borderValue=1)
    return ink & ~inner.astype(bool)  # off the sheet counts as ink: the border is no face


def _face_offsets(
    image: np.ndarray, ink: np.ndarray, rows: np.ndarray, cols: np.ndarray, fills: bool
) -> np.ndarray:
    """(K, 2) (column, row) shift in px from edge pixels (rows, cols) of the closed `ink` to
    their face (see the module's docstring): half a pixel towards the paper on a fill (with
    `fills`: the drawing's own ink FILL_PX or more across), to the centre line of a stroke (a
    3 px pen: one pixel in; without `fills` every band of ink is a pen up to MAX_PEN_PX)."""
    raw = (np.asarray(image) < THRESHOLD).astype(np.uint8)
    depth = cv2.distanceTransform(raw, cv2.DIST_L2, 5)  # px from each ink pixel to paper
    k = (FILL_PX if fills else MAX_PEN_PX) // 2
    pad = np.pad(depth, k)
    near = np.max(
        [pad[rows + k + i, cols + k + j] for i in range(-k, k + 1) for j in range(-k, k + 1)], 0
    )  # the ink's half width + 1 around the edge pixel
    fill = near >= k + 1 if fills else np.zeros(len(near), bool)
    inward = np.where(fill, -0.5, np.clip(near - 1, 0, k - 0.5))
    paper = np.pad(~ink, 1, constant_values=True).astype(np.float64)
    r, c = rows + 1, cols + 1
    d = np.stack([paper[r, c + 1] - paper[r, c - 1], paper[r + 1, c] - paper[r - 1, c]], -1)
    norm = np.linalg.norm(d, axis=1, keepdims=True)
    return np.where(norm > 0, -inward[:, None] * d / np.maximum(norm, 1e-9), 0.0)


def snap_to_linework(
    points: np.ndarray,
    labels: np.ndarray,
    image: np.ndarray,
    scale: float,
    radius: float,
    close_px: int = CLOSE_PX,
    floor: float | None = None,
    fills: bool = True,
) -> np.ndarray:
    """points (N, 3) meters in the drawing's frame (origin bottom-left, y up), labels (N,)
    class ids, image (H, W) uint8 at `scale` m/px -> (N, 3): points within `radius` m of an
    ink edge, except those of KEPT_CLASSES, moved (in x, y) onto that edge pixel's face.
    close_px: gaps narrower than this many pixels are closed first (ink_edges).
    fills: wide ink may be a fill whose faces are its boundary (a floor plan's poche walls);
    False: every band of ink is a pen stroke centred on its face (a part's heavy outline).
    floor: points at or below this height keep their place too (they lie on the floor, the
    ground or a part's underside wherever they are, so moving them only thins that surface)."""
    pts = np.array(points, dtype=np.float32, copy=True)
    ink = _closed_ink(image, close_px)
    edges = _rim(ink)
    rows, cols = np.nonzero(edges)
    if not len(rows) or radius <= 0:
        return pts
    h = edges.shape[0]
    at = np.column_stack([h - pts[:, 1] / scale, pts[:, 0] / scale])  # (row, column), px
    dist, nearest = cKDTree(np.column_stack([rows, cols])).query(
        at, distance_upper_bound=radius / scale
    )
    kept = np.array([class_id(c) for c in KEPT_CLASSES])
    move = ~np.isin(labels, kept) & np.isfinite(dist)
    if floor is not None:
        move &= pts[:, 2] > floor
    r, c = rows[nearest[move]], cols[nearest[move]]
    shift = _face_offsets(image, ink, r, c, fills)
    pts[move, 0] = (c + shift[:, 0]) * scale
    pts[move, 1] = (h - r - shift[:, 1]) * scale
    return pts
