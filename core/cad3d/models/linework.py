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
"""

from __future__ import annotations

import cv2
import numpy as np
from scipy import ndimage

from ..classes import class_id

KEPT_CLASSES = ("TERRAIN", "TREE", "PATH", "WATER")
CLOSE_PX = 9  # hatching is drawn a pen's few px apart whatever the scale: 4-9 px here


def ink_edges(image: np.ndarray, close_px: int = 0, threshold: int = 128) -> np.ndarray:
    """(H, W) uint8 drawing (0 = black) -> (H, W) bool: ink pixels with a paper 4-neighbour
    (a one-pixel line is all edge; a filled wall is its rim). close_px > 0 first closes gaps
    narrower than that (a morphological closing): hatching and the two lines of a thin wall
    or a window symbol become one solid, so only its rim - the faces - is edge."""
    ink = np.asarray(image) < threshold
    if close_px > 1:
        kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (close_px, close_px))
        ink = cv2.morphologyEx(ink.astype(np.uint8), cv2.MORPH_CLOSE, kernel).astype(bool)
    return ink & ~ndimage.binary_erosion(ink, border_value=1)


def snap_to_linework(
    points: np.ndarray,
    labels: np.ndarray,
    image: np.ndarray,
    scale: float,
    radius: float,
    close_px: int = CLOSE_PX,
    floor: float | None = None,
) -> np.ndarray:
    """points (N, 3) meters in the drawing's frame (origin bottom-left, y up), labels (N,)
    class ids, image (H, W) uint8 at `scale` m/px -> (N, 3): points within `radius` m of an
    ink edge, except those of KEPT_CLASSES, moved (in x, y) to that edge pixel's centre.
    close_px: gaps narrower than this many pixels are closed first (ink_edges).
    floor: points at or below this height keep their place too (they lie on the floor, the
    ground or a part's underside wherever they are, so moving them only thins that surface)."""
    pts = np.array(points, dtype=np.float32, copy=True)
    edges = ink_edges(image, close_px)
    if not edges.any() or radius <= 0:
        return pts
    dist, (rows, cols) = ndimage.distance_transform_edt(~edges, return_indices=True)
    h, w = edges.shape
    col = np.clip(np.floor(pts[:, 0] / scale).astype(np.int64), 0, w - 1)
    row = np.clip(np.floor(h - pts[:, 1] / scale).astype(np.int64), 0, h - 1)
    kept = np.array([class_id(c) for c in KEPT_CLASSES])
    move = ~np.isin(labels, kept) & (dist[row, col] * scale <= radius)
    if floor is not None:
        move &= pts[:, 2] > floor
    pts[move, 0] = (cols[row[move], col[move]] + 0.5) * scale
    pts[move, 1] = (h - rows[row[move], col[move]] - 0.5) * scale
    return pts
