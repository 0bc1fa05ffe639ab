"""The part generator: deterministic, the drawing agrees with its plan, z by the conventions."""

import time

import numpy as np
import pytest
from shapely.ops import unary_union

from cad3d import defaults
from cad3d.data.draw import to_px
from cad3d.data.part import STYLES, generate_part


def _grey_at(img: np.ndarray, scale: float, xy) -> np.ndarray:
    """Grey values at world points (N, 2) meters (nearest pixel)."""
    cr = np.round(to_px(np.asarray(xy), img.shape[0], scale)).astype(int)
    return img[cr[:, 1], cr[:, 0]]


def test_same_seed_same_drawing_and_plan():
    for style in (None, *STYLES):
        a_img, a_s, a_plan = generate_part(7, style)
        b_img, b_s, b_plan = generate_part(7, style)
        assert a_img.tobytes() == b_img.tobytes()
        assert a_s == b_s
        assert a_plan.to_json() == b_plan.to_json()
    assert generate_part(7, "clean")[0].tobytes() != generate_part(8, "clean")[0].tobytes()


def test_unknown_style_is_refused():
    with pytest.raises(ValueError):
        generate_part(0, "watercolour")


@pytest.mark.parametrize("style", STYLES)
def test_sizes_scale_and_plan_conventions(style):
    for seed in range(6):
        img, s, plan = generate_part(seed, style)
        assert img.dtype == np.uint8 and img.ndim == 2
        assert 512 <= max(img.shape) <= 1024 and min(img.shape) >= 512
        assert 1e-4 <= s <= 5e-4
        assert plan.domain == "part"
        assert plan.extent == pytest.approx((img.shape[1] * s, img.shape[0] * s))
        (part,) = [x for x in plan.solids if x.cls == "PART"]
        t = plan.meta["thickness"]
        assert (part.z0, part.z1) == (0.0, t)
        x0, y0, x1, y1 = part.footprint.bounds
        assert 0.04 * 0.45 - 1e-9 <= min(x1 - x0, y1 - y0) and max(x1 - x0, y1 - y0) <= 0.30 + 1e-9
        holes = [c for c in plan.cuts if c.cls == "HOLE"]
        assert holes, "every part has at least one hole"
        m = defaults.PART_CUT_MARGIN
        for c in plan.cuts:
            assert c.host == "PART"
            assert part.footprint.contains(c.footprint)
            assert c.z1 == pytest.approx(t + m)
            if c.cls == "HOLE":
                assert c.z0 == pytest.approx(-m)
            else:
                assert 0 < c.z0 < t
        for b in plan.solids:
            if b.cls == "BOSS":
                assert b.z0 == t and b.z1 > t
                assert part.footprint.contains(b.footprint)
        feats = [c.footprint for c in plan.cuts] + [
            b.footprint for b in plan.solids if b.cls == "BOSS"
        ]
        assert unary_union(feats).area == pytest.approx(sum(f.area for f in feats))  # disjoint


@pytest.mark.parametrize("style", STYLES)
def test_drawing_agrees_with_plan(style):
    for seed in range(4):
        img, s, plan = generate_part(seed, style)
        (part,) = [x for x in plan.solids if x.cls == "PART"]
        ring = part.footprint.exterior
        pts = [ring.interpolate(d).coords[0] for d in np.arange(0, ring.length, 2 * s)]
        assert (_grey_at(img, s, pts) < 128).mean() > 0.97  # the profile's edge is ink
        for x, y, r in plan.meta["holes"]:
            # inside a hole, off its centre cross: white paper
            k = 0.5 * r / np.sqrt(2)
            probe = [(x + k, y + k), (x - k, y + k), (x + k, y - k), (x - k, y - k)]
            assert (_grey_at(img, s, probe) > 200).all()
            edge = [(x + r * np.cos(a), y + r * np.sin(a)) for a in np.linspace(0, 6, 12)]
            assert (_grey_at(img, s, edge) < 128).all()
        for c in plan.cuts:
            if c.cls == "POCKET":  # hatched floor: some ink well inside the outline
                inner = c.footprint.buffer(-6 * s)
                xs = np.linspace(*inner.bounds[::2], 40)
                ys = np.linspace(*inner.bounds[1::2], 40)
                grid = [(a, b) for a in xs for b in ys if inner.contains(_pt(a, b))]
                dark = (_grey_at(img, s, grid) < 160).mean()
                assert 0.05 < dark < 0.6


def _pt(x, y):
    from shapely.geometry import Point

    return Point(x, y)


def test_most_parts_default_thickness_and_notes_state_the_rest():
    ts = [generate_part(seed)[2].meta for seed in range(40)]
    default = [m for m in ts if not m["thickness_noted"]]
    assert len(default) >= 24
    assert all(m["thickness"] == defaults.PART_THICKNESS for m in default)
    assert any(m["thickness"] != defaults.PART_THICKNESS for m in ts if m["thickness_noted"])
    counts = {k: sum(m["counts"][k] for m in ts) for k in ("HOLE", "POCKET", "BOSS")}
    assert counts["HOLE"] >= 80 and counts["POCKET"] >= 10 and counts["BOSS"] >= 10


def test_pocket_depths_default_unless_noted():
    seen_default = seen_noted = 0
    for seed in range(30):
        _, _, plan = generate_part(seed, "clean")
        t = plan.meta["thickness"]
        noted = [z for cls, z in plan.meta["noted_z"] if cls == "POCKET"]
        for c in plan.cuts:
            if c.cls != "POCKET":
                continue
            depth = t - c.z0
            if abs(depth - defaults.POCKET_DEPTH_FRACTION * t) < 1e-9:
                seen_default += 1
            else:
                assert any(abs(depth - z) < 1e-9 for z in noted)
                seen_noted += 1
    assert seen_default > 0 and seen_noted > 0


def test_generation_is_fast():
    t = time.perf_counter()
    for seed in range(10):
        generate_part(seed)
    assert (time.perf_counter() - t) / 10 < 0.2  # hundreds a minute on one core
