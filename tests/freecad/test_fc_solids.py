"""solids.py on big plans: stacked slabs are valid and agree with the engine's mesh volume.

Speed is measured in benchmarks/bench_solids.py, not here.
"""

from __future__ import annotations

import math

import pytest


def _mesh_volume_mm3(plan, cls: str) -> float:
    """The engine's closed mesh body of `cls` (its faces may carry the cut classes)."""
    from cad3d.geometry.lift import lift_plan

    hosted = {cls} | {c.cls for c in plan.cuts if c.host == cls}
    return sum(m.volume for k, m in lift_plan(plan).meshes.items() if k in hosted) * 1e9


def _ring(cx: float, cy: float, r: float, n: int, wobble: float) -> list:
    """An n-gon of radius r with every other vertex pushed out by `wobble` (no collinear runs)."""
    return [
        (
            cx + (r + wobble * (k % 2)) * math.cos(2 * math.pi * k / n),
            cy + (r + wobble * (k % 2)) * math.sin(2 * math.pi * k / n),
        )
        for k in range(n)
    ]


def _big_plan():
    """A round building (outer ring 400 vertices) with 8 round rooms (60 vertices each), 8
    doors and 8 windows through the outer wall: ~1000 vertices, like a traced plan."""
    from shapely import affinity
    from shapely.geometry import Polygon, box

    from cad3d.plan import Cut, Plan, Solid

    rooms = [_ring(10 + 6 * math.cos(a), 10 + 6 * math.sin(a), 2.0, 60, 0.01) for a in _angles()]
    walls = Polygon(_ring(10, 10, 9.3, 400, 0.005), rooms)
    cuts = []
    for a in _angles():
        for cls, da, z0, z1 in (("DOOR", 0.0, 0.0, 2.1), ("WINDOW", 0.2, 0.9, 2.1)):
            opening = affinity.rotate(box(8.6, -0.5, 10.0, 0.5), math.degrees(a + da), (0, 0))
            cuts.append(Cut(cls, affinity.translate(opening, 10, 10), z0, z1))
    return Plan("floorplan", (20.0, 20.0), solids=[Solid("WALL", walls, 0.0, 3.0)], cuts=cuts)


def _angles() -> list[float]:
    return [2 * math.pi * (k + 0.5) / 8 for k in range(8)]


@pytest.mark.slow  # ~10 s: isValid() on 1000 vertices (the build itself takes ~0.1 s)
def test_big_plan_slabs_are_valid_with_the_mesh_volume():
    from freecad_cad3d.solids import BOOLEAN_MAX_VERTICES, plan_solids, plan_vertices

    plan = _big_plan()
    assert 900 <= plan_vertices(plan) <= 1200
    assert plan_vertices(plan) > BOOLEAN_MAX_VERTICES  # the slab path is the one tested
    shape = plan_solids(plan)["WALL"]
    assert shape.isValid()
    # 3 slabs (0-0.9 door gaps only, 0.9-2.1 doors and windows, 2.1-3 whole ring)
    zs = sorted({round(s.BoundBox.ZMin, 6) for s in shape.Solids})
    assert zs == [0.0, 900.0, 2100.0]
    assert all(s.Volume > 0 for s in shape.Solids)
    ref = _mesh_volume_mm3(plan, "WALL")
    assert shape.Volume == pytest.approx(ref, rel=1e-6)
    # and the 2D truth: footprint x 3 m minus each opening's part of the wall x its height
    fp = plan.solids[0].footprint
    truth = fp.area * 3.0 - sum(
        fp.intersection(c.footprint).area * (c.z1 - c.z0) for c in plan.cuts
    )
    assert shape.Volume == pytest.approx(truth * 1e9, rel=1e-9)


@pytest.mark.slow  # ~8 s: vectorise, isValid() and the engine's lift
def test_traced_floor_plan_solid_matches_the_mesh():
    from cad3d.data.floorplan import generate_floorplan
    from cad3d.geometry.vectorize import vectorize
    from freecad_cad3d.solids import plan_solids, plan_vertices

    image, scale, _ = generate_floorplan(7)
    plan = vectorize(image, scale, "floorplan")
    assert plan_vertices(plan) > 300 and plan.cuts  # traced outlines: many vertices
    shape = plan_solids(plan)["WALL"]
    assert shape.isValid()
    assert shape.Volume == pytest.approx(_mesh_volume_mm3(plan, "WALL"), rel=1e-6)


def test_slabs_and_boolean_agree_on_the_room(room_plan):
    from freecad_cad3d.solids import plan_solids

    plan, volume = room_plan
    one = plan_solids(plan, "boolean")["WALL"]
    slabs = plan_solids(plan, "slabs")["WALL"]
    assert len(one.Solids) == 1 and len(slabs.Solids) > 1
    assert one.isValid() and slabs.isValid()
    assert slabs.Volume == pytest.approx(volume * 1e9, rel=1e-9)
    assert one.Volume == pytest.approx(volume * 1e9, rel=1e-9)
    assert slabs.BoundBox.isInside(one.BoundBox.Center)
    assert slabs.BoundBox.DiagonalLength == pytest.approx(one.BoundBox.DiagonalLength, rel=1e-12)


def test_pinched_footprint_in_slabs_is_repaired():
    from shapely.geometry import Polygon, box

    from cad3d.plan import Cut, Plan, Solid
    from freecad_cad3d.solids import plan_solids

    bow = Polygon([(0, 0), (1, 0), (1, 1), (2, 1), (2, 2), (1, 2), (1, 1), (0, 1)])
    cut = Cut("WINDOW", box(0.4, -0.1, 0.6, 1.1), 1.0, 2.0)
    plan = Plan("floorplan", (2, 2), solids=[Solid("WALL", bow, 0, 3)], cuts=[cut])
    shape = plan_solids(plan, "slabs")["WALL"]
    assert shape.isValid()
    assert shape.Volume == pytest.approx((2 * 3 - 0.2 * 1 * 1) * 1e9, rel=1e-9)
