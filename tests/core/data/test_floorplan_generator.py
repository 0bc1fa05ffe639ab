"""The synthetic floor plans: deterministic, in range, and the drawing agrees with the plan."""

import json

import numpy as np
import pytest
from shapely.ops import unary_union

from cad3d.data.draw import to_px
from cad3d.data.floorplan import STYLES, generate_floorplan
from cad3d.defaults import DOOR_HEAD, WALL_HEIGHT, WINDOW_HEAD, WINDOW_SILL


def _mask(geom, shape, scale):
    """Pixels whose centres lie inside geom: (H, W) bool."""
    from shapely import contains_xy

    h, w = shape
    r, c = np.mgrid[0:h, 0:w]
    return contains_xy(geom, c * scale, (h - r) * scale)


def test_deterministic_by_seed_and_style():
    a_img, a_s, a_plan = generate_floorplan(123, "hatched")
    b_img, b_s, b_plan = generate_floorplan(123, "hatched")
    assert a_img.tobytes() == b_img.tobytes() and a_s == b_s
    assert json.dumps(a_plan.to_json()) == json.dumps(b_plan.to_json())
    c_img, _, _ = generate_floorplan(124, "hatched")
    assert c_img.shape != a_img.shape or c_img.tobytes() != a_img.tobytes()
    assert generate_floorplan(5)[2].meta["style"] in STYLES
    with pytest.raises(ValueError):
        generate_floorplan(1, "sketchy")


@pytest.mark.parametrize("seed", [0, 1, 2, 3, 4, 5])
def test_sizes_scale_and_plan_contract(seed):
    img, s, plan = generate_floorplan(seed)
    assert img.dtype == np.uint8 and img.ndim == 2
    assert 512 <= max(img.shape) <= 1024 and 0.01 <= s <= 0.03
    assert plan.extent == pytest.approx((img.shape[1] * s, img.shape[0] * s))
    (wall,) = plan.solids
    assert (wall.cls, wall.z0, wall.z1) == ("WALL", 0.0, WALL_HEIGHT) and wall.footprint.is_valid
    (floor,) = plan.surfaces
    x0, y0, x1, y1 = floor.footprint.bounds
    assert 7 - 1e-6 <= x1 - x0 <= 20 + 1e-6 and 7 - 1e-6 <= y1 - y0 <= 20 + 1e-6
    assert 0.3 < x0 and x1 < plan.extent[0] - 0.3 and 0.3 < y0 and y1 < plan.extent[1] - 0.3
    assert floor.footprint.contains(wall.footprint.buffer(-1e-6))
    doors = [c for c in plan.cuts if c.cls == "DOOR"]
    windows = [c for c in plan.cuts if c.cls == "WINDOW"]
    assert len(doors) == plan.meta["doors"] >= plan.meta["rooms"] - 1 >= 1
    assert len(windows) == plan.meta["windows"]
    assert all((c.z0, c.z1, c.host) == (0.0, DOOR_HEAD, "WALL") for c in doors)
    assert all((c.z0, c.z1) == (WINDOW_SILL, WINDOW_HEAD) for c in windows)
    assert 0.25 <= plan.meta["exterior_thickness"] <= 0.40
    assert 0.10 <= plan.meta["interior_thickness"] <= 0.15
    for c in plan.cuts:  # across the wall, 1 cm proud of each face
        cx0, cy0, cx1, cy1 = c.footprint.bounds
        width, depth = max(cx1 - cx0, cy1 - cy0), min(cx1 - cx0, cy1 - cy0)
        assert 0.8 - 1e-6 <= width <= (1.0 if c.cls == "DOOR" else 2.0) + 1e-6
        inside = c.footprint.intersection(wall.footprint).area
        assert inside == pytest.approx(width * (depth - 0.02), rel=1e-6)
        assert depth - 0.02 in (
            pytest.approx(plan.meta["exterior_thickness"]),
            pytest.approx(plan.meta["interior_thickness"]),
        )
    cuts = [c.footprint for c in plan.cuts]
    assert unary_union(cuts).area == pytest.approx(sum(g.area for g in cuts))  # no overlaps


@pytest.mark.parametrize("seed", [10, 11, 12])
def test_filled_drawing_agrees_with_plan(seed):
    img, s, plan = generate_floorplan(seed, "filled")
    wall = plan.solids[0].footprint
    openings = unary_union([c.footprint for c in plan.cuts])
    solid = _mask(wall.difference(openings).buffer(-1.5 * s), img.shape, s)
    assert solid.sum() > 1000
    assert (img[solid] < 100).mean() > 0.99  # wall footprints are dark
    for c in plan.cuts:  # the middle of every opening is paper (a window's centre line at most)
        p = c.footprint.centroid
        col, row = np.round(to_px([p.x, p.y], img.shape[0], s)).astype(int)
        assert (img[row - 2 : row + 3, col - 2 : col + 3] < 128).mean() <= 0.4, c.cls
    outside = ~_mask(wall.buffer(0.5), img.shape, s)  # text, dimensions and furniture are lighter
    assert (img[outside] < 100).mean() < 0.05


def test_every_style_draws_its_walls():
    for style in STYLES:
        img, s, plan = generate_floorplan(7, style)
        openings = unary_union([c.footprint for c in plan.cuts])
        ring = _mask(plan.solids[0].footprint.difference(openings), img.shape, s)
        ink = (img[ring] < 160).mean()
        assert {"filled": ink > 0.99, "hatched": 0.3 < ink < 0.6, "outline": 0.05 < ink < 0.3}[
            style
        ], (style, ink)
