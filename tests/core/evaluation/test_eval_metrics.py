"""Metrics on cases computed by hand."""

import numpy as np
import pytest
import trimesh
from shapely.geometry import box

from cad3d.evaluation.metrics import (
    chamfer,
    fscore,
    normal_consistency,
    plan_iou,
    point_mesh_distance,
    point_triangle_distance,
    precision_coverage,
    surface_scores,
)


def unit_square_grid(n=11):
    """(n*n, 3) points on the unit square at z = 0, spacing 1 / (n - 1)."""
    u = np.linspace(0, 1, n)
    x, y = np.meshgrid(u, u)
    return np.c_[x.ravel(), y.ravel(), np.zeros(n * n)]


def test_chamfer_of_shifted_cloud():
    a = unit_square_grid()
    b = a + [0, 0, 0.3]  # every nearest neighbour is straight above / below
    c = chamfer(a, b)
    assert c["l1"] == pytest.approx(0.3)
    assert c["l2"] == pytest.approx(0.09)
    assert chamfer(a, a) == {"l1": 0.0, "l2": 0.0}
    assert chamfer(a, np.zeros((0, 3)))["l1"] == float("inf")


def test_chamfer_asymmetric_case():
    a = np.array([[0.0, 0, 0]])
    b = np.array([[1.0, 0, 0], [3.0, 0, 0]])
    # a->b: 1; b->a: (1 + 3) / 2 = 2; mean of the two directions: 1.5
    assert chamfer(a, b)["l1"] == pytest.approx(1.5)
    assert chamfer(a, b)["l2"] == pytest.approx((1 + (1 + 9) / 2) / 2)


def test_fscore_counts():
    true = unit_square_grid()  # 121 points
    pred = np.r_[true[:60], true[:40] + [0, 0, 1.0]]  # 60 right, 40 a meter off
    s = fscore(pred, true, tau=0.05)
    assert s["precision"] == pytest.approx(60 / 100)
    assert s["recall"] == pytest.approx(60 / 121)
    p, r = 0.6, 60 / 121
    assert s["f"] == pytest.approx(2 * p * r / (p + r))
    assert fscore(pred, true, tau=2.0)["f"] == pytest.approx(1.0)


def test_normal_consistency():
    pts = unit_square_grid()
    up = np.tile([0, 0, 1.0], (len(pts), 1))
    tilted = np.tile([0, np.sin(np.pi / 3), np.cos(np.pi / 3)], (len(pts), 1))
    assert normal_consistency(pts, up, pts, -up) == pytest.approx(1.0)  # orientation-free
    assert normal_consistency(pts, tilted, pts, up) == pytest.approx(0.5)


def test_plan_iou_shapes_and_rasters():
    assert plan_iou(box(0, 0, 2, 1), box(1, 0, 3, 1)) == pytest.approx(1 / 3)
    assert plan_iou(box(0, 0, 1, 1), box(0, 0, 1, 1)) == pytest.approx(1.0)
    a = np.zeros((4, 4), bool)
    b = np.zeros((4, 4), bool)
    a[:2] = True  # 8 cells
    b[1:3] = True  # 8 cells, 4 shared
    assert plan_iou(a, b) == pytest.approx(4 / 12)
    assert plan_iou(np.zeros((2, 2), bool), np.zeros((2, 2), bool)) == 1.0


TRI = np.array([[[0.0, 0, 0], [1, 0, 0], [0, 1, 0]]])


@pytest.mark.parametrize(
    "p, d",
    [
        ((0.2, 0.2, 0.5), 0.5),  # above the interior
        ((-1.0, -1.0, 0.0), np.sqrt(2)),  # vertex A region
        ((2.0, 0.0, 0.0), 1.0),  # vertex B region
        ((0.0, 3.0, 4.0), np.hypot(2, 4)),  # vertex C region
        ((0.5, -2.0, 0.0), 2.0),  # edge AB
        ((-3.0, 0.5, 0.0), 3.0),  # edge AC
        ((1.0, 1.0, 0.0), np.sqrt(0.5)),  # edge BC
    ],
)
def test_point_triangle_distance_regions(p, d):
    assert point_triangle_distance(np.array([p]), TRI)[0] == pytest.approx(d)


def test_point_triangle_distance_degenerate():
    line = np.array([[[0.0, 0, 0], [1, 0, 0], [2, 0, 0]]])
    assert point_triangle_distance(np.array([[1.0, 2.0, 0.0]]), line)[0] == pytest.approx(2.0)


def test_point_mesh_distance_matches_brute_force():
    sphere = trimesh.creation.icosphere(subdivisions=3)
    wall = trimesh.creation.box((8, 0.2, 3))
    wall.apply_translation((0, 3, 0))
    mesh = trimesh.util.concatenate([sphere, wall])  # tiny and huge triangles together
    pts = np.random.default_rng(0).uniform(-4, 4, (400, 3))
    d, idx = point_mesh_distance(pts, mesh, return_index=True)
    tri = np.asarray(mesh.triangles)
    pairs = point_triangle_distance(np.repeat(pts, len(tri), 0), np.tile(tri, (len(pts), 1, 1)))
    brute = pairs.reshape(len(pts), len(tri))
    np.testing.assert_allclose(d, brute.min(1), atol=1e-12)
    np.testing.assert_allclose(brute[np.arange(len(pts)), idx], d, atol=1e-12)


def test_point_mesh_distance_unit_sphere():
    sphere = trimesh.creation.icosphere(subdivisions=4)
    dirs = np.random.default_rng(2).normal(size=(500, 3))
    dirs /= np.linalg.norm(dirs, axis=1, keepdims=True)
    pts = dirs * 1.5  # half a meter outside a (nearly) unit sphere
    d = point_mesh_distance(pts, sphere)
    assert np.abs(d - 0.5).max() < 2e-3  # the facets sit at most ~1.2e-3 inside the sphere


def test_precision_coverage_and_surface_scores():
    square = trimesh.Trimesh([[0, 0, 0], [1, 0, 0], [1, 1, 0], [0, 1, 0]], [[0, 1, 2], [0, 2, 3]])
    true_pts = unit_square_grid(21)
    pred = true_pts + [0, 0, 0.03]  # 3 cm above the true surface
    pc = precision_coverage(pred, square, true_pts, tau=0.05)
    assert pc == {"precision": 1.0, "coverage": 1.0}
    assert precision_coverage(pred, square, true_pts, tau=0.02) == {
        "precision": 0.0,
        "coverage": 0.0,
    }
    lifted = square.copy()
    lifted.apply_translation((0, 0, 0.03))
    up = np.tile([0, 0, 1.0], (len(pred), 1))
    s = surface_scores(pred, up, lifted, true_pts, up, square, tau=0.05)
    assert s["chamfer_l1"] == pytest.approx(0.03)
    assert s["f"] == 1.0 and s["normal_consistency"] == pytest.approx(1.0)
    same = surface_scores(true_pts, up, square, true_pts, up, square, tau=1e-6)
    assert same["chamfer_l1"] < 1e-15 and same["f"] == 1.0
