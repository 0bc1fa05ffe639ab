"""Floor-plan layout in meters: building outline, rooms, walls and where the openings go.

Why separate from drawing: the layout is the ground truth (the `Plan`), the drawing is one
rendering of it; keeping them apart lets the renderer vary styles without touching the truth.
A building is a rectangle or an L, cut into rooms by recursive splits on a 5 cm grid; walls are
the outline minus the room interiors. Every split wall gets an interior door (rooms stay
reachable); exterior edges get the entrance and windows. An opening is a dict:
axis ("h" or "v"), c (wall line), faces (the two wall-face coordinates across), p (centre
along the wall), w (width), reach (swing clearance, doors only), inward (entrance only),
rect (footprint across the wall, extended `CUT_EXTRA` beyond both faces).
"""

from __future__ import annotations

import numpy as np
from shapely.geometry import LineString, Point, Polygon, box

CUT_EXTRA = 0.01  # cuts reach 1 cm beyond both wall faces
MIN_ROOM = 2.4  # meters, on the outline grid


def q(v: float, step: float = 0.05) -> float:
    """Round to the layout grid (meters)."""
    return round(v / step) * step


def axis_line(axis: str, c: float, lo: float, hi: float) -> LineString:
    """The line across = c, along [lo, hi], of a horizontal ("h") or vertical ("v") wall."""
    return LineString([(lo, c), (hi, c)]) if axis == "h" else LineString([(c, lo), (c, hi)])


def pt(axis: str, across: float, along: float) -> Point:
    """A point given in wall coordinates (across, along)."""
    return Point(along, across) if axis == "h" else Point(across, along)


def opening_rect(axis: str, c: float, face0: float, face1: float, p0: float, p1: float) -> Polygon:
    """The opening footprint across a wall: along [p0, p1], across [face0, face1] + 1 cm each side."""
    lo, hi = min(face0, face1) - CUT_EXTRA, max(face0, face1) + CUT_EXTRA
    return box(p0, lo, p1, hi) if axis == "h" else box(lo, p0, hi, p1)


def _split(
    rng: np.random.Generator, rect: tuple[float, float, float, float], rooms: list, walls: list
) -> None:
    """Recursively split rect = (x0, y0, x1, y1) into rooms; each split adds one wall record."""
    x0, y0, x1, y1 = rect
    w, h = x1 - x0, y1 - y0
    area = w * h
    can_v, can_h = w >= 2 * MIN_ROOM, h >= 2 * MIN_ROOM
    if not (can_v or can_h) or (area < rng.uniform(10, 40) and rng.random() < 0.85):
        rooms.append(rect)
        return
    vertical = can_v and (not can_h or (w > h if rng.random() < 0.8 else rng.random() < 0.5))
    if vertical:
        c = q(rng.uniform(x0 + MIN_ROOM, x1 - MIN_ROOM))
        walls.append(("v", c, y0, y1))
        _split(rng, (x0, y0, c, y1), rooms, walls)
        _split(rng, (c, y0, x1, y1), rooms, walls)
    else:
        c = q(rng.uniform(y0 + MIN_ROOM, y1 - MIN_ROOM))
        walls.append(("h", c, x0, x1))
        _split(rng, (x0, y0, x1, c), rooms, walls)
        _split(rng, (x0, c, x1, y1), rooms, walls)


def _intervals(line: LineString, region) -> list[tuple[float, float]]:
    """Where a straight line runs inside region, as (start, end) distances along the line."""
    inter = line.intersection(region)
    parts = getattr(inter, "geoms", [inter])
    out = []
    for p in parts:
        if p.is_empty or p.length <= 0:
            continue
        a, b = line.project(p.interpolate(0)), line.project(p.interpolate(p.length))
        out.append((min(a, b), max(a, b)))
    return sorted(out)


def layout(
    rng: np.random.Generator, ox: float, oy: float, W: float, H: float, te: float, ti: float
) -> tuple[Polygon, list, list, list]:
    """Outline, wall records (axis, c, lo, hi), room rectangles and room interiors (meters)
    of one W x H building placed at (ox, oy), exterior walls te thick, interior ti."""
    outline = box(ox, oy, ox + W, oy + H)
    rooms: list = []
    walls: list = []
    if rng.random() < 0.35:  # an L: remove one corner, split the rest into two rectangles
        a, b = q(rng.uniform(0.3, 0.5) * W), q(rng.uniform(0.3, 0.5) * H)
        right, top = rng.random() < 0.5, rng.random() < 0.5
        cx = ox + W - a if right else ox + a
        cy = oy + H - b if top else oy + b
        notch = box(cx, cy, ox + W, oy + H) if right and top else None
        if right and not top:
            notch = box(cx, oy, ox + W, cy)
        elif not right and top:
            notch = box(ox, cy, cx, oy + H)
        elif not right and not top:
            notch = box(ox, oy, cx, cy)
        outline = outline.difference(notch)
        full = (ox, oy, cx, oy + H) if right else (cx, oy, ox + W, oy + H)
        part = (cx, oy if top else cy, ox + W if right else ox, cy if top else oy + H)
        part = (min(part[0], part[2]), part[1], max(part[0], part[2]), part[3])
        walls.append(("v", cx, part[1], part[3]))
        _split(rng, full, rooms, walls)
        _split(rng, part, rooms, walls)
    else:
        _split(rng, (ox, oy, ox + W, oy + H), rooms, walls)
    inner = outline.buffer(-te, join_style=2)
    interiors = [
        box(x0 + ti / 2, y0 + ti / 2, x1 - ti / 2, y1 - ti / 2).intersection(inner)
        for x0, y0, x1, y1 in rooms
    ]
    return outline, walls, rooms, interiors


def _place(rng, intervals, width, margin, taken):
    """A centre for an opening of `width` inside one of the intervals, clear of `taken` spans."""
    fits = [
        (a + margin + width / 2, b - margin - width / 2)
        for a, b in intervals
        if b - a >= width + 2 * margin
    ]
    rng.shuffle(fits)
    for lo, hi in fits:
        for _ in range(4):
            p = float(rng.uniform(lo, hi)) if hi > lo else lo
            if all(p + width / 2 + 0.3 < t0 or p - width / 2 - 0.3 > t1 for t0, t1 in taken):
                taken.append((p - width / 2, p + width / 2))
                return p
    return None


def _interior_doors(rng, walls, rooms_union, ti: float, doors: list) -> None:
    """One door per split wall, where both sides are rooms, clear of other swings if possible."""
    for axis, c, lo, hi in walls:
        d = ti / 2 + 0.03
        lines = [axis_line(axis, c + s * d, lo, hi) for s in (-1, 1)]
        a = _intervals(lines[0], rooms_union)
        b = _intervals(lines[1], rooms_union)
        both = [
            (max(p0, q0), min(p1, q1)) for p0, p1 in a for q0, q1 in b if min(p1, q1) > max(p0, q0)
        ]
        w = q(rng.uniform(0.8, 1.0))
        # keep clear of other doors' swings, as an architect would; but every split wall gets
        # its door (each room stays reachable), so the last try is taken if none is clear
        for attempt in range(10):
            p = _place(rng, both, w, 0.12, [])
            if p is None:
                break
            reach = opening_rect(axis, c, c - w - ti, c + w + ti, lo + p - w / 2, lo + p + w / 2)
            if attempt == 9 or not any(reach.intersects(o["reach"]) for o in doors):
                doors.append(
                    dict(axis=axis, c=c, faces=(c - ti / 2, c + ti / 2), p=lo + p, w=w, reach=reach)
                )
                break


def place_openings(
    rng: np.random.Generator, outline: Polygon, walls: list, rooms_union, te: float, ti: float
) -> tuple[list[dict], list[dict]]:
    """Doors (interior + one entrance) and exterior windows, as opening dicts (module doc)."""
    doors: list[dict] = []
    windows: list[dict] = []
    _interior_doors(rng, walls, rooms_union, ti, doors)
    coords = list(outline.exterior.coords)
    entrance = int(rng.integers(len(coords) - 1))
    for k, (q0, q1) in enumerate(zip(coords[:-1], coords[1:], strict=False)):
        axis = "h" if abs(q0[1] - q1[1]) < 1e-9 else "v"
        c = q0[1] if axis == "h" else q0[0]
        lo, hi = sorted((q0[0], q1[0]) if axis == "h" else (q0[1], q1[1]))
        inward = 1.0 if outline.contains(pt(axis, c + te / 2, (lo + hi) / 2)) else -1.0
        faces = (c, c + inward * te)
        line = axis_line(axis, c + inward * (te + 0.03), lo, hi)
        spans = _intervals(line, rooms_union)
        taken: list = []
        if k == entrance:
            w = q(rng.uniform(0.9, 1.0))
            p = _place(rng, spans, w, 0.15, taken)
            reach = None
            if p is not None:
                f0, f1 = sorted(faces)
                reach = opening_rect(axis, c, f0 - w, f1 + w, lo + p - w / 2, lo + p + w / 2)
            if reach is not None and not any(reach.intersects(o["reach"]) for o in doors):
                doors.append(
                    dict(axis=axis, c=c, faces=faces, p=lo + p, w=w, inward=inward, reach=reach)
                )
        for s0, s1 in spans:
            for _ in range(int(rng.integers(0, 3))):
                w = q(rng.uniform(0.8, min(2.0, max(0.8, (s1 - s0) - 0.6))))
                p = _place(rng, [(s0, s1)], w, 0.3, taken)
                if p is not None:
                    windows.append(dict(axis=axis, c=c, faces=faces, p=lo + p, w=w))
    for o in doors + windows:
        o["rect"] = opening_rect(
            o["axis"], o["c"], *o["faces"], o["p"] - o["w"] / 2, o["p"] + o["w"] / 2
        )
    return doors, windows
