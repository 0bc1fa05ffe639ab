"""Where things go on a synthetic site plan: pond, buildings, paths, trees and label spots.

Pure placement in meters (drawing coordinates), drawn later by landscape.py; every choice comes
from the caller's `rng`, so a seed fixes the site.
"""

from __future__ import annotations

import math

import cv2
import numpy as np
import shapely
from shapely.geometry import LineString, MultiPolygon, Polygon, box

INDEX_EVERY = 5
LABEL_PX = 11.0  # index-contour label cap height


def find_pond(lines, gz, xs, ys, W, H, s, legend, zero):
    """The largest closed contour around the deepest low point that fits as a pond, or Nones."""
    best = (None, None, None)
    for a in sorted(lines):
        for ln in lines[a]:
            if not ln.is_closed or len(ln.coords) < 8:
                continue
            poly = Polygon(ln.coords)
            if not poly.is_valid or poly.intersects(legend.buffer(3.0)):
                continue
            area_ok = max(20.0, (15 * s) ** 2 * 4) <= poly.area <= 0.1 * W * H
            inner = _grid_min(gz, xs, ys, poly)
            if area_ok and inner is not None and inner < a - zero:  # a depression, not a hill
                best = (poly, float(a - zero), ln)
    return best


def _grid_min(gz, xs, ys, poly) -> float | None:
    """Lowest grid value inside poly (None when no grid node falls inside)."""
    x0, y0, x1, y1 = poly.bounds
    j = np.nonzero((xs >= x0) & (xs <= x1))[0]
    i = np.nonzero((ys >= y0) & (ys <= y1))[0]
    if len(i) == 0 or len(j) == 0:
        return None
    X, Y = np.meshgrid(xs[j], ys[i])
    inside = shapely.contains_xy(poly, X, Y)
    return float(gz[np.ix_(i, j)][inside].min()) if inside.any() else None


def place_buildings(rng, W, H, s, taken, n):
    out: list[Polygon] = []
    for _ in range(n * 8):
        if len(out) >= n:
            break
        a = rng.uniform(max(8.0, 30 * s), max(9.0, min(30.0, 0.3 * min(W, H))))
        b = a * rng.uniform(0.5, 1.0)
        poly = box(-a / 2, -b / 2, a / 2, b / 2)
        if rng.random() < 0.4:  # an L: cut one corner
            ca, cb = a * rng.uniform(0.35, 0.6), b * rng.uniform(0.35, 0.6)
            sx, sy = rng.choice([-1, 1], 2)
            poly = poly.difference(
                box(-ca / 2, -cb / 2, ca / 2, cb / 2).__class__(
                    [
                        (sx * a / 2, sy * b / 2),
                        (sx * (a / 2 - ca), sy * b / 2),
                        (sx * (a / 2 - ca), sy * (b / 2 - cb)),
                        (sx * a / 2, sy * (b / 2 - cb)),
                    ]
                )
            )
        ang = 0.0 if rng.random() < 0.6 else rng.uniform(-45, 45)
        poly = shapely.affinity.rotate(poly, ang, origin=(0, 0))
        x0, y0, x1, y1 = poly.bounds
        if x1 - x0 > W - 8 or y1 - y0 > H - 8:
            continue
        cx = rng.uniform(4 - x0, W - 4 - x1)
        cy = rng.uniform(4 - y0, H - 4 - y1)
        poly = shapely.affinity.translate(poly, cx, cy)
        if any(poly.intersects(o) for o in taken) or any(poly.distance(o) < 4.0 for o in out):
            continue
        out.append(poly)
    return out


def place_paths(rng, W, H, s, legend, water, buildings, n):
    out: list[Polygon] = []
    avoid_w = water.buffer(1.5) if water is not None else None
    for _ in range(n * 10):
        if len(out) >= n:
            break
        w = max(rng.uniform(1.2, max(1.3, min(3.5, 0.03 * max(W, H)))), 7 * s)
        p0 = _border_point(rng, W, H)
        target = None
        if buildings and rng.random() < 0.6:
            target = buildings[int(rng.integers(len(buildings)))]
            p1 = np.array(target.centroid.coords[0])
        else:
            p1 = _border_point(rng, W, H)
        d = p1 - p0
        if np.hypot(*d) < 0.3 * max(W, H):
            continue
        ctrl = (p0 + p1) / 2 + np.array([-d[1], d[0]]) * rng.uniform(-0.35, 0.35)
        u = np.linspace(0, 1, 48)[:, None]
        pts = (1 - u) ** 2 * p0 + 2 * u * (1 - u) * ctrl + u**2 * p1
        inner = pts[1:-1]
        if (inner < 0).any() or (inner[:, 0] > W).any() or (inner[:, 1] > H).any():
            continue  # the curve would wander off the sheet
        pts[0] -= (pts[1] - pts[0]) / np.hypot(*(pts[1] - pts[0])) * 3.0  # leave the sheet
        if target is None:
            pts[-1] += (pts[-1] - pts[-2]) / np.hypot(*(pts[-1] - pts[-2])) * 3.0
        poly = LineString(pts).buffer(w / 2, cap_style="flat")
        others = [b for b in buildings if b is not target]
        if poly.intersects(legend.buffer(1.5)) or any(
            poly.intersects(b.buffer(1.5)) for b in others
        ):
            continue
        if avoid_w is not None and poly.intersects(avoid_w):
            continue
        if target is not None:
            poly = poly.difference(target)
            poly = max(polys(poly), key=lambda p: p.area) if not poly.is_empty else poly
        if out and rng.random() < 0.5 and not any(poly.intersects(o) for o in out):
            pass
        out.append(poly)
    return out


def _border_point(rng, W, H) -> np.ndarray:
    side, f = int(rng.integers(4)), rng.uniform(0.15, 0.85)
    return np.array([(f * W, 0.0), (W, f * H), (f * W, H), (0.0, f * H)][side])


def place_trees(rng, W, H, s, block, n):
    out: list[tuple[float, float, float]] = []
    rmin, rmax = max(1.5, 10 * s), min(5.0, 0.12 * min(W, H))
    rmax = max(rmax, rmin * 1.2)
    k = n * 6
    rs = rng.uniform(rmin, rmax, k)
    xy = rng.uniform(0, 1, (k, 2)) * [W, H]
    clear = (
        shapely.distance(block, shapely.points(xy)) if not block.is_empty else np.full(k, np.inf)
    )
    for (x, y), r, c in zip(xy, rs, clear, strict=True):
        if len(out) >= n:
            break
        if c < r + 0.6 or not (r + 0.5 < x < W - r - 0.5 and r + 0.5 < y < H - r - 0.5):
            continue
        if any(math.hypot(x - a, y - b) < r + q + 0.6 for a, b, q in out):
            continue
        out.append((float(x), float(y), float(r)))
    return out


def label_spots(lines, s, W, H, block):
    """Label spots on index contours: [(x, y, rotation, text)] and the gap boxes to cut."""
    labels, gaps = [], []
    font = cv2.FONT_HERSHEY_SIMPLEX
    (_, h0), _ = cv2.getTextSize("H", font, 1.0, 1)
    fs = LABEL_PX / (0.75 * h0)
    every = max(45.0, 320 * s)
    for a, lvl in lines.items():
        if a % INDEX_EVERY:
            continue
        text = f"{a:d}"
        (tw, th), base = cv2.getTextSize(text, font, fs, 1)
        for ln in lvl:
            for d in np.arange(every * 0.45, ln.length - 3, every):
                p = np.array(ln.interpolate(d).coords[0])
                q = np.array(ln.interpolate(min(d + 2 * s * 4, ln.length)).coords[0])
                dx, dy = q - p
                rot = 0 if abs(dx) >= abs(dy) else 90
                bw, bh = (tw + 8) * s, (th + base + 6) * s
                if rot:
                    bw, bh = bh, bw
                gap = box(p[0] - bw / 2, p[1] - bh / 2, p[0] + bw / 2, p[1] + bh / 2)
                x0, y0, x1, y1 = gap.bounds
                if x0 < 10 * s or y0 < 10 * s or x1 > W - 10 * s or y1 > H - 10 * s:
                    continue
                if gap.buffer(3 * s).intersects(block) or any(gap.intersects(g) for g in gaps):
                    continue
                labels.append((float(p[0]), float(p[1]), rot, text))
                gaps.append(gap)
    return labels, gaps


# --- geometry helpers ------------------------------------------------------------------------
def parts(g) -> list[LineString]:
    if g.is_empty:
        return []
    if isinstance(g, LineString):
        return [g]
    return [p for p in getattr(g, "geoms", []) if isinstance(p, LineString) and not p.is_empty]


def polys(g) -> list[Polygon]:
    if isinstance(g, Polygon):
        return [] if g.is_empty else [g]
    if isinstance(g, MultiPolygon):
        return list(g.geoms)
    return [p for p in getattr(g, "geoms", []) if isinstance(p, Polygon)]
