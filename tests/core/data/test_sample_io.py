"""write_sample / read_sample: the DESIGN.md layout round-trips exactly."""

import json

import numpy as np
import pytest
from shapely.geometry import Point, box

from cad3d.data.maps import plan_maps
from cad3d.data.sample import Sample, read_sample, write_sample
from cad3d.geometry.lift import lift_plan
from cad3d.geometry.sampling import sample_surface
from cad3d.plan import Cut, Plan, Solid


def make_sample():
    plan = Plan(
        "part",
        (0.15, 0.1),
        solids=[Solid("PART", box(0.02, 0.02, 0.12, 0.08), 0.0, 0.01)],
        cuts=[Cut("HOLE", Point(0.04, 0.05).buffer(0.005, 32), 0.0, 0.01, "PART")],
        meta={"style": "clean", "rng": np.int64(3)},
    )
    meshes = lift_plan(plan)
    image = np.full((100, 150), 255, np.uint8)
    image[20:80, 20:120] = 0
    return Sample(
        name="part_000007",
        image=image,
        scale=0.001,
        domain="part",
        plan=plan,
        meshes=meshes,
        points=sample_surface(meshes, 1000, 7),
        maps=plan_maps(plan, image.shape, 0.001),
        meta={"seed": 7, "style": "clean", "degraded": False},
    )


def test_round_trip(tmp_path):
    s = make_sample()
    write_sample(s, tmp_path)
    for f in [
        "images/part_000007.png",
        "pointclouds/part_000007.npy",
        "labels/part_000007.npy",
        "normals/part_000007.npy",
        "meshes/part_000007.glb",
        "maps/part_000007.npz",
        "meta/part_000007.json",
    ]:
        assert (tmp_path / f).is_file(), f
    assert not list(tmp_path.rglob(".*"))  # no temporary files left
    meta = json.loads((tmp_path / "meta/part_000007.json").read_text())
    assert meta["scale"] == 0.001 and meta["domain"] == "part" and meta["seed"] == 7
    assert meta["plan"]["solids"][0][0] == "PART"
    assert np.load(tmp_path / "pointclouds/part_000007.npy").dtype == np.float32
    r = read_sample(tmp_path, "part_000007")
    assert np.array_equal(r.image, s.image) and r.scale == s.scale and r.domain == "part"
    assert np.array_equal(r.points.points, s.points.points)
    assert np.array_equal(r.points.labels, s.points.labels)
    assert np.array_equal(r.points.normals, s.points.normals)
    for k, v in s.maps.items():
        assert r.maps[k].dtype == v.dtype and r.maps[k].shape == v.shape
        assert np.allclose(r.maps[k], v, rtol=2**-15, atol=0)
    assert np.array_equal(r.maps["semantic"], s.maps["semantic"])
    assert set(r.meshes.classes) == {"PART", "HOLE"}
    for cls, m in s.meshes:
        assert np.allclose(r.meshes.meshes[cls].vertices, m.vertices, atol=1e-7)
        assert r.meshes.meshes[cls].area == pytest.approx(m.area, rel=1e-6)
    assert r.plan.solids[0].footprint.equals(s.plan.solids[0].footprint)
    assert r.plan.cuts[0].footprint.area == pytest.approx(s.plan.cuts[0].footprint.area)
    assert r.meta == {"seed": 7, "style": "clean", "degraded": False}
    assert r.plan.meta["rng"] == 3


def test_overwrite_replaces(tmp_path):
    s = make_sample()
    write_sample(s, tmp_path)
    s.image = np.zeros_like(s.image)
    write_sample(s, tmp_path)
    assert read_sample(tmp_path, s.name).image.max() == 0
