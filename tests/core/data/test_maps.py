"""plan_maps: semantic, heights and material agree with the plan, pixel by pixel."""

import numpy as np
import pytest
from shapely.geometry import LineString, Point, box
from shapes import part_plate

from cad3d.classes import class_id
from cad3d.data.maps import fill_mask, plan_maps
from cad3d.data.materials import material_id
from cad3d.plan import Contour, Cut, Plan, Solid, Surface, Tree

S = 0.02  # m/px
HW = (300, 250)  # 6 m tall, 5 m wide


def px(x, y):
    """(row, col) of the pixel standing for world point (x, y)."""
    return int(round(HW[0] - y / S)), int(round(x / S))


def room():
    t = 0.2
    walls = [box(0, 0, 4, t), box(0, 5 - t, 4, 5), box(0, 0, t, 5), box(4 - t, 0, 4, 5)]
    return Plan(
        "floorplan",
        (5.0, 6.0),
        solids=[Solid("WALL", w, 0.0, 3.0) for w in walls],
        cuts=[
            Cut("DOOR", box(1.0, -0.05, 1.9, t + 0.05), 0.0, 2.1),
            Cut("WINDOW", box(-0.05, 2.0, t + 0.05, 3.2), 0.9, 2.1),
        ],
        surfaces=[Surface("FLOOR", box(0, 0, 4, 5), 0.0)],
    )


def test_fill_mask_pixel_convention_and_holes():
    ring = box(1, 1, 3, 3).difference(box(1.5, 1.5, 2.5, 2.5))
    m = fill_mask(ring, HW, S)
    assert m[px(1.2, 1.2)] and not m[px(2.0, 2.0)] and not m[px(0.5, 0.5)]
    assert m.sum() == 101 * 101 - 49 * 49  # closed set: corners at pixel points count
    assert m[HW[0] - 50, 50] and not m[HW[0] - 49, 49]  # (1, 1) is pixel c=50, r=H-50


def test_room_maps():
    mp = plan_maps(room(), HW, S)
    sem, top, bot, mat = mp["semantic"], mp["top_height"], mp["bottom_height"], mp["material"]
    assert sem.dtype == np.uint8 and top.dtype == np.float32 and sem.shape == HW
    wall, door, win, floor = (px(3.0, 0.1), px(1.45, 0.1), px(0.1, 2.6), px(2.0, 2.5))
    assert sem[wall] == class_id("WALL") and top[wall] == 3.0 and bot[wall] == 0.0
    assert sem[door] == class_id("DOOR")
    assert top[door] == pytest.approx(3.0) and bot[door] == pytest.approx(2.1)
    assert sem[win] == class_id("WINDOW") and top[win] == 3.0 and bot[win] == 0.0
    assert sem[floor] == class_id("FLOOR") and top[floor] == 0.0
    assert sem[px(4.5, 5.5)] == 0 and top[px(4.5, 5.5)] == 0.0
    assert mat[door] == material_id("wood") and mat[win] == material_id("glass")
    assert mat[wall] == material_id("concrete") and mat[px(4.5, 5.5)] == 0
    # door pixels: 0.9 m x 0.2 m -> 45 x 10 px (the cut's overhang beyond the wall is not DOOR)
    assert (sem == class_id("DOOR")).sum() == pytest.approx(45 * 10, rel=0.15)


def test_part_maps():
    s = 0.0005
    plan = part_plate()
    mp = plan_maps(plan, (200, 300), s)
    sem, top, bot = mp["semantic"], mp["top_height"], mp["bottom_height"]

    def at(x, y):
        return int(round(200 - y / s)), int(round(x / s))

    assert sem[at(0.03, 0.03)] == class_id("PART") and top[at(0.03, 0.03)] == pytest.approx(0.01)
    assert sem[at(0.04, 0.05)] == class_id("HOLE") and top[at(0.04, 0.05)] == 0.0
    assert sem[at(0.07, 0.05)] == class_id("POCKET")
    assert top[at(0.07, 0.05)] == pytest.approx(0.005) and bot[at(0.07, 0.05)] == 0.0
    assert sem[at(0.1, 0.05)] == class_id("BOSS") and top[at(0.1, 0.05)] == pytest.approx(0.02)
    hole_px = (sem == class_id("HOLE")).sum()
    assert hole_px == pytest.approx(np.pi * 0.005**2 / s**2, rel=0.05)


def test_landscape_maps():
    meta = {"terrain": {"kind": "gaussian-sum", "offset": 1.0, "slope": [0.05, 0.0], "bumps": []}}
    plan = Plan(
        "landscape",
        (60.0, 40.0),
        contours=[Contour(Point(30, 20).buffer(r).exterior, e) for r, e in [(15, 1.0), (8, 2.0)]],
        trees=[Tree(30, 20, 2.0, 6.0)],
        surfaces=[
            Surface("PATH", LineString([(0, 5), (60, 5)]).buffer(1.0), None),
            Surface("WATER", box(40, 30, 50, 35), 3.2),
        ],
        solids=[Solid("BUILDING", box(5, 25, 15, 35), 1.25, 7.0)],
        meta=meta,
    )
    mp = plan_maps(plan, (80, 120), 0.5)
    sem, top, bot = mp["semantic"], mp["top_height"], mp["bottom_height"]

    def at(x, y):
        return int(round(80 - y / 0.5)), int(round(x / 0.5))

    def ground(x):
        return 1.0 + 0.05 * x

    assert sem[at(30, 20)] == class_id("TREE")
    assert top[at(30, 20)] == pytest.approx(ground(30) + 6.0, abs=1e-5)
    assert bot[at(30, 20)] == pytest.approx(ground(30), abs=1e-5)  # trunk
    assert sem[at(31, 20)] == class_id("TREE") and bot[at(31, 20)] > ground(31)  # crown underside
    assert sem[at(10, 30)] == class_id("BUILDING") and top[at(10, 30)] == pytest.approx(7.0)
    assert bot[at(10, 30)] == pytest.approx(ground(10), abs=1e-4)  # the ground, not the base
    assert sem[at(20, 5)] == class_id("PATH") and top[at(20, 5)] == pytest.approx(
        ground(20) + 0.02, abs=1e-4
    )
    assert sem[at(50, 10)] == class_id("TERRAIN") and top[at(50, 10)] == pytest.approx(
        ground(50), abs=1e-4
    )
    assert sem[at(42, 32)] == class_id("WATER") and top[at(42, 32)] == pytest.approx(3.2)
    assert sem[at(49, 32)] == class_id("TERRAIN")  # ground 3.45 above the water level
    assert mp["material"][at(20, 5)] == material_id("paving")
    assert mp["material"][at(42, 32)] == material_id("water")
