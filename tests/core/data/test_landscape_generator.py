"""The landscape generator: determinism, sheet sizes, and a drawing that agrees with its plan."""

from __future__ import annotations

import json

import numpy as np
import pytest
import shapely

from cad3d import defaults
from cad3d.data.landscape import STYLES, generate_landscape, terrain_height
from cad3d.plan import Plan

SEEDS = {"plain": 11, "coloured-print-grey": 1, "dense": 2}  # seed 2 has water, seed 1 a datum


@pytest.fixture(scope="module")
def samples() -> dict[str, tuple[np.ndarray, float, Plan]]:
    return {style: generate_landscape(seed, style) for style, seed in SEEDS.items()}


def _ink_near(img: np.ndarray, cr: np.ndarray, radius: int = 1, level: int = 200) -> np.ndarray:
    """(N,) bool: some pixel within `radius` px of each (column, row) is darker than `level`."""
    h, w = img.shape
    c, r = np.rint(cr[:, 0]).astype(int), np.rint(cr[:, 1]).astype(int)
    hit = np.zeros(len(cr), bool)
    for dr in range(-radius, radius + 1):
        for dc in range(-radius, radius + 1):
            rr, cc = np.clip(r + dr, 0, h - 1), np.clip(c + dc, 0, w - 1)
            hit |= img[rr, cc] < level
    return hit


def _line_points(plan: Plan, scale: float, height: int) -> np.ndarray:
    """Points every pixel along every plan contour, as (N, 2) pixel (column, row)."""
    pts = []
    for c in plan.contours:
        d = np.arange(0, c.line.length, scale)
        xy = shapely.get_coordinates(shapely.line_interpolate_point(c.line, d))
        pts.append(np.stack([xy[:, 0] / scale, height - xy[:, 1] / scale], 1))
    return np.concatenate(pts)


def test_deterministic_by_seed() -> None:
    a_img, a_s, a_plan = generate_landscape(7)
    b_img, b_s, b_plan = generate_landscape(7)
    c_img, _, _ = generate_landscape(8)
    assert np.array_equal(a_img, b_img) and a_s == b_s
    assert json.dumps(a_plan.to_json(), sort_keys=True) == json.dumps(
        b_plan.to_json(), sort_keys=True
    )
    assert a_img.shape != c_img.shape or not np.array_equal(a_img, c_img)


def test_sheet_size_scale_and_styles(samples) -> None:
    for style, (img, s, plan) in samples.items():
        assert plan.meta["style"] == style and style in STYLES
        assert img.dtype == np.uint8 and img.ndim == 2
        assert 500 <= min(img.shape) and max(img.shape) <= 1024
        assert 0.05 <= s <= 0.3
        w, h = plan.extent
        assert w == pytest.approx(img.shape[1] * s) and h == pytest.approx(img.shape[0] * s)
        assert 40 * 0.69 <= max(w, h) <= 200.5
        assert plan.domain == "landscape" and plan.contours and plan.trees and plan.solids


def test_contours_are_ink_where_the_plan_says(samples) -> None:
    for img, s, plan in samples.values():
        pts = _line_points(plan, s, img.shape[0])
        assert _ink_near(img, pts).mean() >= 0.98


def test_contours_follow_the_terrain_and_the_interval(samples) -> None:
    for _, _, plan in samples.values():
        datum = plan.meta["datum"] or 0.0
        for c in plan.contours:
            xy = np.asarray(c.line.coords)
            z = terrain_height(plan.meta, xy[:, 0], xy[:, 1])
            assert np.abs(z - c.elevation).max() < 0.02  # the line is the isoline
            assert (c.elevation + datum) == pytest.approx(round(c.elevation + datum))  # 1.0 m


def test_datum_makes_elevations_relative() -> None:
    _, _, plan = generate_landscape(1)  # states DATUM +227.00
    assert plan.meta["datum"] == 227.0
    assert 0.0 <= min(c.elevation for c in plan.contours) < 10.0


def test_trees_buildings_water_paths(samples) -> None:
    for img, s, plan in samples.values():
        h = img.shape[0]
        for t in plan.trees:
            c, r = int(round(t.x / s)), int(round(h - t.y / s))
            assert img[r, c] < 128  # the centre dot
            assert t.height == pytest.approx(
                defaults.TREE_HEIGHT_PER_CROWN_DIAMETER * 2 * t.crown_radius
            )
        for b in plan.solids:
            assert b.cls == "BUILDING" and b.z1 - b.z0 == pytest.approx(defaults.BUILDING_HEIGHT)
            xy = np.asarray(b.footprint.exterior.coords)
            assert b.z0 <= terrain_height(plan.meta, xy[:, 0], xy[:, 1]).min() + 1e-9
        assert all(p.z is None for p in plan.surfaces if p.cls == "PATH")
    _, _, wet = samples["dense"]
    water = [p for p in wet.surfaces if p.cls == "WATER"]
    assert len(water) == 1
    c = water[0].footprint.representative_point()
    assert terrain_height(wet.meta, c.x, c.y) < water[0].z  # the pond fills a depression
    assert any(abs(k.elevation - water[0].z) < 1e-9 and k.line.is_closed for k in wet.contours)


def test_plan_json_round_trip(samples) -> None:
    _, _, plan = samples["plain"]
    back = Plan.from_json(json.loads(json.dumps(plan.to_json())))
    assert len(back.contours) == len(plan.contours) and len(back.trees) == len(plan.trees)
    assert terrain_height(back.meta, 10.0, 12.0) == pytest.approx(
        terrain_height(plan.meta, 10.0, 12.0)
    )
