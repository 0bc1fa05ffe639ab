"""Pure geometry helpers behind `draw.Canvas`: meters <-> pixels, dash patterns, and walking
shapely geometries into the rings and polygons cv2 can draw.

Why apart from the canvas: these are pure functions (no image), tested and reused on their own
(generators import `to_px` / `to_world` through `cad3d.data.draw`).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from shapely.geometry import LineString, Polygon
from shapely.geometry.base import BaseGeometry

XY = Sequence[float] | np.ndarray


def to_px(xy: np.ndarray | XY, height_px: int, scale: float) -> np.ndarray:
    """Meters to pixel (column, row): c = x / s, r = H - y / s. xy: (..., 2) -> (..., 2) float64."""
    p = np.asarray(xy, dtype=np.float64)
    return np.stack([p[..., 0] / scale, height_px - p[..., 1] / scale], axis=-1)


def to_world(cr: np.ndarray | XY, height_px: int, scale: float) -> np.ndarray:
    """Pixel (column, row) to meters: the inverse of `to_px`. (..., 2) -> (..., 2) float64."""
    p = np.asarray(cr, dtype=np.float64)
    return np.stack([p[..., 0] * scale, (height_px - p[..., 1]) * scale], axis=-1)


def dash_segments(pts: np.ndarray, pattern: Sequence[float]) -> list[np.ndarray]:
    """Split a polyline (N, 2) into the 'on' pieces of a dash pattern (on, off, on, off... lengths)."""
    if not pattern:
        return [pts]
    pattern = [max(float(v), 1e-6) for v in pattern]
    if len(pattern) % 2:
        pattern = pattern * 2
    out: list[np.ndarray] = []
    k, left, on = 0, pattern[0], True
    cur: list[np.ndarray] = [pts[0]]
    for a, b in zip(pts[:-1], pts[1:], strict=False):
        seg = float(np.hypot(*(b - a)))
        pos = 0.0
        while seg - pos > left:
            pos += left
            q = a + (b - a) * (pos / seg)
            if on:
                cur.append(q)
                out.append(np.array(cur))
            cur = [q]
            k = (k + 1) % len(pattern)
            left, on = pattern[k], not on
        left -= seg - pos
        if on:
            cur.append(b)
        else:
            cur = [b]
    if on and len(cur) > 1:
        out.append(np.array(cur))
    return out


def thickness(weight: float) -> int:
    """cv2 thickness for a stroke `weight` px wide: cv2 draws odd widths only (t=2k -> 2k+1 px)."""
    w = 2 * int(round((max(weight, 1.0) - 1) / 2)) + 1
    return 1 if w == 1 else w - 1


def polygons(area: BaseGeometry) -> list[Polygon]:
    """The polygons of a Polygon or MultiPolygon/collection (other parts dropped)."""
    if isinstance(area, Polygon):
        return [area]
    return [g for g in getattr(area, "geoms", []) if isinstance(g, Polygon)]


def rings(g: BaseGeometry) -> list[LineString]:
    """Every line of a geometry: polygon rings, line parts (recursing into collections)."""
    if g.is_empty:
        return []
    if isinstance(g, Polygon):
        return [g.exterior, *g.interiors]
    if isinstance(g, LineString):
        return [g]
    out: list[LineString] = []
    for part in getattr(g, "geoms", []):
        out.extend(rings(part))
    return out
