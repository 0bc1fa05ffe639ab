"""Openings right: exact lifted plans pass, plain walls and wrong heights fail."""

import numpy as np
import pytest
from shapely.geometry import box

from cad3d.evaluation.openings import (
    openings_right,
    probe_points,
    score_openings,
    share_in_openings,
)
from cad3d.geometry.lift import lift_plan
from cad3d.geometry.sampling import sample_surface
from cad3d.plan import Cut, Plan, Solid, Surface

T = 0.2
WALLS = [box(0, 0, 8, T), box(0, 0, T, 6), box(0, 6 - T, 8, 6), box(8 - T, 0, 8, 6)]


def plan(cuts):
    return Plan(
        "floorplan",
        (9.0, 7.0),
        solids=[Solid("WALL", w, 0.0, 3.0) for w in WALLS],
        cuts=cuts,
        surfaces=[Surface("FLOOR", box(0, 0, 8, 6), 0.0)],
    )


WINDOW = Cut("WINDOW", box(2, -0.05, 3.5, T + 0.05), 0.9, 2.1)
DOOR = Cut("DOOR", box(5, -0.05, 6, T + 0.05), 0.0, 2.1)
SIDE_WINDOW = Cut("WINDOW", box(-0.05, 2, T + 0.05, 3), 1.0, 2.0)
TRUTH = plan([WINDOW, DOOR, SIDE_WINDOW])


def test_exact_meshes_get_every_opening():
    scores = score_openings(TRUTH, lift_plan(TRUTH))
    assert [s.cls for s in scores] == ["WINDOW", "DOOR", "WINDOW"]
    assert all(s.right and s.probes_right == 1.0 for s in scores)
    assert scores[0].head == pytest.approx(2.1) and scores[0].sill == pytest.approx(0.9)
    assert scores[2].head == pytest.approx(2.0) and scores[2].sill == pytest.approx(1.0)
    assert openings_right(TRUTH, lift_plan(TRUTH)) == {"n": 3, "right": 3, "share": 1.0}


def test_dense_point_cloud_is_scored_too():
    cloud = sample_surface(lift_plan(TRUTH), 400_000, seed=0)
    assert openings_right(TRUTH, cloud)["right"] == 3


def test_walls_without_openings_get_none():
    assert openings_right(TRUTH, lift_plan(plan([])))["right"] == 0


def test_heights_off_by_more_than_10_cm_are_wrong():
    low_head = Cut("WINDOW", WINDOW.footprint, 0.9, 1.95)  # lintel 15 cm too low
    high_sill = Cut("WINDOW", SIDE_WINDOW.footprint, 1.12, 2.0)  # sill 12 cm too high
    door_ok = Cut("DOOR", DOOR.footprint, 0.0, 2.18)  # 8 cm high: still right
    got = score_openings(TRUTH, lift_plan(plan([low_head, door_ok, high_sill])))
    assert [s.right for s in got] == [False, True, False]
    assert got[0].head == pytest.approx(1.95)


def test_no_wall_class_means_nothing_right():
    meshes = lift_plan(TRUTH)
    del meshes.meshes["WALL"]
    assert openings_right(TRUTH, meshes) == {"n": 3, "right": 0, "share": 0.0}


def test_probes_lie_inside_the_wall_opening():
    pts = probe_points(WINDOW, WALLS[0])
    assert len(pts) >= 5
    assert ((pts[:, 0] > 2.0) & (pts[:, 0] < 3.5) & (pts[:, 1] > 0.0) & (pts[:, 1] < T)).all()


def test_share_in_openings_counts_filled_holes_only():
    truth = sample_surface(lift_plan(TRUTH), 50_000, seed=1).points
    assert share_in_openings(TRUTH, truth) == 0.0  # the true surface never fills an opening
    filled = np.array([[2.75, 0.1, 1.5], [5.5, 0.1, 1.0], [0.1, 2.5, 1.5], [4.0, 0.1, 1.5]])
    assert share_in_openings(TRUTH, filled) == 0.75  # three holes filled, one point on a wall
    above = np.array([[2.75, 0.1, 2.5], [5.5, 0.1, 2.3]])  # on the lintels: fine
    assert share_in_openings(TRUTH, above) == 0.0
