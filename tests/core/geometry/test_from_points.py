import copy
import types

import numpy as np
import pytest

from cad3d.data.synth import generate_sample
from cad3d.evaluation.harness import score_sample
from cad3d.geometry.from_points import fit_plan_heights, lift_fitted, meshes_from_points
from cad3d.geometry.lift import lift_plan
from cad3d.geometry.meshset import PointCloud
from cad3d.geometry.sampling import sample_surface
from cad3d.geometry.terrain import ground_function


def noisy_cloud(meshes, n, seed, sigma, outliers=0.05):
    """Surface samples + Gaussian noise sigma (m) + a share of uniform outliers in the bbox."""
    pc = sample_surface(meshes, n, seed)
    rng = np.random.default_rng(seed + 7)
    p = pc.points.astype(np.float64) + rng.normal(0, sigma, pc.points.shape)
    k = int(outliers * n)
    idx = rng.choice(n, k, replace=False)
    p[idx] = rng.uniform(p.min(0), p.max(0), (k, 3))
    return PointCloud(p.astype(np.float32), pc.labels.copy())


def floorplan_truth(seed):
    """(default-height plan, truth): walls 2.7 m, windows 1.2-2.3 m, doors 2.0 m high."""
    s = generate_sample("floorplan", seed, num_points=16)
    truth = copy.deepcopy(s.plan)
    for w in truth.solids:
        w.z1 = 2.7
    for c in truth.cuts:
        if c.cls == "WINDOW":
            c.z0, c.z1 = 1.2, 2.3
        elif c.cls == "DOOR":
            c.z1 = 2.0
    return s.plan, truth


def _score(pred, truth_meshes, tau):
    ref = types.SimpleNamespace(meshes=truth_meshes, domain="x", plan=None)
    return score_sample(pred, ref, tau, 10000, 0)


@pytest.mark.parametrize("label_source", ["model", "drawing"])
def test_fit_plan_heights_recovers_floorplan_heights(label_source):
    plan, truth = floorplan_truth(0)
    true_meshes = lift_plan(truth)
    cloud = noisy_cloud(true_meshes, 8192, 0, 0.015)
    fit = fit_plan_heights(plan, cloud, label_source)
    assert plan.solids[0].z1 == 3.0  # the input is not touched
    assert all(abs(w.z1 - 2.7) < 0.03 for w in fit.solids)
    win = np.array([(c.z0, c.z1) for c in fit.cuts if c.cls == "WINDOW"])
    assert len(win) > 0
    assert np.abs(win - [1.2, 2.3]).max() < 0.05
    doors = np.array([(c.z0, c.z1) for c in fit.cuts if c.cls == "DOOR"])
    assert len(doors) > 0 and np.abs(doors - [0.0, 2.0]).max() < 0.05
    sc = _score(lift_fitted(fit), true_meshes, 0.05)
    assert sc["f"] >= 0.95
    # the default-height plan alone is clearly worse
    assert _score(lift_plan(plan), true_meshes, 0.05)["f"] < sc["f"] - 0.05


def test_too_few_points_keep_the_plan():
    plan, truth = floorplan_truth(1)
    cloud = noisy_cloud(lift_plan(truth), 3, 0, 0.015, outliers=0.0)
    fit = fit_plan_heights(plan, cloud)
    assert [(s.z0, s.z1) for s in fit.solids] == [(s.z0, s.z1) for s in plan.solids]
    assert [(c.z0, c.z1) for c in fit.cuts] == [(c.z0, c.z1) for c in plan.cuts]


def test_fit_plan_heights_part_thickness_pocket_and_boss():
    s = generate_sample("part", 1, num_points=16)
    truth = copy.deepcopy(s.plan)
    boss_h = None
    for x in truth.solids:
        if x.cls == "PART":
            x.z1 = 0.012
        elif x.cls == "BOSS":
            boss_h = (x.z1 - x.z0) * 1.5
            x.z0, x.z1 = 0.012, 0.012 + boss_h
    for c in truth.cuts:
        if c.cls == "HOLE":
            c.z1 = 0.013
        elif c.cls == "POCKET":
            c.z0, c.z1 = 0.007, 0.013
    true_meshes = lift_plan(truth)
    fit = fit_plan_heights(s.plan, noisy_cloud(true_meshes, 8192, 1, 1e-4))
    part = next(x for x in fit.solids if x.cls == "PART")
    assert abs(part.z1 - 0.012) < 3e-4
    boss = next(x for x in fit.solids if x.cls == "BOSS")
    assert abs(boss.z0 - 0.012) < 3e-4 and abs(boss.z1 - 0.012 - boss_h) < 3e-4
    pocket = next(c for c in fit.cuts if c.cls == "POCKET")
    assert abs(pocket.z0 - 0.007) < 3e-4
    assert _score(lift_fitted(fit), true_meshes, 5e-4)["f"] >= 0.95
    # the hybrid keeps a part's thickness (converters.hybrid.KEEP_TOP); pockets still fitted
    kept = fit_plan_heights(s.plan, noisy_cloud(true_meshes, 8192, 1, 1e-4), keep_tops=("PART",))
    plan_top = next(x for x in s.plan.solids if x.cls == "PART").z1
    assert next(x for x in kept.solids if x.cls == "PART").z1 == plan_top != 0.012
    assert abs(next(c for c in kept.cuts if c.cls == "POCKET").z0 - 0.007) < 3e-4


def test_fit_plan_heights_trees_on_a_landscape():
    s = generate_sample("landscape", 1, num_points=16)
    plan = copy.deepcopy(s.plan)
    for t in plan.trees:
        t.height *= 0.8
    cloud = noisy_cloud(s.meshes, 16384, 1, 0.02)
    fit = fit_plan_heights(plan, cloud)
    err = np.abs(np.array([t.height for t in fit.trees]) - [t.height for t in s.plan.trees])
    assert np.median(err) < 0.1
    assert (
        _score(lift_fitted(fit), s.meshes, 0.05)["f"] > _score(lift_plan(plan), s.meshes, 0.05)["f"]
    )
    kept = fit_plan_heights(plan, cloud, keep_trees=True)  # the hybrid's choice (KEEP_TREES)
    assert [t.height for t in kept.trees] == [t.height for t in plan.trees]


def test_columns_without_plan_floorplan_f_score():
    s = generate_sample("floorplan", 0, num_points=8192)
    m = meshes_from_points(s.points, extent=s.plan.extent)
    assert set(m.classes) >= {"WALL", "FLOOR"}
    assert _score(m, s.meshes, 0.05)["f"] >= 0.8


def test_columns_without_plan_part_thickness():
    s = generate_sample("part", 3, num_points=8192)
    m = meshes_from_points(s.points, extent=s.plan.extent)
    part = next(x for x in s.plan.solids if x.cls == "PART")
    assert abs(m.meshes["PART"].vertices[:, 2].max() - part.z1) < 3e-4
    assert abs(m.meshes["PART"].vertices[:, 2].min() - part.z0) < 3e-4
    assert m.meshes["PART"].is_watertight


def test_columns_without_plan_terrain_rms():
    s = generate_sample("landscape", 1, num_points=8192)
    m = meshes_from_points(s.points, extent=s.plan.extent)
    v = m.meshes["TERRAIN"].vertices
    rms = np.sqrt(np.mean((v[:, 2] - ground_function(s.plan)(v[:, 0], v[:, 1])) ** 2))
    assert rms < 0.10


def test_unknown_label_source_is_refused():
    plan, truth = floorplan_truth(1)
    with pytest.raises(ValueError, match="label_source"):
        fit_plan_heights(plan, noisy_cloud(lift_plan(truth), 50, 0, 0.01), "oracle")


def test_columns_of_an_empty_cloud_are_empty():
    empty = PointCloud(np.zeros((0, 3), np.float32), np.zeros(0, np.int64))
    assert len(meshes_from_points(empty, extent=(10.0, 10.0))) == 0


def test_columns_close_a_sparse_floor_into_one_slab():
    """Floors get few of a generated cloud's points (~0.6 m apart): the slab must still be one
    piece covering most of the room, and not reach past it (measured with a one-spacing
    closing: 14.1 m2 of 24)."""
    rng = np.random.default_rng(0)
    xy = rng.uniform([1.0, 1.0], [7.0, 5.0], (60, 2))  # a 6 x 4 m room
    pts = np.column_stack([xy, np.zeros(len(xy))])
    m = meshes_from_points(
        PointCloud(pts.astype(np.float32), np.full(len(pts), 4)), extent=(8.0, 6.0)
    )
    floor = m.meshes["FLOOR"]
    assert 0.7 * 24.0 < floor.area < 24.0
    assert len(floor.split(only_watertight=False)) == 1
    assert (floor.bounds[0, :2] > 0.9).all() and (floor.bounds[1, :2] < [7.1, 5.1]).all()
