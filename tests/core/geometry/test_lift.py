"""lift_plan: exact volumes, watertight bodies, faces in the right classes."""

import time

import numpy as np
import pytest
from shapely.geometry import LineString, Point, Polygon, box

from cad3d.geometry.lift import lift_plan
from cad3d.geometry.terrain import ground_function
from cad3d.plan import Contour, Cut, Plan, Solid, Surface, Tree

T, H = 0.2, 3.0


def room(cuts=()):
    walls = [box(0, 0, 4, T), box(0, 5 - T, 4, 5), box(0, 0, T, 5), box(4 - T, 0, 4, 5)]
    return Plan(
        "floorplan",
        (6.0, 7.0),
        solids=[Solid("WALL", w, 0.0, H) for w in walls],
        cuts=list(cuts),
        surfaces=[Surface("FLOOR", box(0, 0, 4, 5), 0.0)],
    )


DOOR = Cut("DOOR", box(1.0, -0.05, 1.9, T + 0.05), 0.0, 2.1)
WINDOW = Cut("WINDOW", box(-0.05, 2.0, T + 0.05, 3.2), 0.9, 2.1)
WALL_VOLUME = (4 * 5 - 3.6 * 4.6) * H


def closed(mesh):
    m = mesh.copy()
    m.merge_vertices()
    return m


def test_room_walls_exact_and_watertight():
    ms = lift_plan(room())
    wall = closed(ms.meshes["WALL"])
    assert wall.is_watertight
    assert wall.volume == pytest.approx(WALL_VOLUME, rel=1e-6)
    assert ms.meshes["FLOOR"].area == pytest.approx(20.0)
    assert (ms.meshes["FLOOR"].face_normals[:, 2] > 0.999).all()
    assert set(ms.classes) == {"WALL", "FLOOR"}


def test_door_removes_exact_volume_and_leaves_lintel():
    ms = lift_plan(room([DOOR]))
    wall = closed(ms.meshes["WALL"])
    assert wall.is_watertight
    assert wall.volume == pytest.approx(WALL_VOLUME - 0.9 * 2.1 * T, rel=1e-6)
    c, n = wall.triangles_center, wall.face_normals
    gap = (c[:, 0] > 1.0 + 1e-6) & (c[:, 0] < 1.9 - 1e-6) & (c[:, 1] < T)
    assert np.allclose(c[gap & (n[:, 2] < -0.99), 2], 2.1)  # lintel soffit
    assert np.allclose(c[gap & (n[:, 2] > 0.99), 2], 3.0)  # wall top over the door
    assert (gap & (n[:, 2] < -0.99)).sum() >= 2 and (c[gap, 2] >= 2.1 - 1e-9).all()
    assert wall.bounds[0, 2] == pytest.approx(0.0)


def test_window_leaves_sill_and_lintel():
    ms = lift_plan(room([WINDOW]))
    wall = closed(ms.meshes["WALL"])
    assert wall.is_watertight
    assert wall.volume == pytest.approx(WALL_VOLUME - 1.2 * 1.2 * T, rel=1e-6)
    c = wall.triangles_center
    gap = (c[:, 1] > 2.0 + 1e-6) & (c[:, 1] < 3.2 - 1e-6) & (c[:, 0] < T)
    up = wall.face_normals[:, 2] > 0.99
    down = wall.face_normals[:, 2] < -0.99
    assert np.allclose(c[gap & up & (c[:, 2] < 2.0), 2], 0.9)  # sill top
    assert np.allclose(c[gap & down & (c[:, 2] > 1.0), 2], 2.1)  # lintel soffit
    assert "WINDOW" not in ms.classes and "DOOR" not in ms.classes


from shapes import part_plate as plate  # noqa: E402


def test_plate_with_hole_pocket_boss():
    ms = lift_plan(plate())
    assert set(ms.classes) == {"PART", "HOLE", "POCKET", "BOSS"}
    body = closed(ms.merged())
    assert body.is_watertight
    expect = 0.1 * 0.06 * 0.01 - np.pi * 0.005**2 * 0.01 - 0.02 * 0.04 * 0.005
    expect += np.pi * 0.008**2 * 0.01
    assert body.volume == pytest.approx(expect, rel=5e-3)
    h = ms.meshes["HOLE"].vertices
    r = np.hypot(h[:, 0] - 0.04, h[:, 1] - 0.05)
    assert np.allclose(r, 0.005, atol=1e-6)
    assert ms.meshes["HOLE"].area == pytest.approx(2 * np.pi * 0.005 * 0.01, rel=5e-3)
    p = ms.meshes["POCKET"]
    assert p.area == pytest.approx(0.02 * 0.04 + 2 * (0.02 + 0.04) * 0.005, rel=1e-6)
    assert ms.meshes["BOSS"].bounds[1, 2] == pytest.approx(0.02)


def site():
    rings = [(15, 1.0), (8, 2.0), (3, 3.0)]
    return Plan(
        "landscape",
        (60.0, 40.0),
        contours=[Contour(Point(30, 20).buffer(r).exterior, e) for r, e in rings],
        trees=[Tree(10, 10, 2.0, 6.0), Tree(30, 20, 1.0, 5.0)],
        surfaces=[
            Surface("PATH", LineString([(0, 5), (60, 35)]).buffer(1.0), None),
            Surface("WATER", box(45, 2, 55, 8), 0.5),
        ],
        solids=[Solid("BUILDING", box(5, 25, 15, 35), 1.0, 7.0)],
    )


def test_landscape_classes_stand_on_terrain():
    plan = site()
    ms = lift_plan(plan)
    assert set(ms.classes) == {"TERRAIN", "TREE", "PATH", "WATER", "BUILDING"}
    ground = ground_function(plan)
    for c in plan.contours:  # the fitted ground passes through its contours
        xy = np.asarray(c.line.coords)
        assert np.abs(ground(xy[:, 0], xy[:, 1]) - c.elevation).max() < 0.05
    t = ms.meshes["TERRAIN"]
    assert 0.0 < t.bounds[0, 2] < 1.0 and 3.0 < t.bounds[1, 2] < 4.0  # sane beyond the contours
    assert t.bounds[1, :2] == pytest.approx([60.0, 40.0])
    assert ms.meshes["WATER"].bounds[:, 2] == pytest.approx([0.5, 0.5])
    tree = ms.meshes["TREE"]
    g = float(ground(np.array([30.0]), np.array([20.0]))[0])
    top = tree.vertices[np.hypot(tree.vertices[:, 0] - 30, tree.vertices[:, 1] - 20) < 1.01]
    assert top[:, 2].max() == pytest.approx(g + 5.0, abs=0.01)  # on the hilltop
    assert top[:, 2].min() == pytest.approx(g, abs=0.01)
    assert closed(ms.meshes["BUILDING"]).is_watertight
    path = ms.meshes["PATH"]
    assert (path.face_normals[:, 2] > 0).all()
    assert path.area == pytest.approx(2.0 * np.hypot(60, 30), rel=0.06)  # clipped ends, slope
    v = path.vertices
    assert np.allclose(v[:, 2], ground(v[:, 0], v[:, 1]) + 0.02)


def test_exact_terrain_from_meta_is_used():
    meta = {"terrain": {"kind": "gaussian-sum", "offset": 2.0, "slope": [0.1, 0.0], "bumps": []}}
    plan = Plan("landscape", (20.0, 10.0), trees=[Tree(10, 5, 1.0, 3.0)], meta=meta)
    ms = lift_plan(plan)
    v = ms.meshes["TERRAIN"].vertices
    assert np.allclose(v[:, 2], 2.0 + 0.1 * v[:, 0])
    assert ms.meshes["TREE"].bounds[1, 2] == pytest.approx(2.0 + 1.0 + 3.0, abs=1e-6)


def test_empty_plan_gives_empty_meshset():
    ms = lift_plan(Plan("floorplan", (5.0, 5.0)))
    assert not ms and len(ms) == 0
    assert not lift_plan(Plan("landscape", (5.0, 5.0)))


def test_floorplan_lift_is_fast():
    p = room([DOOR, WINDOW])
    lift_plan(p)
    t = time.perf_counter()
    for _ in range(10):
        lift_plan(p)
    assert (time.perf_counter() - t) / 10 < 0.1


def test_odd_inputs_do_not_break_lifting():
    bowtie = Polygon(
        [(0, 0), (1, 1), (1, 0), (0, 1)]
    )  # self-intersecting, as a vectoriser may give
    plan = Plan(
        "floorplan",
        (3.0, 3.0),
        solids=[Solid("WALL", bowtie, 0.0, 3.0), Solid("WALL", box(2, 2, 2, 3), 0.0, 3.0)],
        cuts=[
            Cut("OPENING", box(0.4, -1, 0.6, 2), 1.0, 2.0, "WALL"),
            Cut("DOOR", box(9, 9, 10, 10), 0, 2),
        ],
    )
    ms = lift_plan(plan)
    assert ms.classes == ["WALL"]  # an unknown cut class gives its faces to the host
    assert closed(ms.meshes["WALL"]).is_watertight
    trees = Plan("landscape", (10.0, 10.0), trees=[Tree(5, 5, 0.0, 4.0), Tree(2, 2, 1.0, 0.0)])
    assert lift_plan(trees).classes == ["TERRAIN"]
    flat = lift_plan(Plan("landscape", (0.0, 0.0), trees=[Tree(5, 5, 1.0, 4.0)]))
    assert flat.classes == ["TREE"] and flat.meshes["TREE"].bounds[0, 2] == pytest.approx(0.0)


def test_leaves_fill_openings_only_on_request():
    plan = room([DOOR, WINDOW])
    assert set(lift_plan(plan).classes) == {"WALL", "FLOOR"}
    ms = lift_plan(plan, leaves=True)
    door, win = closed(ms.meshes["DOOR"]), closed(ms.meshes["WINDOW"])
    assert door.is_watertight and win.is_watertight
    assert door.volume == pytest.approx(0.9 * 0.04 * 2.1, rel=1e-6)
    assert win.volume == pytest.approx(1.2 * 0.02 * 1.2, rel=1e-6)
    assert door.bounds == pytest.approx(np.array([[1.0, 0.08, 0.0], [1.9, 0.12, 2.1]]))
    assert win.bounds == pytest.approx(np.array([[0.09, 2.0, 0.9], [0.11, 3.2, 2.1]]))
    wall_only = lift_plan(plan).meshes["WALL"]
    assert ms.meshes["WALL"].volume == pytest.approx(wall_only.volume)


def slab_volume(plan):
    """Volume of solids minus cuts, computed in 2D slab by slab with shapely."""
    from shapely.ops import unary_union

    zs = sorted({z for x in plan.solids + plan.cuts for z in (x.z0, x.z1)})
    vol = 0.0
    for lo, hi in zip(zs[:-1], zs[1:], strict=False):
        sol = unary_union([x.footprint for x in plan.solids if x.z0 <= lo and x.z1 >= hi])
        cut = unary_union([x.footprint for x in plan.cuts if x.z0 <= lo and x.z1 >= hi])
        vol += sol.difference(cut).area * (hi - lo)
    return vol


@pytest.mark.parametrize("seed", range(8))
def test_random_plans_watertight_with_exact_volume(seed):
    rng = np.random.default_rng(seed)
    solids, cuts = [], []
    for _ in range(rng.integers(3, 9)):
        x, y = rng.uniform(0, 8, 2)
        w, h = (rng.uniform(2, 5), 0.2) if rng.random() < 0.5 else (0.2, rng.uniform(2, 5))
        solids.append(Solid("WALL", box(x, y, x + w, y + h), 0.0, 3.0))
        if rng.random() < 0.8:  # an opening through this wall
            along = rng.uniform(0.2, 0.6)
            if h == 0.2:
                fp = box(x + along * w - 0.4, y - 0.05, x + along * w + 0.4, y + 0.25)
            else:
                fp = box(x - 0.05, y + along * h - 0.4, x + 0.25, y + along * h + 0.4)
            z0, z1 = (0.0, 2.1) if rng.random() < 0.5 else (0.9, 2.1)
            cuts.append(Cut("DOOR" if z0 == 0 else "WINDOW", fp, z0, z1))
    plan = Plan("floorplan", (14.0, 14.0), solids=solids, cuts=cuts)
    wall = closed(lift_plan(plan).meshes["WALL"])
    assert wall.is_watertight and wall.is_winding_consistent
    assert wall.volume == pytest.approx(slab_volume(plan), rel=1e-6)


def test_hole_through_plate_and_boss_and_blind_hole():
    plan = Plan(
        "part",
        (0.1, 0.1),
        solids=[
            Solid("PART", box(0.0, 0.0, 0.08, 0.06), 0.0, 0.01),
            Solid("BOSS", Point(0.05, 0.03).buffer(0.01, 32), 0.01, 0.02),
        ],
        cuts=[
            Cut("HOLE", Point(0.05, 0.03).buffer(0.004, 32), 0.0, 0.02, "PART"),  # through both
            Cut("HOLE", Point(0.02, 0.03).buffer(0.004, 32), 0.004, 0.01, "PART"),  # blind
        ],
    )
    ms = lift_plan(plan)
    body = closed(ms.merged())
    assert body.is_watertight
    a = Point(0, 0).buffer(0.004, 32).area
    ring = Point(0, 0).buffer(0.01, 32).area - a
    expect = 0.08 * 0.06 * 0.01 - a * 0.01 + ring * 0.01 - a * 0.006
    assert body.volume == pytest.approx(expect, rel=1e-6)
    perim = Point(0, 0).buffer(0.004, 32).exterior.length
    hole = ms.meshes["HOLE"]
    # walls: through 0.02 high, blind 0.006 high, plus the blind hole's floor
    assert hole.area == pytest.approx(perim * 0.02 + perim * 0.006 + a, rel=1e-6)
    assert ms.meshes["BOSS"].area == pytest.approx(
        ring + Point(0, 0).buffer(0.01, 32).exterior.length * 0.01, rel=1e-6
    )
