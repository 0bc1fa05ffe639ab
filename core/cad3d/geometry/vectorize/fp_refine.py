"""Sub-pixel wall faces: move each straight edge of a traced wall mask to where the ink says.

Why: at 3 cm per pixel an interior wall is 3-5 px thick, so a face that is only known to the
pixel costs 10-15 % of the wall's area. The drawing knows better: a filled wall's edge pixels
are grey in proportion to their coverage, and an outlined wall's face is the centre of its
stroke. Edges run along pixel rows/columns (the drawing is deskewed first).
"""

from __future__ import annotations

import cv2
import numpy as np
from shapely.geometry import MultiPolygon, Polygon, box
from shapely.ops import unary_union
from shapely.validation import make_valid

from .fp_masks import grey_quantile


def coverage(grey: np.ndarray) -> np.ndarray:
    """(H, W) uint8 -> float32 ink coverage in [0, 1] (paper level 0, darkest ink 1)."""
    bg = grey_quantile(grey, 0.5)
    dark = grey_quantile(grey, 0.005)
    return np.clip((bg - grey.astype(np.float32)) / max(bg - dark, 1.0), 0.0, 1.0)


def _edge_offset(
    cov: np.ndarray,
    mask: np.ndarray,
    horizontal: bool,
    fixed: int,
    a: int,
    b: int,
    mode: str,
    default: float,
) -> float:
    """Outward offset (px) of the true face from the boundary pixels' centre line `fixed`."""
    img, msk = (cov, mask) if horizontal else (cov.T, mask.T)
    h = img.shape[0]
    lo, hi = (a + 1, b) if b - a >= 3 else (a, b + 1)
    if hi <= lo or not 1 <= fixed < h - 2:
        return default
    mid = (lo + hi) // 2
    if not msk[fixed + 1, mid]:
        n = 1
    elif not msk[fixed - 1, mid]:
        n = -1
    else:
        return default
    rows = np.array([fixed - 2 * n, fixed - n, fixed, fixed + n])
    if rows.min() < 0 or rows.max() >= h:
        return default
    prof = img[rows][:, lo:hi]  # (4, k): two rows inside, boundary row, first row outside
    if mode == "step":
        d = prof[3] - (1.0 - prof[2])
        inside_inked = np.median(prof[1]) > 0.7  # a filled wall, not an opening's white strip
        return float(np.clip(0.5 + np.median(d), -0.5, 1.5)) if inside_inked else default
    w = prof  # the face stroke: boundary row, two rows inside, one outside
    mass = w.sum(axis=0)
    ok = mass > 0.5
    if ok.sum() < max(1, 0.5 * mass.size):
        return default
    pos = np.array([-2.0, -1.0, 0.0, 1.0])[:, None]  # outward, relative to the boundary row
    return float(np.clip(np.median((w[:, ok] * pos).sum(0) / mass[ok]), -1.0, 1.0))


def refined_polygons(
    mask: np.ndarray, cov: np.ndarray, mode: str, default: float
) -> Polygon | MultiPolygon:
    """Trace mask (H, W) bool into polygons (pixel coordinates) with sub-pixel faces.

    mode "step": faces where coverage crosses one half (filled walls); "line": faces at the
    centre of the outline strokes. `default`: outward offset from the boundary pixels' centres
    when the ink does not tell (openings, short edges). The traced outline is first offset by
    `default`; each straight edge then adds or removes the thin strip between that and its
    own face, which cannot tangle the rings the way moving vertices can.
    """
    contours, hier = cv2.findContours(
        mask.astype(np.uint8), cv2.RETR_CCOMP, cv2.CHAIN_APPROX_SIMPLE
    )
    if hier is None:
        return Polygon()
    hier = hier[0]
    polys = []
    for i, c in enumerate(contours):
        if hier[i][3] != -1:
            continue
        outer = _offset_ring(c[:, 0, :], default)
        holes, j = [], hier[i][2]
        while j != -1:
            holes.append(_offset_ring(contours[j][:, 0, :], -default))
            j = hier[j][0]
        holes = [h for h in holes if not h.is_empty]
        polys.append(outer.difference(unary_union(holes)) if holes else outer)
    plain = unary_union([p for p in polys if not p.is_empty])
    add, sub = [], []
    for c in contours:
        for strip, grow in _edge_strips(c[:, 0, :], cov, mask, mode, default):
            (add if grow else sub).append(strip)
    out = plain
    if add:
        out = out.union(unary_union(add))
    if sub:
        out = out.difference(unary_union(sub))
    return make_valid(out)


def _offset_ring(pts: np.ndarray, d: float) -> Polygon:
    """The area inside a traced ring, offset by d px (mitred corners)."""
    if len(pts) < 3:
        return Polygon()
    poly = make_valid(Polygon(pts.astype(np.float64)))
    return poly.buffer(d, join_style=2) if poly.area > 0 else Polygon()


def _edge_strips(pts: np.ndarray, cov: np.ndarray, mask: np.ndarray, mode: str, default: float):
    """(strip, grows) per axis-aligned edge whose face differs from the default offset."""
    q = np.roll(pts, -1, axis=0)
    for (x0, y0), (x1, y1) in zip(pts.tolist(), q.tolist(), strict=False):
        horizontal = y0 == y1 and x0 != x1
        if not horizontal and not (x0 == x1 and y0 != y1):
            continue
        fixed, a, b = (
            (y0, min(x0, x1), max(x0, x1)) if horizontal else (x0, min(y0, y1), max(y0, y1))
        )
        off = _edge_offset(cov, mask, horizontal, int(fixed), int(a), int(b), mode, default)
        if abs(off - default) < 0.02:
            continue
        sign = _outward(mask, horizontal, int(fixed), int((a + b) // 2))
        f0, f1 = sorted((fixed + sign * default, fixed + sign * off))
        strip = box(a, f0, b, f1) if horizontal else box(f0, a, f1, b)
        yield strip, off > default


def _outward(mask: np.ndarray, horizontal: bool, fixed: int, along: int) -> float:
    """+1 if the mask's outside lies towards increasing row (or column) at this edge, else -1."""
    m = mask if horizontal else mask.T
    if fixed + 1 < m.shape[0] and not m[fixed + 1, along]:
        return 1.0
    return -1.0
