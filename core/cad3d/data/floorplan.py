"""Synthetic floor plans: a drawing, its scale and its exact `Plan`.

Why synthetic: the learned converters need (drawing, 3D truth) pairs by the thousand, and the
extrusion baseline needs drawings whose answer is known to the centimetre. A building is a
rectangle or an L, cut into rooms by recursive splits; walls are the outline minus the room
interiors (one union polygon, so nothing is counted twice), doors and windows are cuts across
a wall with the default heights (defaults.py). The drawing adds what real plans carry and a
vectoriser must ignore: room names and areas, dimension chains, door leaves and swings,
furniture, a title, several fonts and line weights. Wall styles: solid fill, outline with
hatching, outline only.

Window symbols: jamb lines close the wall at both ends; inside, two lines on the wall faces
or three (faces and centre). Outline-style walls always get three, since two lines on the
faces would look exactly like a piece of wall.
"""

from __future__ import annotations

import math

import numpy as np
from shapely.geometry import Polygon, box
from shapely.ops import unary_union

from ..defaults import DOOR_HEAD, WALL_HEIGHT, WINDOW_HEAD, WINDOW_SILL
from ..plan import Cut, Plan, Solid, Surface
from .draw import FONTS, Canvas

STYLES: tuple[str, ...] = ("filled", "hatched", "outline")
ROOM_NAMES = (  # by size: small, medium, large
    ("WC", "BATH", "STORAGE", "LAUNDRY", "CLOSET"),
    ("BEDROOM", "OFFICE", "KITCHEN", "HALL", "STUDY", "BATH"),
    ("LIVING", "DINING", "BEDROOM", "KITCHEN", "FAMILY ROOM"),
)
CUT_EXTRA = 0.01  # cuts reach 1 cm beyond both wall faces
MIN_ROOM = 2.4  # meters, on the outline grid


def _q(v: float, step: float = 0.05) -> float:
    return round(v / step) * step


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
        c = _q(rng.uniform(x0 + MIN_ROOM, x1 - MIN_ROOM))
        walls.append(("v", c, y0, y1))
        _split(rng, (x0, y0, c, y1), rooms, walls)
        _split(rng, (c, y0, x1, y1), rooms, walls)
    else:
        c = _q(rng.uniform(y0 + MIN_ROOM, y1 - MIN_ROOM))
        walls.append(("h", c, x0, x1))
        _split(rng, (x0, y0, x1, c), rooms, walls)
        _split(rng, (x0, c, x1, y1), rooms, walls)


def _intervals(line: Polygon, region) -> list[tuple[float, float]]:
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


def _opening_rect(axis: str, c: float, face0: float, face1: float, p0: float, p1: float) -> Polygon:
    """The opening footprint across a wall: along [p0, p1], across [face0, face1] + 1 cm each side."""
    lo, hi = min(face0, face1) - CUT_EXTRA, max(face0, face1) + CUT_EXTRA
    return box(p0, lo, p1, hi) if axis == "h" else box(lo, p0, hi, p1)


def _layout(
    rng: np.random.Generator, ox: float, oy: float, W: float, H: float, te: float, ti: float
):
    """Outline, wall records and room rectangles of one building placed at (ox, oy)."""
    outline = box(ox, oy, ox + W, oy + H)
    rooms: list = []
    walls: list = []
    if rng.random() < 0.35:  # an L: remove one corner, split the rest into two rectangles
        a, b = _q(rng.uniform(0.3, 0.5) * W), _q(rng.uniform(0.3, 0.5) * H)
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


def generate_floorplan(seed: int, style: str | None = None) -> tuple[np.ndarray, float, Plan]:
    """A floor-plan drawing (H, W) uint8, its scale (m/px) and its exact Plan (meters)."""
    rng = np.random.default_rng(seed)
    pick = STYLES[int(rng.integers(len(STYLES)))]
    style = style or pick
    if style not in STYLES:
        raise ValueError(f"unknown floor-plan style {style!r}")
    W, H = _q(rng.uniform(7, 20)), _q(rng.uniform(7, 20))
    te, ti = round(rng.uniform(0.25, 0.40), 2), round(rng.uniform(0.10, 0.15), 2)
    margin = rng.uniform(3.0, 3.6)
    ext = (W + 2 * margin, H + 2 * margin)
    scale = float(np.clip(max(ext) / rng.uniform(512, 1024), 0.01, 0.03))
    wpx, hpx = int(math.ceil(ext[0] / scale)), int(math.ceil(ext[1] / scale))
    ox, oy = _q(margin + rng.uniform(-0.3, 0.3)), _q(margin + rng.uniform(-0.3, 0.3))
    outline, walls, rooms, interiors = _layout(rng, ox, oy, W, H, te, ti)
    rooms_union = unary_union(interiors)
    wall_fp = outline.difference(rooms_union)

    doors: list[dict] = []  # axis, c (wall line), faces, p (centre along), w, room side sign
    windows: list[dict] = []
    # interior doors: one per split wall, where both sides are rooms
    for axis, c, lo, hi in walls:
        d = ti / 2 + 0.03
        lines = [_axis_line(axis, c + s * d, lo, hi) for s in (-1, 1)]
        a = _intervals(lines[0], rooms_union)
        b = _intervals(lines[1], rooms_union)
        both = [
            (max(p0, q0), min(p1, q1)) for p0, p1 in a for q0, q1 in b if min(p1, q1) > max(p0, q0)
        ]
        w = _q(rng.uniform(0.8, 1.0))
        # keep clear of other doors' swings, as an architect would; but every split wall gets
        # its door (each room stays reachable), so the last try is taken if none is clear
        for attempt in range(10):
            p = _place(rng, both, w, 0.12, [])
            if p is None:
                break
            reach = _opening_rect(axis, c, c - w - ti, c + w + ti, lo + p - w / 2, lo + p + w / 2)
            if attempt == 9 or not any(reach.intersects(o["reach"]) for o in doors):
                doors.append(
                    dict(axis=axis, c=c, faces=(c - ti / 2, c + ti / 2), p=lo + p, w=w, reach=reach)
                )
                break
    # exterior: an entrance door and windows, per outline edge
    coords = list(outline.exterior.coords)
    entrance = int(rng.integers(len(coords) - 1))
    for k, (q0, q1) in enumerate(zip(coords[:-1], coords[1:], strict=False)):
        axis = "h" if abs(q0[1] - q1[1]) < 1e-9 else "v"
        c = q0[1] if axis == "h" else q0[0]
        lo, hi = sorted((q0[0], q1[0]) if axis == "h" else (q0[1], q1[1]))
        inward = 1.0 if outline.contains(_pt(axis, c + te / 2, (lo + hi) / 2)) else -1.0
        faces = (c, c + inward * te)
        line = _axis_line(axis, c + inward * (te + 0.03), lo, hi)
        spans = _intervals(line, rooms_union)
        taken: list = []
        if k == entrance:
            w = _q(rng.uniform(0.9, 1.0))
            p = _place(rng, spans, w, 0.15, taken)
            reach = None
            if p is not None:
                f0, f1 = sorted(faces)
                reach = _opening_rect(axis, c, f0 - w, f1 + w, lo + p - w / 2, lo + p + w / 2)
            if reach is not None and not any(reach.intersects(o["reach"]) for o in doors):
                doors.append(
                    dict(axis=axis, c=c, faces=faces, p=lo + p, w=w, inward=inward, reach=reach)
                )
        for s0, s1 in spans:
            for _ in range(int(rng.integers(0, 3))):
                w = _q(rng.uniform(0.8, min(2.0, max(0.8, (s1 - s0) - 0.6))))
                p = _place(rng, [(s0, s1)], w, 0.3, taken)
                if p is not None:
                    windows.append(dict(axis=axis, c=c, faces=faces, p=lo + p, w=w))
    for o in doors + windows:
        o["rect"] = _opening_rect(
            o["axis"], o["c"], *o["faces"], o["p"] - o["w"] / 2, o["p"] + o["w"] / 2
        )

    cv = Canvas.blank(wpx, hpx, scale, aa=True)
    ink = int(rng.integers(0, 40))
    font = FONTS[int(rng.integers(len(FONTS) - 1))]  # no script font for labels
    drawn = (
        wall_fp.difference(unary_union([o["rect"] for o in doors + windows]))
        if doors or windows
        else wall_fp
    )
    wall_w = float(rng.choice([1, 3])) if scale < 0.015 else 1.0  # px; never thicker than ~4 cm
    if style == "filled":
        cv.fill(drawn, ink)
    elif style == "hatched":
        cv.hatch(
            drawn,
            float(rng.choice([45, 135])),
            float(rng.uniform(4, 8)),
            1,
            int(rng.integers(0, 90)),
        )
        cv.outline(drawn, wall_w, ink=ink)
    else:
        cv.outline(drawn, wall_w, ink=ink)
    thin = int(rng.integers(0, 70))
    for o in windows:
        three = style == "outline" or rng.random() < 0.5
        f0, f1 = o["faces"]
        pos = [f0, f1] + ([(f0 + f1) / 2] if three else [])
        for v in pos:
            a, b = _pt(o["axis"], v, o["p"] - o["w"] / 2), _pt(o["axis"], v, o["p"] + o["w"] / 2)
            cv.line(a.coords[0], b.coords[0], 1, ink=thin)
    swings = []
    for o in doors:
        swings.append(_draw_door(cv, rng, o, rooms_union, thin))

    labels = _draw_rooms(cv, rng, rooms, interiors, font, swings)
    _draw_dimensions(cv, rng, outline, walls, font)
    cv.text(
        "GROUND FLOOR PLAN  1:100",
        (ox + W / 2, max(0.3, oy - margin + 0.45)),
        float(rng.uniform(12, 18)),
        0,
        font,
        1,
        0,
    )
    placed = swings + labels
    for poly in interiors:
        for _ in range(int(rng.integers(0, 3))):
            _draw_furniture(cv, rng, poly, placed, int(rng.integers(30, 120)))

    cuts = [Cut("DOOR", o["rect"], 0.0, DOOR_HEAD, "WALL") for o in doors]
    cuts += [Cut("WINDOW", o["rect"], WINDOW_SILL, WINDOW_HEAD, "WALL") for o in windows]
    plan = Plan(
        domain="floorplan",
        extent=(wpx * scale, hpx * scale),
        solids=[Solid("WALL", wall_fp, 0.0, WALL_HEIGHT)],
        cuts=cuts,
        surfaces=[Surface("FLOOR", outline, 0.0)],
        meta=dict(
            seed=int(seed),
            style=style,
            rooms=len(rooms),
            walls=len(walls) + len(coords) - 1,
            doors=len(doors),
            windows=len(windows),
            exterior_thickness=te,
            interior_thickness=ti,
        ),
    )
    return cv.image, scale, plan


def _axis_line(axis: str, c: float, lo: float, hi: float):
    from shapely.geometry import LineString

    return LineString([(lo, c), (hi, c)]) if axis == "h" else LineString([(c, lo), (c, hi)])


def _pt(axis: str, across: float, along: float):
    from shapely.geometry import Point

    return Point(along, across) if axis == "h" else Point(across, along)


def _draw_door(cv: Canvas, rng, o: dict, rooms_union, ink: int) -> Polygon:
    """Leaf (open 90 degrees) and quarter swing arc on one side; returns the swept quarter disc."""
    f0, f1 = o["faces"]
    sides = [(f0, -1.0 if f0 < f1 else 1.0), (f1, 1.0 if f1 > f0 else -1.0)]
    face, out = sides[int(rng.integers(2))]
    if "inward" in o:  # entrance doors open into the building
        face, out = f1, o["inward"]
    w, p = o["w"], o["p"]
    hinge_end = 1.0 if rng.random() < 0.5 else -1.0
    hinge = p + hinge_end * w / 2
    h = np.array(_pt(o["axis"], face, hinge).coords[0])
    tip = np.array(_pt(o["axis"], face + out * w, hinge).coords[0])
    other = np.array(_pt(o["axis"], face, hinge - hinge_end * w).coords[0])
    cv.line(h, tip, float(rng.choice([1, 2])), ink=ink)
    a0 = math.degrees(math.atan2(*(tip - h)[::-1]))
    a1 = math.degrees(math.atan2(*(other - h)[::-1]))
    if a1 - a0 > 180:
        a1 -= 360
    elif a0 - a1 > 180:
        a1 += 360
    dash = (6, 4) if rng.random() < 0.3 else None
    cv.arc(h, w, a0, a1, 1, dash=dash, ink=ink)
    return (
        Polygon([h, tip, other]).buffer(w * 0.45).union(Polygon([h, tip, tip + other - h, other]))
    )


def _draw_rooms(cv: Canvas, rng, rooms, interiors, font, avoid) -> list[Polygon]:
    """Room name and area at each room's centre, if they fit; returns the label boxes."""
    boxes = []
    th = float(rng.uniform(9, 15))
    for poly in interiors:
        if poly.is_empty:
            continue
        name = str(rng.choice(ROOM_NAMES[int(poly.area > 7) + int(poly.area > 16)]))
        area = (
            f"{poly.area:.1f} m2" if rng.random() < 0.5 else f"{poly.area:.2f} m²".replace("²", "2")
        )
        c = poly.representative_point()
        bold = float(rng.choice([1, 2]))
        w0, h0 = cv.text_size(name, th, font, bold)
        w1, h1 = cv.text_size(area, th * 0.8, font, 1)
        est_w, est_h = max(w0, w1), 2 * max(h0, h1) + th * 0.6 * cv.scale
        lab = box(c.x - est_w / 2, c.y - est_h / 2, c.x + est_w / 2, c.y + est_h / 2)
        if not poly.buffer(-0.1).contains(lab) or any(lab.intersects(a) for a in avoid):
            continue
        cv.text(name, (c.x, c.y + th * 0.8 * cv.scale), th, 0, font, bold, 0)
        cv.text(area, (c.x, c.y - th * 0.8 * cv.scale), th * 0.8, 0, font, 1, 40)
        boxes.append(lab)
    return boxes


def _draw_dimensions(cv: Canvas, rng, outline, walls, font) -> None:
    """Overall dimensions and split-wall chains outside the building, on two to four sides."""
    x0, y0, x1, y1 = outline.bounds
    end = str(rng.choice(["arrow", "tick", "dot"]))
    tp = float(rng.uniform(8, 12))
    mm = rng.random() < 0.4
    lab = (lambda v: f"{v * 1000:.0f}") if mm else (lambda v: f"{v:.2f}")
    off2 = rng.uniform(0.7, 0.9)  # wider than any wall, so no strip looks like one
    off1 = off2 + rng.uniform(0.75, 0.9)
    sides = [
        s
        for s in ("bottom", "left", "top", "right")
        if s in ("bottom", "left") or rng.random() < 0.4
    ]
    for side in sides:
        horizontal = side in ("bottom", "top")
        lo, hi = (x0, x1) if horizontal else (y0, y1)
        base = {"bottom": y0, "top": y1, "left": x0, "right": x1}[side]
        sign = -1.0 if side in ("bottom", "left") else 1.0

        def pt(v, base=base, horizontal=horizontal):
            return (v, base) if horizontal else (base, v)

        # dimension offset is to the left of p0->p1: choose the direction so it points outward
        def dim(a, b, off, ext=(True, True), gap=None, sign=sign, horizontal=horizontal, pt=pt):
            p0, p1 = (pt(a), pt(b))
            left_is_out = (sign > 0) if horizontal else (sign < 0)
            o = off if left_is_out else -off
            cv.dimension(p0, p1, o, lab(b - a), end, 1, tp, font, 20, ext, gap)

        cuts = sorted({c for axis, c, a, b in walls if (axis == "v") == horizontal and lo < c < hi})
        chain = bool(cuts) and rng.random() < 0.7
        # each extension line is drawn once: the overall one starts beyond the chain's line
        dim(lo, hi, off1, gap=off2 + 0.1 if chain else None)
        if chain:
            stops = [lo, *cuts, hi]
            last = None
            for a, b in zip(stops[:-1], stops[1:], strict=False):
                if b - a > 0.8:
                    dim(a, b, off2, (last != a, True))
                    last = b


FURNITURE = {
    "bed": (1.6, 2.0),
    "table": (1.6, 1.6),
    "sink": (0.5, 0.4),
    "wc": (0.4, 0.65),
    "sofa": (0.9, 2.0),
    "bath": (0.75, 1.7),
    "desk": (0.6, 1.2),
}


def _draw_furniture(cv: Canvas, rng, room: Polygon, placed: list, ink: int) -> None:
    """One furniture symbol, 0.2 m clear of the walls and of door swings, labels, other items."""
    kind = str(rng.choice(list(FURNITURE)))
    w, h = (v * rng.uniform(0.85, 1.15) for v in FURNITURE[kind])
    if rng.random() < 0.5:
        w, h = h, w
    room_ok = room.buffer(-0.2, join_style=2)
    if room_ok.is_empty:
        return
    x0, y0, x1, y1 = room_ok.bounds
    if x1 - x0 < w or y1 - y0 < h:
        return
    for _ in range(6):
        x, y = rng.uniform(x0, x1 - w), rng.uniform(y0, y1 - h)
        r = box(x, y, x + w, y + h)
        if room_ok.contains(r) and not any(r.intersects(p) for p in placed):
            break
    else:
        return
    placed.append(r.buffer(0.1))
    c = np.array([x + w / 2, y + h / 2])
    long_x = w > h
    if kind == "table":  # the footprint holds the chairs: the table is 0.3 m inside it
        x, y, w, h = x + 0.3, y + 0.3, w - 0.6, h - 0.6
        r = box(x, y, x + w, y + h)
    if kind == "table" and rng.random() < 0.5:
        cv.circle(c, min(w, h) / 2, 1, ink)
    else:
        cv.outline(r, 1, ink=ink)
    if kind == "bed":  # pillows at one short end
        pw = 0.25
        pil = box(x, y, x + pw, y + h) if long_x else box(x, y + h - pw, x + w, y + h)
        cv.outline(pil.buffer(-0.05, join_style=2), 1, ink=ink)
        cv.line(
            (x + w * 0.6, y) if long_x else (x, y + h * 0.4),
            (x + w * 0.6, y + h) if long_x else (x + w, y + h * 0.4),
            1,
            ink=ink,
        )
    elif kind in ("sink", "wc", "bath"):
        cv.outline(r.buffer(-min(w, h) * 0.12, join_style=1), 1, ink=ink)
    elif kind == "sofa":
        back = box(x, y, x + w, y + 0.2) if long_x else box(x, y, x + 0.2, y + h)
        cv.outline(back, 1, ink=ink)
    elif kind == "table":  # chairs around
        for dx, dy in ((0, 1), (0, -1), (1, 0), (-1, 0)):
            q = c + np.array([dx * (w / 2 + 0.15), dy * (h / 2 + 0.15)])
            cv.outline(box(q[0] - 0.12, q[1] - 0.12, q[0] + 0.12, q[1] + 0.12), 1, ink=ink)
