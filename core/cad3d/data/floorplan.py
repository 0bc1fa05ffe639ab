"""Synthetic floor plans: a drawing, its scale and its exact `Plan`.

Why synthetic: the learned converters need (drawing, 3D truth) pairs by the thousand, and the
extrusion baseline needs drawings whose answer is known to the centimetre. The layout (outline,
rooms, walls, openings; floorplan_layout) is the truth: walls are the outline minus the room
interiors (one union polygon, so nothing is counted twice), doors and windows are cuts across a
wall with the default heights (defaults.py). The drawing (floorplan_render) adds what real plans
carry and a vectoriser must ignore: room names and areas, dimension chains, door leaves and
swings, furniture, a title, several fonts and line weights. Wall styles: solid fill, outline
with hatching, outline only.
"""

from __future__ import annotations

import math

import numpy as np
from shapely.ops import unary_union

from ..defaults import DOOR_HEAD, WALL_HEIGHT, WINDOW_HEAD, WINDOW_SILL
from ..plan import Cut, Plan, Solid, Surface
from .draw import FONTS, Canvas
from .floorplan_layout import layout, place_openings, q
from .floorplan_render import (
    draw_dimensions,
    draw_door,
    draw_furniture,
    draw_rooms,
    draw_walls,
    draw_window,
)

STYLES: tuple[str, ...] = ("filled", "hatched", "outline")


def generate_floorplan(seed: int, style: str | None = None) -> tuple[np.ndarray, float, Plan]:
    """A floor-plan drawing (H, W) uint8, its scale (m/px) and its exact Plan (meters).

    style: one of STYLES, or None to let the seed choose. Same seed and style, same bytes.
    """
    rng = np.random.default_rng(seed)
    pick = STYLES[int(rng.integers(len(STYLES)))]
    style = style or pick
    if style not in STYLES:
        raise ValueError(f"unknown floor-plan style {style!r}")
    W, H = q(rng.uniform(7, 20)), q(rng.uniform(7, 20))
    te, ti = round(rng.uniform(0.25, 0.40), 2), round(rng.uniform(0.10, 0.15), 2)
    margin = rng.uniform(3.0, 3.6)
    ext = (W + 2 * margin, H + 2 * margin)
    scale = float(np.clip(max(ext) / rng.uniform(512, 1024), 0.01, 0.03))
    wpx, hpx = int(math.ceil(ext[0] / scale)), int(math.ceil(ext[1] / scale))
    ox, oy = q(margin + rng.uniform(-0.3, 0.3)), q(margin + rng.uniform(-0.3, 0.3))
    outline, walls, rooms, interiors = layout(rng, ox, oy, W, H, te, ti)
    rooms_union = unary_union(interiors)
    wall_fp = outline.difference(rooms_union)
    doors, windows = place_openings(rng, outline, walls, rooms_union, te, ti)

    cv = Canvas.blank(wpx, hpx, scale, aa=True)
    ink = int(rng.integers(0, 40))
    font = FONTS[int(rng.integers(len(FONTS) - 1))]  # no script font for labels
    openings = doors + windows
    drawn = wall_fp.difference(unary_union([o["rect"] for o in openings])) if openings else wall_fp
    draw_walls(cv, rng, style, drawn, ink)
    thin = int(rng.integers(0, 70))
    for o in windows:
        draw_window(cv, rng, o, style, thin)
    swings = [draw_door(cv, rng, o, thin) for o in doors]
    labels = draw_rooms(cv, rng, interiors, font, swings)
    draw_dimensions(cv, rng, outline, walls, font)
    title_px = float(rng.uniform(12, 18))
    cv.text(
        "GROUND FLOOR PLAN  1:100",
        (ox + W / 2, max(0.3, oy - margin + 0.45)),
        title_px,
        0,
        font,
        1,
        0,
    )
    placed = swings + labels
    for poly in interiors:
        for _ in range(int(rng.integers(0, 3))):
            draw_furniture(cv, rng, poly, placed, int(rng.integers(30, 120)))

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
            walls=len(walls) + len(outline.exterior.coords) - 1,
            doors=len(doors),
            windows=len(windows),
            exterior_thickness=te,
            interior_thickness=ti,
        ),
    )
    return cv.image, scale, plan
