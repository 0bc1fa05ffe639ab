"""Drawing a floor-plan layout: walls in one of three styles, opening symbols, and the clutter
a vectoriser must ignore (room labels, dimension chains, furniture).

Every function takes the generator's `rng` and draws in a fixed order of random draws, so the
same seed always gives the same drawing. Geometry in meters (floorplan_layout), weights in px.

Window symbols: jamb lines close the wall at both ends; inside, two lines on the wall faces
or three (faces and centre). Outline-style walls always get three, since two lines on the
faces would look exactly like a piece of wall.
"""

from __future__ import annotations

import math

import numpy as np
from shapely.geometry import Polygon, box

from .draw import Canvas
from .floorplan_layout import pt

ROOM_NAMES = (  # by size: small, medium, large
    ("WC", "BATH", "STORAGE", "LAUNDRY", "CLOSET"),
    ("BEDROOM", "OFFICE", "KITCHEN", "HALL", "STUDY", "BATH"),
    ("LIVING", "DINING", "BEDROOM", "KITCHEN", "FAMILY ROOM"),
)
FURNITURE = {  # nominal footprint (m)
    "bed": (1.6, 2.0),
    "table": (1.6, 1.6),
    "sink": (0.5, 0.4),
    "wc": (0.4, 0.65),
    "sofa": (0.9, 2.0),
    "bath": (0.75, 1.7),
    "desk": (0.6, 1.2),
}


def draw_walls(cv: Canvas, rng: np.random.Generator, style: str, drawn, ink: int) -> None:
    """The wall area `drawn` (walls minus openings): solid fill, outline + hatch, or outline."""
    wall_w = float(rng.choice([1, 3])) if cv.scale < 0.015 else 1.0  # px; never thicker than ~4 cm
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


def draw_window(cv: Canvas, rng: np.random.Generator, o: dict, style: str, ink: int) -> None:
    """Two or three thin lines along the window's span (faces, and the centre line if three)."""
    three = style == "outline" or rng.random() < 0.5
    f0, f1 = o["faces"]
    pos = [f0, f1] + ([(f0 + f1) / 2] if three else [])
    for v in pos:
        a, b = pt(o["axis"], v, o["p"] - o["w"] / 2), pt(o["axis"], v, o["p"] + o["w"] / 2)
        cv.line(a.coords[0], b.coords[0], 1, ink=ink)


def draw_door(cv: Canvas, rng: np.random.Generator, o: dict, ink: int) -> Polygon:
    """Leaf (open 90 degrees) and quarter swing arc on one side; returns the swept quarter disc."""
    f0, f1 = o["faces"]
    sides = [(f0, -1.0 if f0 < f1 else 1.0), (f1, 1.0 if f1 > f0 else -1.0)]
    face, out = sides[int(rng.integers(2))]
    if "inward" in o:  # entrance doors open into the building
        face, out = f1, o["inward"]
    w, p = o["w"], o["p"]
    hinge_end = 1.0 if rng.random() < 0.5 else -1.0
    hinge = p + hinge_end * w / 2
    h = np.array(pt(o["axis"], face, hinge).coords[0])
    tip = np.array(pt(o["axis"], face + out * w, hinge).coords[0])
    other = np.array(pt(o["axis"], face, hinge - hinge_end * w).coords[0])
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


def draw_rooms(cv: Canvas, rng, interiors, font: int, avoid) -> list[Polygon]:
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


def draw_dimensions(cv: Canvas, rng, outline: Polygon, walls: list, font: int) -> None:
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

        def at(v, base=base, horizontal=horizontal):
            return (v, base) if horizontal else (base, v)

        # dimension offset is to the left of p0->p1: choose the direction so it points outward
        def dim(a, b, off, ext=(True, True), gap=None, sign=sign, horizontal=horizontal, at=at):
            left_is_out = (sign > 0) if horizontal else (sign < 0)
            o = off if left_is_out else -off
            cv.dimension(at(a), at(b), o, lab(b - a), end, 1, tp, font, 20, ext, gap)

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


def draw_furniture(cv: Canvas, rng, room: Polygon, placed: list, ink: int) -> None:
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
