"""Synthetic landscape / site plans: contoured terrain, trees, paths, water and buildings.

`generate_landscape(seed, style)` returns the drawing, its scale and the exact `Plan`:
- contours every 1.0 m, every 5th (absolute elevation a multiple of 5) an index contour drawn
  heavier and labelled with its absolute elevation; lines stop at buildings, paths, water, the
  legend and label gaps, and the plan holds exactly the drawn pieces;
- half of the sites state a datum in the legend ("DATUM +112.00"): labels are absolute and the
  plan's elevations are label - datum (DESIGN.md); otherwise the plan uses the labels as they are;
- trees: crown circles (plain or scalloped) with a centre dot, height from the crown diameter;
- paths: double lines (the outline of their union) with gravel stipple, Surfaces draped on the
  terrain (z=None);
- water: the area inside one closed contour around a depression, wavy hatch, Surface at that level;
- buildings: hatched rectangles / L-shapes with a heavy outline, Solids from the lowest ground
  under the footprint up by `defaults.BUILDING_HEIGHT`.
`plan.meta["terrain"]` holds the height field's parameters; `terrain_height(plan.meta, x, y)`
recomputes the exact ground (meters above the datum) for lifting and ground truth.
"""

from __future__ import annotations

import math

import cv2
import numpy as np
import shapely
from shapely.geometry import LineString, MultiPolygon, Point, Polygon, box
from shapely.ops import unary_union

from .. import defaults
from ..plan import Contour, Plan, Solid, Surface, Tree
from .draw import Canvas
from .landscape_terrain import isolines, normalise_relief, random_terrain, terrain_height

__all__ = ["STYLES", "generate_landscape", "terrain_height"]

STYLES: tuple[str, ...] = ("plain", "coloured-print-grey", "dense")
INDEX_EVERY = 5
LABEL_PX = 11.0  # index-contour label cap height
# stroke weights in px (draw.py draws odd widths): contours, index contours, building outline
W_CONTOUR, W_INDEX, W_BUILDING, W_WATER = 1.0, 3.0, 5.0, 3.0
DOT_PX = 3.5  # radius of a tree's centre dot

_INKS = {  # style -> ink grey per element
    "plain": dict(contour=0, index=0, tree=0, water=0, hatch=0, building=0, path=0, text=0),
    "dense": dict(contour=0, index=0, tree=0, water=0, hatch=0, building=0, path=0, text=0),
    "coloured-print-grey": dict(
        contour=135, index=105, tree=60, water=90, hatch=140, building=40, path=85, text=70
    ),
}


def generate_landscape(seed: int, style: str | None = None) -> tuple[np.ndarray, float, Plan]:
    """A site plan: ((H, W) uint8 grey drawing, meters per pixel, exact Plan). Deterministic."""
    rng = np.random.default_rng(seed)
    pick = STYLES[
        int(rng.integers(len(STYLES)))
    ]  # drawn always: a seed's site never depends on style
    style = style or pick
    if style not in STYLES:
        raise ValueError(f"unknown landscape style {style!r}")
    ink = _INKS[style]
    dense = style == "dense"

    # --- sheet: site 40-200 m, 0.05-0.3 m/px, longer side 740-1024 px ---------------------------
    long_m = rng.uniform(40, 200)
    s = float(np.clip(long_m / rng.uniform(740, 1024), 0.05, 0.3))
    aspect = rng.uniform(0.7, 1.0)
    wpx, hpx = int(round(long_m / s)), int(round(long_m * aspect / s))
    if rng.random() < 0.3:
        wpx, hpx = hpx, wpx
    W, H = wpx * s, hpx * s
    site = box(0, 0, W, H)
    cv = Canvas.blank(wpx, hpx, s)

    # --- terrain: relief capped so contours stay >= 8 px apart ---------------------------------
    relief = rng.uniform(10, 25) if dense else rng.uniform(3, 12)
    t = random_terrain(rng, W, H, relief)
    pond = rng.random() < 0.5
    if pond:
        sig = rng.uniform(0.06, 0.14) * max(W, H)
        pc = (rng.uniform(0.2, 0.8) * W, rng.uniform(0.2, 0.8) * H)
        t["bumps"].append(
            [pc[0], pc[1], -relief * rng.uniform(0.4, 0.8), sig, sig * rng.uniform(0.7, 1.3), 0.0]
        )
        t = normalise_relief(t, W, H, relief)
    step = max(W, H) / 256
    xs, ys = np.arange(0, W + step / 2, step), np.arange(0, H + step / 2, step)
    gz = terrain_height(t, *np.meshgrid(xs, ys))
    slope = float(np.hypot(*np.gradient(gz, step)).max())
    kcap = min(1.0, 1.0 / (8 * s * max(slope, 1e-9)))
    if kcap < 1.0 or gz.max() - gz.min() < 3.0:
        t = normalise_relief(t, W, H, max(3.0, relief * kcap))
        gz = terrain_height(t, *np.meshgrid(xs, ys))
    abs_min = float(rng.uniform(0, 250))
    datum = float(math.floor(abs_min) - int(rng.integers(0, 3))) if rng.random() < 0.5 else None
    shift = abs_min - (datum or 0.0)  # plan z = terrain z (min 0) + shift
    t["offset"] += shift
    gz = gz + shift
    zero = datum or 0.0  # absolute = plan z + zero
    levels = np.arange(math.ceil(gz.min() + zero), math.floor(gz.max() + zero) + 1)
    lines = {int(a): isolines(gz, xs, ys, a - zero) for a in levels}

    # --- legend (a corner box), water, buildings, paths, trees --------------------------------
    lw, lh = 175 * s, 62 * s
    lx = 8 * s if rng.random() < 0.5 else W - lw - 8 * s
    ly = 8 * s if rng.random() < 0.5 else H - lh - 8 * s
    legend = box(lx, ly, lx + lw, ly + lh)
    water, wlevel, wring = (
        _pond(lines, gz, xs, ys, W, H, s, legend, zero) if pond else (None, None, None)
    )
    taken = [legend.buffer(2.0)] + ([water.buffer(3.0)] if water is not None else [])
    buildings = _buildings(rng, W, H, s, taken, n=int(rng.integers(1, 5 if dense else 4)))
    paths = _paths(
        rng, W, H, s, legend, water, buildings, n=int(rng.integers(1, 4 if dense else 3))
    )
    path_area = unary_union(paths) if paths else Polygon()
    block = unary_union([legend, *buildings, path_area] + ([water] if water is not None else []))
    trees = _trees(
        rng, W, H, s, block, n=int(rng.integers(20, 60) if dense else rng.integers(4, 25))
    )
    crowns = unary_union([Point(x, y).buffer(r) for x, y, r in trees]) if trees else Polygon()

    # --- contours: label gaps, clipping, drawing ------------------------------------------------
    labels, gaps = _labels(lines, s, W, H, unary_union([block, crowns]))
    clip = unary_union([block.buffer(0), legend.buffer(4 * s), *gaps])
    contours: list[Contour] = []
    for a, lvl_lines in lines.items():
        index = a % INDEX_EVERY == 0
        for ln in lvl_lines:
            if wring is not None and ln is wring:
                continue
            for piece in _parts(ln.difference(clip)):
                if piece.length >= 3 * s:
                    contours.append(Contour(piece.simplify(0.25 * s), float(a - zero)))
                    cv.polyline(
                        np.asarray(piece.coords),
                        W_INDEX if index else W_CONTOUR,
                        ink=ink["index" if index else "contour"],
                    )
    for x, y, rot, text in labels:
        cv.text(text, (x, y), LABEL_PX, rot, ink=ink["text"])

    plan = Plan("landscape", (W, H))
    if water is not None:
        if style == "coloured-print-grey":
            cv.fill(water, 228)
        _wavy_hatch(cv, rng, water, ink["hatch"])
        cv.outline(water, W_WATER, ink=ink["water"])
        contours.append(Contour(wring, float(wlevel)))
        plan.surfaces.append(Surface("WATER", water, float(wlevel)))
    for b in buildings:
        if style == "coloured-print-grey":
            cv.fill(b, 222)
        cv.hatch(b, 45.0, float(rng.uniform(6, 9)), 1.0, ink["hatch"])
        cv.outline(b, W_BUILDING, ink=ink["building"])
        bx, by = _sample_area(b, 1.0)
        z0 = float(terrain_height(t, bx, by).min())
        plan.solids.append(Solid("BUILDING", b, z0, z0 + defaults.BUILDING_HEIGHT))
    if paths:
        if style == "coloured-print-grey":
            cv.fill(path_area, 236)
        _stipple(cv, rng, path_area.intersection(site), ink["path"])
        cv.outline(path_area, 1.0, ink=ink["path"])
        for p in _polys(path_area.intersection(site)):
            plan.surfaces.append(Surface("PATH", p, None))
    scallop = rng.random() < 0.5
    for x, y, r in trees:
        _crown(cv, x, y, r, scallop, ink["tree"])
        cv.circle((x, y), DOT_PX * s, ink=ink["tree"], filled=True)
        plan.trees.append(Tree(x, y, r, defaults.TREE_HEIGHT_PER_CROWN_DIAMETER * 2 * r))
    _legend(cv, legend, datum, ink["text"])
    plan.contours = contours
    plan.meta = {
        "terrain": t,
        "datum": datum,
        "contour_interval": defaults.CONTOUR_INTERVAL,
        "index_every": INDEX_EVERY,
        "style": style,
        "seed": int(seed),
    }
    return cv.image, s, plan


# --- placement -------------------------------------------------------------------------------
def _pond(lines, gz, xs, ys, W, H, s, legend, zero):
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


def _buildings(rng, W, H, s, taken, n):
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


def _paths(rng, W, H, s, legend, water, buildings, n):
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
            poly = max(_polys(poly), key=lambda p: p.area) if not poly.is_empty else poly
        if out and rng.random() < 0.5 and not any(poly.intersects(o) for o in out):
            pass
        out.append(poly)
    return out


def _border_point(rng, W, H) -> np.ndarray:
    side, f = int(rng.integers(4)), rng.uniform(0.15, 0.85)
    return np.array([(f * W, 0.0), (W, f * H), (f * W, H), (0.0, f * H)][side])


def _trees(rng, W, H, s, block, n):
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


def _labels(lines, s, W, H, block):
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


# --- drawing helpers -------------------------------------------------------------------------
def _crown(cv: Canvas, x: float, y: float, r: float, scallop: bool, ink: int) -> None:
    if not scallop:
        cv.circle((x, y), r, 1.0, ink)
        return
    lobes = int(np.clip(round(2 * math.pi / 0.75), 7, 14))
    n = max(64, int(2 * math.pi * r / cv.scale / 2))
    th = np.linspace(0, 2 * math.pi, n, endpoint=False)
    rr = r * (1 + 0.12 * (np.abs(np.sin(lobes * th / 2)) - 2 / math.pi))
    cv.polyline(np.stack([x + rr * np.cos(th), y + rr * np.sin(th)], 1), 1.0, ink=ink, closed=True)


def _stipple(cv: Canvas, rng, area, ink: int) -> None:
    """Gravel stipple: single-pixel dots, about one per 30 px^2, 2 px clear of the edges."""
    s = cv.scale
    inner = area.buffer(-2 * s)
    if inner.is_empty:
        return
    x0, y0, x1, y1 = inner.bounds
    n = int(inner.area / s**2 / 30 * (x1 - x0) * (y1 - y0) / max(inner.area, 1e-9)) + 1
    pts = rng.uniform([x0, y0], [x1, y1], (min(n, 400_000), 2))
    pts = pts[shapely.contains_xy(inner, pts[:, 0], pts[:, 1])]
    cr = np.rint(cv.px(pts)).astype(int)
    keep = (cr[:, 0] >= 0) & (cr[:, 0] < cv.width) & (cr[:, 1] >= 0) & (cr[:, 1] < cv.height)
    cv.image[cr[keep, 1], cr[keep, 0]] = np.minimum(cv.image[cr[keep, 1], cr[keep, 0]], ink + 40)


def _wavy_hatch(cv: Canvas, rng, water: Polygon, ink: int) -> None:
    s = cv.scale
    inner = water.buffer(-3 * s)
    if inner.is_empty:
        return
    x0, y0, x1, y1 = inner.bounds
    sp, amp, lam = rng.uniform(7, 10) * s, 1.5 * s, rng.uniform(12, 18) * s
    xs = np.arange(x0, x1 + s, s)
    for k, y in enumerate(np.arange(y0 + sp / 2, y1, sp)):
        ln = LineString(np.stack([xs, y + amp * np.sin(2 * math.pi * xs / lam + k)], 1))
        for part in _parts(ln.intersection(inner)):
            cv.polyline(np.asarray(part.coords), 1.0, ink=ink)


def _legend(cv: Canvas, legend: Polygon, datum: float | None, ink: int) -> None:
    s = cv.scale
    cv.fill(legend, 255)
    cv.image[...]  # noqa: B018 - fill with white is a no-op through min(); erase explicitly below
    c0, r0 = np.floor(cv.px((legend.bounds[0], legend.bounds[3]))).astype(int)
    c1, r1 = np.ceil(cv.px((legend.bounds[2], legend.bounds[1]))).astype(int)
    cv.image[max(r0, 0) : r1 + 1, max(c0, 0) : c1 + 1] = 255
    cv.outline(legend, 1.0, ink=ink)
    x0, y0, x1, y1 = legend.bounds
    rows = ["SITE PLAN", f"CONTOURS {defaults.CONTOUR_INTERVAL:.1f} m"]
    rows.append(f"DATUM +{datum:.2f}" if datum is not None else "LEVELS IN m")
    for i, text in enumerate(rows):
        cv.text(text, ((x0 + x1) / 2, y1 - (14 + 17 * i) * s), 10.0, ink=ink)


# --- geometry helpers ------------------------------------------------------------------------
def _parts(g) -> list[LineString]:
    if g.is_empty:
        return []
    if isinstance(g, LineString):
        return [g]
    return [p for p in getattr(g, "geoms", []) if isinstance(p, LineString) and not p.is_empty]


def _polys(g) -> list[Polygon]:
    if isinstance(g, Polygon):
        return [] if g.is_empty else [g]
    if isinstance(g, MultiPolygon):
        return list(g.geoms)
    return [p for p in getattr(g, "geoms", []) if isinstance(p, Polygon)]


def _sample_area(poly: Polygon, step: float) -> tuple[np.ndarray, np.ndarray]:
    """Points on the boundary (every step/2 m) and a grid inside (every step m): (K,), (K,)."""
    ring = poly.exterior
    d = np.arange(0, ring.length, step / 2)
    b = np.vstack([np.array([ring.interpolate(t).coords[0] for t in d]), np.asarray(ring.coords)])
    x0, y0, x1, y1 = poly.bounds
    X, Y = np.meshgrid(np.arange(x0, x1, step), np.arange(y0, y1, step))
    inside = shapely.contains_xy(poly, X, Y)
    return np.concatenate([b[:, 0], X[inside]]), np.concatenate([b[:, 1], Y[inside]])
