"""The part vectoriser on generated drawings: profile IoU, hole positions and sizes, classes."""

import time

import cv2
import numpy as np
import pytest
from shapely.ops import unary_union

from cad3d import defaults
from cad3d.data.part import STYLES, generate_part
from cad3d.errors import NoGeometry
from cad3d.geometry.vectorize import vectorize
from cad3d.geometry.vectorize.part import vectorize_part


def _mild_scan(img: np.ndarray, seed: int) -> np.ndarray:
    """Blur, grey paper, lighter ink, sensor noise: a decent scanner (no rotation)."""
    rng = np.random.default_rng(seed)
    f = cv2.GaussianBlur(img.astype(np.float32), (0, 0), 0.7)
    f = rng.uniform(0, 30) + f * rng.uniform(0.8, 0.95) + rng.normal(0, 6, img.shape)
    return np.clip(f, 0, 255).astype(np.uint8)


def _part(plan):
    return unary_union([s.footprint for s in plan.solids if s.cls == "PART"])


def _features(plan, cls):
    return [x.footprint for x in plan.cuts + plan.solids if x.cls == cls]


def _check(truth, pred, scale):
    """PART IoU >= 0.95; every feature found once with its class; holes to 0.5 / 0.3 mm."""
    g, p = _part(truth), _part(pred)
    assert g.intersection(p).area / g.union(p).area >= 0.95
    for cls in ("HOLE", "POCKET", "BOSS"):
        gt, pr = _features(truth, cls), _features(pred, cls)
        assert len(pr) == len(gt), cls
        for f in gt:
            (m,) = [q for q in pr if q.intersection(f).area > 0.5 * f.union(q).area]
            if cls == "HOLE":
                assert f.centroid.distance(m.centroid) < 0.0005
                assert abs(np.sqrt(f.area / np.pi) - np.sqrt(m.area / np.pi)) < 0.0003


@pytest.mark.parametrize("style", STYLES)
def test_clean_drawings(style):
    for seed in range(4):
        img, s, truth = generate_part(seed, style)
        _check(truth, vectorize_part(img, s, {}), s)


@pytest.mark.parametrize("style", STYLES)
def test_mildly_scanned_drawings(style):
    for seed in range(4, 7):
        img, s, truth = generate_part(seed, style)
        _check(truth, vectorize_part(_mild_scan(img, seed), s, {}), s)


def test_scans_with_rotation_from_the_degrader():
    from cad3d.data.degrade import apply_affine_to_world, degrade

    ious, found, total = [], 0, 0
    for seed in (0, 1, 2, 4, 5, 6):
        img, s, plan = generate_part(seed, "dimensioned")
        out, affine = degrade(img, np.random.default_rng(seed), 0.4)
        truth, _, _ = apply_affine_to_world(affine, img.shape[0], s, plan=plan)
        pred = vectorize_part(out, s, {})
        g, p = _part(truth), _part(pred)
        ious.append(g.intersection(p).area / g.union(p).area)
        for f in _features(truth, "HOLE"):
            total += 1
            m = [q for q in _features(pred, "HOLE") if q.intersection(f).area > 0.5 * f.area]
            found += bool(m) and f.centroid.distance(m[0].centroid) < 0.0005
    assert min(ious) >= 0.95
    assert found >= 0.9 * total


def test_z_from_defaults_and_from_notes():
    img, s, truth = generate_part(5, "clean")  # default thickness, 2 pockets, 2 bosses
    plan = vectorize_part(img, s)
    assert plan.meta["thickness_from"] == "default"
    assert [c.cls for c in plan.cuts].count("POCKET") == 2
    (part,) = [x for x in plan.solids if x.cls == "PART"]
    t = defaults.PART_THICKNESS
    assert (part.z0, part.z1) == (0.0, t)
    for c in plan.cuts:
        assert c.host == "PART" and c.z1 == pytest.approx(t + defaults.PART_CUT_MARGIN)
        if c.cls == "POCKET":
            assert c.z0 == pytest.approx(t - defaults.POCKET_DEPTH_FRACTION * t)
    assert all(
        b.z1 == pytest.approx(t + defaults.BOSS_HEIGHT) for b in plan.solids if b.cls == "BOSS"
    )
    for notes in ({"thickness": 0.012}, {"thickness": 12}, {"thickness": "THK 12"}):
        plan = vectorize_part(img, s, notes)
        (part,) = [x for x in plan.solids if x.cls == "PART"]
        assert part.z1 == pytest.approx(0.012)
    plan = vectorize_part(img, s, {"pocket_depth": 0.003, "boss_height": 0.008})
    assert all(c.z0 == pytest.approx(t - 0.003) for c in plan.cuts if c.cls == "POCKET")
    assert all(b.z1 == pytest.approx(t + 0.008) for b in plan.solids if b.cls == "BOSS")


def test_thickness_note_read_from_the_drawing():
    from cad3d.geometry.vectorize.part_notes import read_thickness

    noted = [(seed, generate_part(seed)) for seed in range(1_000_000, 1_000_030)]
    for seed, (img, _s, truth) in noted:
        read = read_thickness(img)
        if truth.meta["thickness_noted"]:
            assert read == pytest.approx(truth.meta["thickness"]), seed
        else:
            assert read is None, seed
    img, s, truth = generate_part(0, "clean")  # "THK 6"
    (part,) = [x for x in vectorize_part(img, s).solids if x.cls == "PART"]
    assert part.z1 == pytest.approx(0.006) == truth.meta["thickness"]


def test_dispatch_by_domain():
    img, s, _ = generate_part(1, "clean")
    assert _part(vectorize(img, s, "part")).equals(_part(vectorize_part(img, s)))


def test_no_profile_raises_no_geometry():
    with pytest.raises(NoGeometry):
        vectorize_part(np.full((600, 600), 255, np.uint8), 2e-4)
    only_thin = np.full((600, 600), 255, np.uint8)
    cv2.rectangle(only_thin, (100, 100), (500, 400), 0, 1)  # a thin frame is not an outline
    cv2.putText(only_thin, "THK 12", (200, 250), cv2.FONT_HERSHEY_SIMPLEX, 1.0, 0, 1)
    with pytest.raises(NoGeometry):
        vectorize_part(only_thin, 2e-4)


def test_accepts_rgb():
    img, s, truth = generate_part(3, "clean")
    pred = vectorize_part(cv2.cvtColor(img, cv2.COLOR_GRAY2BGR), s)
    _check(truth, pred, s)


def test_part_mesh_fscore_at_half_a_millimetre():
    lift = pytest.importorskip("cad3d.geometry.lift")
    metrics = pytest.importorskip("cad3d.evaluation.metrics")
    from cad3d.geometry.sampling import sample_surface

    for seed, style in ((1, "hatched"), (5, "dimensioned")):
        img, s, truth = generate_part(seed, style)
        pred = vectorize_part(_mild_scan(img, seed), s, {"thickness": truth.meta["thickness"]})
        true_m, pred_m = lift.lift_plan(truth), lift.lift_plan(pred)
        a = sample_surface(_only(pred_m, "PART"), 1000, seed)
        b = sample_surface(_only(true_m, "PART"), 1000, seed + 1)
        scores = metrics.surface_scores(
            a.points,
            a.normals,
            pred_m.meshes["PART"],
            b.points,
            b.normals,
            true_m.meshes["PART"],
            0.0005,
        )
        assert scores["f"] >= 0.95, (seed, scores)


def _only(meshes, cls):
    from cad3d.geometry.meshset import MeshSet

    out = MeshSet()
    out.add(cls, meshes.meshes[cls])
    return out


def test_speed_on_a_1000_px_drawing():
    img, s, _ = generate_part(1, "dimensioned")  # 1005 x 847 px
    big = np.full((1000, 1000), 255, np.uint8)
    h, w = min(img.shape[0], 1000), min(img.shape[1], 1000)
    big[:h, :w] = img[:h, :w]
    vectorize_part(big, s)
    t = time.perf_counter()
    vectorize_part(big, s)
    assert time.perf_counter() - t < 2.0
