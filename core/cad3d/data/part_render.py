"""Rendering a `PartSpec` (data/part.py) as a drawing, by the conventions part.py documents."""

from __future__ import annotations

import numpy as np
from shapely import affinity
from shapely.geometry import LineString, Polygon, box
from shapely.ops import unary_union

from .draw import Canvas
from .part import THICK_PX, PartSpec

CENTRE_DASH = (14.0, 3.0, 2.0, 3.0)  # long dash-dot, px
TEXT_PX = 11.0


def render_part(spec: PartSpec, rng: np.random.Generator) -> np.ndarray:
    """(H, W) uint8: white paper, ink 0-50; thin lines first, thick outlines on top.

    Thin horizontal / vertical lines are kept either on the same row (column) or >= 6 px apart:
    two thin lines 1-5 px apart would read as one thick stroke.
    """
    cv = Canvas.blank(*spec.size_px, spec.scale, aa=True)
    ink = int(rng.integers(0, 50))
    rows: list[float] = []  # y (m) of thin horizontal lines drawn over the part
    cols: list[float] = []
    _centre_lines(cv, spec, rng, ink, rows, cols)
    for f in spec.features:
        if f.cls == "POCKET":
            cv.hatch(f.shape, f.hatch[0], f.hatch[1], 1.0, ink)
        elif f.cls == "BOSS":
            cv.outline(f.shape.buffer(-f.inset), 1.0, ink=ink)
    cv.outline(spec.profile, THICK_PX, ink=ink)
    for f in spec.features:
        cv.outline(f.shape, THICK_PX, ink=ink)
    _z_notes(cv, spec, ink, rows)
    _page(cv, spec, rng, ink)
    if spec.section_y is not None:
        _section(cv, spec, rng, ink, rows)
    if spec.style == "dimensioned":
        _dimensions(cv, spec, rng, ink)
    return cv.image


def _px(cv: Canvas, n: float) -> float:
    return n * cv.scale


def _clear(cv: Canvas, v: float, used: list[float]) -> bool:
    """A thin line at v does not run 1-5 px beside one already drawn."""
    return all(abs(v - u) < _px(cv, 0.5) or abs(v - u) > _px(cv, 6) for u in used)


def _centre_lines(
    cv: Canvas,
    spec: PartSpec,
    rng: np.random.Generator,
    ink: int,
    rows: list[float],
    cols: list[float],
) -> None:
    """Centre crosses on round features; sometimes the profile's symmetry axis."""
    for f in spec.features:
        if f.radius is None:
            continue
        (cx, cy), ext = f.center, f.radius + _px(cv, max(6.0, 0.3 * f.radius / cv.scale))
        cv.line((cx - ext, cy), (cx + ext, cy), 1.0, CENTRE_DASH, ink)
        cv.line((cx, cy - ext), (cx, cy + ext), 1.0, CENTRE_DASH, ink)
        rows.append(cy)
        cols.append(cx)
    if rng.random() < 0.5:
        x0, y0, x1, y1 = spec.profile.bounds
        cx, cy, e = (x0 + x1) / 2, (y0 + y1) / 2, _px(cv, 12)
        for axis in ("x", "y"):
            sx, sy = (-1, 1) if axis == "x" else (1, -1)
            mirrored = affinity.scale(spec.profile, sx, sy)
            if mirrored.symmetric_difference(spec.profile).area > 1e-3 * spec.profile.area:
                continue
            if axis == "x" and _clear(cv, cx, cols):
                cv.line((cx, y0 - e), (cx, y1 + e), 1.0, CENTRE_DASH, ink)
                cols.append(cx)
            elif axis == "y" and _clear(cv, cy, rows):
                cv.line((x0 - e, cy), (x1 + e, cy), 1.0, CENTRE_DASH, ink)
                rows.append(cy)


def _z_notes(cv: Canvas, spec: PartSpec, ink: int, rows: list[float]) -> None:
    """Leader notes at the right of the part for pockets/bosses whose depth/height is stated."""
    x1 = spec.profile.bounds[2]
    texts: list[float] = []
    for f in spec.features:
        if not f.noted:
            continue
        label = f"DEPTH {f.z * 1000:g}" if f.cls == "POCKET" else f"HEIGHT {f.z * 1000:g}"
        fy0, fy1 = f.shape.bounds[1], f.shape.bounds[3]
        for dy in (0, 8, -8, 16, -16, 24, -24):
            y0 = f.center[1] + _px(cv, dy)
            if fy0 + _px(cv, 4) < y0 < fy1 - _px(cv, 4) and _clear(cv, y0, rows):
                break
        else:
            continue
        y = y0
        while any(abs(y - r) < _px(cv, 16) for r in texts) or not _clear(cv, y, rows):
            y -= _px(cv, 7)
        texts.append(y)
        rows.extend([y0, y])
        hit = f.shape.exterior.intersection(LineString([(f.center[0], y0), (x1 + 1, y0)]))
        xs = [p.x for p in getattr(hit, "geoms", [hit]) if not p.is_empty and hasattr(p, "x")]
        start = (max(xs, default=f.shape.bounds[2]) + _px(cv, 4), y0)
        end = (x1 + _px(cv, 40), y)
        cv.polyline(np.array([start, (end[0] - _px(cv, 10), y0), end]), 1.0, ink=ink)
        cv.text(label, (end[0] + _px(cv, 4 + 3.3 * len(label)), y), TEXT_PX, ink=ink)


def _page(cv: Canvas, spec: PartSpec, rng: np.random.Generator, ink: int) -> None:
    """Title block (bottom right), the thickness note, sometimes a sheet border."""
    w, h = spec.size_px
    tb = np.array([w - 250, h - 80, w - 12, h - 12], dtype=float)  # px: c0, r0, c1, r1
    corners = cv.scale * np.array([[tb[0], h - tb[3]], [tb[2], h - tb[1]]])
    cv.outline(box(*corners[0], *corners[1]), 3.0, ink=ink)
    mid_r = (tb[1] + tb[3]) / 2
    cv.line(_w(cv, tb[0], mid_r), _w(cv, tb[2], mid_r), 1.0, ink=ink)
    mid_c = tb[0] + 120
    cv.line(_w(cv, mid_c, tb[1]), _w(cv, mid_c, tb[3]), 1.0, ink=ink)
    material = str(rng.choice(["AL 6061-T6", "S235 STEEL", "POM-C", "AISI 304"]))
    cells = [
        f"P-{int(rng.integers(1000, 9999))}",
        f"SCALE 1:{int(rng.choice([1, 2, 5]))}",
        material,
        "DIMS IN MM",
    ]
    for i, txt in enumerate(cells):
        c = tb[0] + 60 + 120 * (i % 2)
        r = tb[1] + 17 + 34 * (i // 2)
        cv.text(txt, _w(cv, c, r), 10.0, ink=ink)
    if spec.thickness_noted:
        cv.text(f"THK {spec.thickness * 1000:g}", _w(cv, 70, h - 40), TEXT_PX + 1, ink=ink)
    elif rng.random() < 0.3:
        cv.text("BREAK EDGES", _w(cv, 80, h - 40), TEXT_PX, ink=ink)
    if rng.random() < 0.5:
        weight = float(rng.choice([1.0, 3.0]))
        cv.outline(box(*_w(cv, 5, h - 5), *_w(cv, w - 5, 5)), weight, ink=ink)


def _w(cv: Canvas, c: float, r: float) -> tuple[float, float]:
    """Pixel (column, row) to meters."""
    return c * cv.scale, (cv.height - r) * cv.scale


def _section(
    cv: Canvas, spec: PartSpec, rng: np.random.Generator, ink: int, rows: list[float]
) -> None:
    """Section view A-A below the part: the plate cut along a horizontal line, hatched."""
    x0, y0, x1, y1 = spec.profile.bounds
    ys = [f.center[1] for f in spec.features if f.cls == "HOLE"]
    ys = [ys[i] for i in rng.permutation(len(ys))]
    ys += sorted(np.linspace(y0, y1, 23)[1:-1], key=lambda y: abs(y - (y0 + y1) / 2))
    y_cut = next((y for y in ys if _clear(cv, y, rows)), (y0 + y1) / 2)
    line = LineString([(x0 - 1, y_cut), (x1 + 1, y_cut)])
    t = spec.thickness

    def spans(shape: Polygon) -> list[tuple[float, float]]:
        g = shape.intersection(line)
        parts = getattr(g, "geoms", [g])
        return [(p.bounds[0], p.bounds[2]) for p in parts if not p.is_empty and p.length > 0]

    body = unary_union([box(a, 0, b, t) for a, b in spans(spec.profile)])
    for f in spec.features:
        for a, b in spans(f.shape):
            if f.cls == "HOLE":
                body = body.difference(box(a, -1, b, t + 1))
            elif f.cls == "POCKET":
                body = body.difference(box(a, t - f.z, b, t + 1))
            else:
                body = body.union(box(a, t, b, t + f.z))
    if body.is_empty:
        return
    sec = affinity.translate(body, 0, spec.section_y)
    cv.hatch(sec, 45.0, 5.0, 1.0, ink)
    cv.outline(sec, THICK_PX, ink=ink)
    e = _px(cv, 18)
    cv.line((x0 - e, y_cut), (x1 + e, y_cut), 1.0, CENTRE_DASH, ink)
    cv.text("A", (x0 - e - _px(cv, 8), y_cut), TEXT_PX, ink=ink)
    cv.text("A", (x1 + e + _px(cv, 8), y_cut), TEXT_PX, ink=ink)
    cv.text("SECTION A-A", ((x0 + x1) / 2, spec.section_y - _px(cv, 22)), TEXT_PX, ink=ink)


def _dimensions(cv: Canvas, spec: PartSpec, rng: np.random.Generator, ink: int) -> None:
    """Overall sizes, one hole position, and diameter call-outs with leaders."""
    x0, y0, x1, y1 = spec.profile.bounds
    mm = 1000.0
    cv.dimension((x0, y1), (x1, y1), _px(cv, 35), f"{(x1 - x0) * mm:.0f}", ink=ink)
    cv.dimension((x0, y0), (x0, y1), _px(cv, 35), f"{(y1 - y0) * mm:.0f}", ink=ink)
    holes = [f for f in spec.features if f.cls == "HOLE"]
    if holes:
        hx = holes[0].center[0]
        if hx - x0 > _px(cv, 40):
            cv.dimension((x0, y1), (hx, y1), _px(cv, 65), f"{(hx - x0) * mm:.1f}", ink=ink)
    feats = unary_union([f.shape for f in spec.features]).buffer(_px(cv, 6))
    keep_out = feats.union(spec.profile.exterior.buffer(_px(cv, 6)))
    done: set[float] = set()
    for f in holes:
        if f.radius in done:
            continue
        n = sum(g.radius == f.radius for g in holes)
        label = f"{n}x DIA {f.radius * 2 * mm:g}" if n > 1 else f"DIA {f.radius * 2 * mm:g} THRU"
        for ang in rng.permutation([45.0, 135.0, 225.0, 315.0]):
            u = np.array([np.cos(np.radians(ang)), np.sin(np.radians(ang))])
            c = np.asarray(f.center)
            a = c + u * (f.radius + _px(cv, 4))
            b = c + u * (f.radius + _px(cv, 30))
            side = 1.0 if u[0] > 0 else -1.0
            k = b + np.array([side * _px(cv, 10), 0])
            half = _px(cv, 3.3 * len(label) + 3)
            tc = k + np.array([side * half, 0])
            tbox = box(tc[0] - half, tc[1] - _px(cv, 9), tc[0] + half, tc[1] + _px(cv, 9))
            path = LineString([a, b, k])
            others = keep_out.difference(f.shape.buffer(_px(cv, 6)))
            if tbox.intersects(keep_out) or path.intersects(others):
                continue
            cv.polyline(np.array([a, b, k]), 1.0, ink=ink)
            tip = np.array([a, a + _px(cv, 7) * _rot(u, 20), a + _px(cv, 7) * _rot(u, -20)])
            cv.polyline(tip[[1, 0, 2]], 1.0, ink=ink)  # an open arrowhead, thin
            cv.text(label, tuple(tc), TEXT_PX, ink=ink)
            keep_out = keep_out.union(tbox).union(path.buffer(_px(cv, 3)))
            done.add(f.radius)
            break


def _rot(u: np.ndarray, deg: float) -> np.ndarray:
    a = np.radians(deg)
    return np.array([u[0] * np.cos(a) - u[1] * np.sin(a), u[0] * np.sin(a) + u[1] * np.cos(a)])
