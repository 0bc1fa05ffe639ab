"""The site-plan vectoriser against the generator's exact plans, and on hand-drawn cases."""

from __future__ import annotations

import cv2
import numpy as np
import pytest
import shapely
from cad3d.data.landscape import generate_landscape
from cad3d.errors import NoGeometry
from cad3d.geometry.vectorize import vectorize
from cad3d.geometry.vectorize.landscape import vectorize_landscape
from shapely.ops import unary_union

SEEDS = (11, 1, 9, 2, 45)  # plain, coloured-print-grey x2, dense x2 (seed 2 has a pond)


def _iou(a, b) -> float:
    u = a.union(b).area
    return a.intersection(b).area / u if u else 1.0


def _area(plan, cls: str):
    geoms = [s.footprint for s in plan.solids if s.cls == cls]
    geoms += [s.footprint for s in plan.surfaces if s.cls == cls]
    return unary_union(geoms) if geoms else shapely.Polygon()


def _relative_levels_ok(truth, got, s: float) -> float:
    """Share of found contour length whose elevation matches the truth up to offset and sign."""
    pts, zs = [], []
    for c in truth.contours:
        d = np.arange(0, c.line.length, s)
        pts.append(shapely.get_coordinates(shapely.line_interpolate_point(c.line, d)))
        zs.append(np.full(len(d), c.elevation))
    tree = shapely.STRtree(shapely.points(np.concatenate(pts)))
    tz = np.concatenate(zs)
    found, mine = [], []
    for c in got.contours:
        d = np.arange(0, c.line.length, s)
        p = shapely.line_interpolate_point(c.line, d)
        idx, dist = tree.query_nearest(p, return_distance=True, all_matches=False)
        near = dist < 2 * s
        found.append(tz[idx[1][near]])
        mine.append(np.full(int(near.sum()), c.elevation))
    f, m = np.concatenate(found), np.concatenate(mine)
    return max(float((np.abs(m - sg * f - np.median(m - sg * f)) < 1e-6).mean()) for sg in (1, -1))


@pytest.fixture(scope="module")
def results():
    out = []
    for seed in SEEDS:
        img, s, plan = generate_landscape(seed)
        out.append((img, s, plan, vectorize_landscape(img, s, {})))
    return out


def test_trees_found_within_half_a_meter(results) -> None:
    for _, _, truth, got in results:
        g = np.array([[t.x, t.y, t.crown_radius] for t in got.trees])
        hits, radius_err = 0, []
        for t in truth.trees:
            d = np.hypot(g[:, 0] - t.x, g[:, 1] - t.y)
            if d.min() < 0.5:
                hits += 1
                radius_err.append(abs(g[d.argmin(), 2] - t.crown_radius))
        assert hits / len(truth.trees) >= 0.9
        assert len(got.trees) <= len(truth.trees) * 1.1  # few false trees
        assert np.mean(radius_err) < 0.3


def test_buildings_and_water_overlap_the_truth(results) -> None:
    for _, _, truth, got in results:
        assert len(got.solids) == len(truth.solids)
        assert _iou(_area(truth, "BUILDING"), _area(got, "BUILDING")) >= 0.9
        if truth.surfaces and any(p.cls == "WATER" for p in truth.surfaces):
            assert _iou(_area(truth, "WATER"), _area(got, "WATER")) >= 0.9
    paths = [_iou(_area(t, "PATH"), _area(g, "PATH")) for _, _, t, g in results]
    assert np.mean(paths) >= 0.8


def test_contour_lines_recovered(results) -> None:
    recall = []
    for _, s, truth, got in results:
        found = unary_union([c.line for c in got.contours]).buffer(2 * s)  # within 2 px
        lines = unary_union([c.line for c in truth.contours])
        recall.append(found.intersection(lines).length / lines.length)
        drawn = unary_union([c.line for c in got.contours])
        precision = lines.buffer(2 * s).intersection(drawn).length / drawn.length
        assert recall[-1] >= 0.85 and precision >= 0.85
    assert np.mean(recall) >= 0.9


def test_relative_elevations_consistent(results) -> None:
    ok = [_relative_levels_ok(truth, got, s) for _, s, truth, got in results]
    assert np.median(ok) >= 0.9
    for _, _, _, got in results:
        assert min(c.elevation for c in got.contours) == 0.0  # no notes: lowest contour at 0


def _rings_and_tree() -> np.ndarray:
    """Three concentric thin contours (a hill) and a tree (dot in a circle) on 600 x 600 px."""
    img = np.full((600, 600), 255, np.uint8)
    for r in (80, 140, 200):
        cv2.circle(img, (250, 300), r, 0, 1, cv2.LINE_AA)
    cv2.circle(img, (520, 100), 30, 0, 1, cv2.LINE_AA)
    cv2.circle(img, (520, 100), 4, 0, -1, cv2.LINE_AA)
    return img


def test_hand_drawn_hill_rule_and_notes() -> None:
    s = 0.1
    plan = vectorize_landscape(_rings_and_tree(), s, {"base_elevation": 112.0, "datum": 110.0})
    assert len(plan.trees) == 1
    t = plan.trees[0]
    assert abs(t.x - 52.0) < 0.2 and abs(t.y - 50.0) < 0.2 and abs(t.crown_radius - 3.0) < 0.3
    rings = sorted(plan.contours, key=lambda c: c.line.length)
    assert len(rings) == 3 and all(c.line.is_closed for c in rings)
    # closed rings with nothing else to go by are read as a hill; lowest = base - datum = 2 m
    assert [c.elevation for c in rings] == [4.0, 3.0, 2.0]
    assert abs(rings[0].line.length - 2 * np.pi * 8.0) < 0.5


def test_dispatch_and_no_geometry() -> None:
    img = _rings_and_tree()
    assert len(vectorize(img, 0.1, "landscape").contours) == 3
    with pytest.raises(NoGeometry):
        vectorize_landscape(np.full((300, 300), 255, np.uint8), 0.1, {})
