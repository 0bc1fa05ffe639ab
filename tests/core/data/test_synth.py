"""The synthetic pipeline: deterministic, and its meshes, points and maps agree."""

import numpy as np
import pytest

from cad3d.data.sample import read_sample, sample_names
from cad3d.data.synth import create_dataset, dataset_jobs, generate_sample

DOMAINS = ["floorplan", "part", "landscape"]


@pytest.mark.parametrize("domain", DOMAINS)
def test_deterministic(domain):
    a = generate_sample(domain, 11, num_points=512)
    b = generate_sample(domain, 11, num_points=512)
    assert a.name == f"{domain}_000011"
    assert np.array_equal(a.image, b.image) and np.array_equal(a.points.points, b.points.points)
    assert all(np.array_equal(a.maps[k], b.maps[k]) for k in a.maps)
    c = generate_sample(domain, 12, num_points=512)
    assert not np.array_equal(a.points.points, c.points.points)


def check_consistent(s):
    """Upward-facing points sit at the top-height map of their pixel, on a class seen there."""
    h, w = s.image.shape
    up = s.points.normals[:, 2] > 0.5
    p = s.points.points[up].astype(np.float64)
    c = np.round(p[:, 0] / s.scale).astype(int)
    r = np.round(h - p[:, 1] / s.scale).astype(int)
    ok = (c >= 0) & (c < w) & (r >= 0) & (r < h)
    assert ok.mean() > 0.95 and up.sum() > 300
    top = s.maps["top_height"][r[ok], c[ok]]
    zr = float(np.ptp(s.points.points[:, 2])) or 1.0
    assert (p[ok, 2] <= top + 0.02 * zr).mean() > 0.97
    sem = s.maps["semantic"]
    seen = sem[r[ok], c[ok]] == s.points.labels[up][ok]  # not under a tree crown, say
    assert seen.mean() > 0.5
    assert (np.abs(p[ok, 2] - top)[seen] <= 0.02 * zr).mean() > 0.95
    assert s.maps["material"][sem > 0].min() > 0
    assert s.maps["material"][sem == 0].max(initial=0) == 0
    assert set(np.unique(s.points.labels)) <= set(np.unique(sem))
    assert len(s.points) == 4096 and s.meshes


@pytest.mark.parametrize("domain", DOMAINS)
@pytest.mark.parametrize("degraded", [False, True])
def test_meshes_points_maps_agree(domain, degraded):
    s = generate_sample(domain, 3, degraded=degraded, num_points=4096)
    assert s.meta["degraded"] is degraded and s.domain == domain
    check_consistent(s)
    merged = s.meshes.merged()
    lo, hi = merged.bounds
    w, h = s.plan.extent
    assert lo[0] > -0.05 * w and hi[0] < 1.05 * w and lo[1] > -0.05 * h and hi[1] < 1.05 * h


def test_jobs_round_robin_and_degraded_fraction():
    jobs = dataset_jobs(300, "all", seed=5, degraded_fraction=0.3)
    assert [j[0] for j in jobs[:4]] == ["floorplan", "part", "landscape", "floorplan"]
    assert [j[1] for j in jobs[:3]] == [5, 6, 7]
    assert 0.2 < np.mean([j[2] for j in jobs]) < 0.4
    assert jobs == dataset_jobs(300, "all", seed=5, degraded_fraction=0.3)


def test_create_dataset(tmp_path):
    names = create_dataset(tmp_path / "a", 3, seed=20, progress=False, num_points=256)
    assert names == ["floorplan_000020", "part_000021", "landscape_000022"]
    for n in names:
        s = read_sample(tmp_path / "a", n)
        assert len(s.points) == 256 and s.meta["seed"] == int(n[-6:])
    again = create_dataset(
        tmp_path / "b", 1, domain="part", seed=21, progress=False, num_points=256
    )
    assert again == ["part_000021"]
    a = np.load(tmp_path / "a/pointclouds/part_000021.npy")
    assert np.array_equal(a, np.load(tmp_path / "b/pointclouds/part_000021.npy"))
    assert sample_names(tmp_path / "a") == sorted(names)
    # resuming: complete samples are kept, missing ones written
    (tmp_path / "a/meta/landscape_000022.json").unlink()
    stamp = (tmp_path / "a/meta/part_000021.json").stat().st_mtime_ns
    assert create_dataset(tmp_path / "a", 3, seed=20, progress=False, num_points=256) == names
    assert (tmp_path / "a/meta/part_000021.json").stat().st_mtime_ns == stamp
    assert (tmp_path / "a/meta/landscape_000022.json").is_file()
