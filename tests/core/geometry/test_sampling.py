"""sample_surface: area-weighted, labelled, on the surface, deterministic."""

import numpy as np
import pytest
import trimesh
from shapely.geometry import box

from cad3d.classes import class_id
from cad3d.geometry.lift import lift_plan
from cad3d.geometry.meshset import MeshSet
from cad3d.geometry.sampling import sample_surface
from cad3d.plan import Cut, Plan, Solid, Surface


def two_squares():
    ms = MeshSet()
    a = trimesh.Trimesh([[0, 0, 0], [1, 0, 0], [1, 1, 0], [0, 1, 0]], [[0, 1, 2], [0, 2, 3]])
    b = trimesh.Trimesh([[0, 0, 5], [3, 0, 5], [3, 1, 5], [0, 1, 5]], [[0, 1, 2], [0, 2, 3]])
    ms.add("FLOOR", a)
    ms.add("WALL", b)
    return ms


def test_area_weighted_labels_and_normals():
    pc = sample_surface(two_squares(), 20000, seed=3)
    assert pc.points.shape == (20000, 3) and pc.points.dtype == np.float32
    wall = pc.labels == class_id("WALL")
    assert wall.mean() == pytest.approx(0.75, abs=0.01)  # 3 m2 of 4 m2
    assert np.allclose(pc.points[wall, 2], 5.0) and np.allclose(pc.points[~wall, 2], 0.0)
    assert pc.points[~wall, :2].min() >= 0 and pc.points[~wall, :2].max() <= 1
    assert np.allclose(pc.normals, [0, 0, 1])


def test_deterministic_by_seed():
    a = sample_surface(two_squares(), 500, seed=1)
    b = sample_surface(two_squares(), 500, seed=1)
    c = sample_surface(two_squares(), 500, seed=2)
    assert np.array_equal(a.points, b.points) and not np.array_equal(a.points, c.points)


def test_points_on_lifted_room_with_lintel_over_door():
    walls = [box(0, 0, 4, 0.2), box(0, 4.8, 4, 5), box(0, 0, 0.2, 5), box(3.8, 0, 4, 5)]
    plan = Plan(
        "floorplan",
        (5.0, 6.0),
        solids=[Solid("WALL", w, 0.0, 3.0) for w in walls],
        cuts=[Cut("DOOR", box(1.0, -0.05, 1.9, 0.25), 0.0, 2.1)],
        surfaces=[Surface("FLOOR", box(0, 0, 4, 5), 0.0)],
    )
    ms = lift_plan(plan)
    pc = sample_surface(ms, 8192, seed=0)
    wall = pc.labels == class_id("WALL")
    assert set(np.unique(pc.labels)) == {class_id("WALL"), class_id("FLOOR")}
    assert np.allclose(pc.points[~wall, 2], 0.0)
    p = pc.points[wall]
    above = (p[:, 0] > 1.05) & (p[:, 0] < 1.85) & (p[:, 1] < 0.2 + 1e-4)
    assert above.sum() > 5
    assert p[above, 2].min() >= 2.1 - 1e-4 and p[above, 2].max() <= 3.0 + 1e-4
    assert np.allclose(np.linalg.norm(pc.normals, axis=1), 1.0, atol=1e-5)


def test_empty():
    pc = sample_surface(MeshSet(), 10, seed=0)
    assert pc.points.shape == (0, 3) and len(pc) == 0
