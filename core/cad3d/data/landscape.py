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

import numpy as np
import shapely
from shapely.geometry import LineString, Point, Polygon, box
from shapely.ops import unary_union

from .. import defaults
from ..plan import Contour, Plan, Solid, Surface, Tree
from .draw import Canvas
from .landscape_layout import (
    INDEX_EVERY,
    LABEL_PX,
    find_pond,
    label_spots,
    parts,
    place_buildings,
    place_paths,
    place_trees,
    polys,
)
from .landscape_terrain import isolines, normalise_relief, random_terrain, terrain_height

__all__ = ["STYLES", "generate_landscape", "terrain_height"]

STYLES: tuple[str, ...] = ("plain", "coloured-print-grey", "dense")
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
        find_pond(lines, gz, xs, ys, W, H, s, legend, zero) if pond else (None, None, None)
    )
    taken = [legend.buffer(2.0)] + ([water.buffer(3.0)] if water is not None else [])
    buildings = place_buildings(rng, W, H, s, taken, n=int(rng.integers(1, 5 if dense else 4)))
    paths = place_paths(
        rng, W, H, s, legend, water, buildings, n=int(rng.integers(1, 4 if dense else 3))
    )
    path_area = unary_union(paths) if paths else Polygon()
    block = unary_union([legend, *buildings, path_area] + ([water] if water is not None else []))
    trees = place_trees(
        rng, W, H, s, block, n=int(rng.integers(20, 60) if dense else rng.integers(4, 25))
    )
    crowns = unary_union([Point(x, y).buffer(r) for x, y, r in trees]) if trees else Polygon()

    # --- contours: label gaps, clipping, drawing ------------------------------------------------
    labels, gaps = label_spots(lines, s, W, H, unary_union([block, crowns]))
    clip = unary_union([block.buffer(0), legend.buffer(4 * s), *gaps])
    contours: list[Contour] = []
    for a, lvl_lines in lines.items():
        index = a % INDEX_EVERY == 0
        for ln in lvl_lines:
            if wring is not None and ln is wring:
                continue
            for piece in parts(ln.difference(clip)):
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
        for p in polys(path_area.intersection(site)):
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
        for part in parts(ln.intersection(inner)):
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
def _sample_area(poly: Polygon, step: float) -> tuple[np.ndarray, np.ndarray]:
    """Points on the boundary (every step/2 m) and a grid inside (every step m): (K,), (K,)."""
    ring = poly.exterior
    d = np.arange(0, ring.length, step / 2)
    b = np.vstack([np.array([ring.interpolate(t).coords[0] for t in d]), np.asarray(ring.coords)])
    x0, y0, x1, y1 = poly.bounds
    X, Y = np.meshgrid(np.arange(x0, x1, step), np.arange(y0, y1, step))
    inside = shapely.contains_xy(poly, X, Y)
    return np.concatenate([b[:, 0], X[inside]]), np.concatenate([b[:, 1], Y[inside]])
