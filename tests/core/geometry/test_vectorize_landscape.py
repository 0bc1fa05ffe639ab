"""The site-plan vectoriser against the generator's exact plans, and on hand-drawn cases."""

from __future__ import annotations

import cv2
import numpy as np
import pytest
import shapely
from shapely.ops import unary_union

from cad3d.data.landscape import generate_landscape
from cad3d.errors import NoGeometry
from cad3d.geometry.vectorize import vectorize
from cad3d.geometry.vectorize.landscape import vectorize_landscape
from cad3d.geometry.vectorize.landscape_labels import read_datum, read_numbers

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
        if got.meta["elevation_rule"].startswith("relative"):  # no notes: lowest contour at 0
            assert min(c.elevation for c in got.contours) == 0.0


def test_labels_and_legend_datum_give_absolute_elevations(results) -> None:
    img, s, truth, got = results[1]  # seed 1: labels 230 / 235, legend "DATUM +227.00"
    assert got.meta["elevation_rule"] == "labels read, datum 227"
    pts = np.concatenate(
        [
            shapely.get_coordinates(
                shapely.line_interpolate_point(c.line, np.arange(0, c.line.length, s))
            )
            for c in truth.contours
        ]
    )
    z = np.concatenate(
        [np.full(len(np.arange(0, c.line.length, s)), c.elevation) for c in truth.contours]
    )
    tree = shapely.STRtree(shapely.points(pts))
    hit = total = 0.0
    for c in got.contours:
        p = shapely.line_interpolate_point(c.line, np.arange(0, c.line.length, s))
        idx, dist = tree.query_nearest(p, return_distance=True, all_matches=False)
        near = dist < 2 * s
        hit += float((np.abs(z[idx[1][near]] - c.elevation) < 1e-6).sum())
        total += float(near.sum())
    assert hit / total >= 0.9  # z = label - datum, as DESIGN.md says


def test_read_numbers_and_datum() -> None:
    img = np.zeros((120, 300), np.uint8)
    cv2.putText(img, "235", (20, 40), cv2.FONT_HERSHEY_SIMPLEX, 0.45, 1, 1, cv2.LINE_AA)
    tile = np.zeros((20, 40), np.uint8)
    cv2.putText(tile, "170", (3, 15), cv2.FONT_HERSHEY_SIMPLEX, 0.45, 1, 1, cv2.LINE_AA)
    img[50:90, 200:220] = np.rot90(tile)  # set at 90 degrees, reading upwards
    got = sorted((round(c), round(r), v) for c, r, v in read_numbers((img > 0).astype(np.uint8)))
    assert [v for *_, v in got] == [235, 170]
    assert abs(got[0][0] - 33) <= 3 and abs(got[1][1] - 75) <= 3  # ink centres, px
    assert read_datum(np.zeros((40, 220), np.uint8)) == (False, None)


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


def _exact_share(truth, got, s: float) -> float:
    """Share of found contour length (within 2 px of a true contour) at the true elevation."""
    pts, zs = [], []
    for c in truth.contours:
        d = np.arange(0, c.line.length, s)
        pts.append(shapely.get_coordinates(shapely.line_interpolate_point(c.line, d)))
        zs.append(np.full(len(d), c.elevation))
    tree = shapely.STRtree(shapely.points(np.concatenate(pts)))
    z = np.concatenate(zs)
    hit = total = 0.0
    for c in got.contours:
        p = shapely.line_interpolate_point(c.line, np.arange(0, c.line.length, s))
        idx, dist = tree.query_nearest(p, return_distance=True, all_matches=False)
        near = dist < 2 * s
        hit += float((np.abs(z[idx[1][near]] - c.elevation) < 1e-6).sum())
        total += float(near.sum())
    return hit / total


def test_no_datum_stated_z_is_the_label(results) -> None:
    _, s, truth, got = results[0]  # seed 11: legend "LEVELS IN m", labels read
    assert truth.meta["datum"] is None
    assert got.meta["datum"] == "none stated"
    assert got.meta["elevation_rule"] == "labels read, no datum stated"
    assert _exact_share(truth, got, s) >= 0.9


def _legend_tile(rows: list[str]) -> np.ndarray:
    img = np.full((70, 190), 255, np.uint8)
    cv2.rectangle(img, (2, 2), (187, 67), 0, 1)
    fs = 10 / (0.75 * cv2.getTextSize("H", cv2.FONT_HERSHEY_SIMPLEX, 1.0, 1)[0][1])
    for i, text in enumerate(rows):
        (w, _), _ = cv2.getTextSize(text, cv2.FONT_HERSHEY_SIMPLEX, fs, 1)
        org = ((190 - w) // 2, 20 + 17 * i)
        cv2.putText(img, text, org, cv2.FONT_HERSHEY_SIMPLEX, fs, 0, 1, cv2.LINE_AA)
    return img


def test_datum_read_on_grey_even_when_scanned_blurred() -> None:
    from cad3d.geometry.vectorize.landscape_datum import read_datum_grey
    from cad3d.geometry.vectorize.landscape_z import _says_datum

    clean = _legend_tile(["SITE PLAN", "CONTOURS 1.0 m", "DATUM +112.00"])
    # blurred, grey paper and grey ink: the glyphs run together (thickened text is read
    # only sometimes: see the report)
    bold = cv2.GaussianBlur(clean, (0, 0), 1.0)
    bold = (60 + (215 - 60) * (bold / 255.0)).astype(np.uint8)
    assert read_datum_grey(clean) == 112.0
    assert read_datum_grey(bold) == 112.0
    levels = _legend_tile(["SITE PLAN", "CONTOURS 1.0 m", "LEVELS IN m"])
    assert read_datum_grey(levels) is None
    everywhere = np.ones(clean.shape, bool)
    assert _says_datum(levels, everywhere) is False and _says_datum(bold, everywhere) is True


def test_one_labelled_level_takes_the_sense_that_sits_on_the_datum() -> None:
    from cad3d.geometry.vectorize.landscape_z import _one_level

    levels = [0, 1, 2, 3, 4, 5]  # relative levels from the geometry
    # "45" on line 1, datum 40: rising with the levels puts the lowest contour 4 m above the
    # datum, falling puts it 1 m above; the nearer to LOW_ABOVE_DATUM (2) wins
    assert _one_level(levels, [(1, 45.0)], 40.0) == (-1, 46.0)
    assert _one_level(levels, [(1, 45.0)], None) == (1, 44.0)  # no datum: the geometric sense


def test_touching_digits_are_cut_apart() -> None:
    fs = 11 / (0.75 * cv2.getTextSize("H", cv2.FONT_HERSHEY_SIMPLEX, 1.0, 1)[0][1])
    img = np.zeros((40, 60), np.uint8)
    cv2.putText(img, "45", (10, 28), cv2.FONT_HERSHEY_SIMPLEX, fs, 255, 1, cv2.LINE_AA)
    ink = (img > 64).astype(np.uint8)
    assert cv2.connectedComponents(ink, connectivity=8)[0] == 2  # "4" runs into "5": one blob
    assert [v for *_, v in read_numbers(ink)] == [45]
    assert [v for *_, v in read_numbers(np.ascontiguousarray(np.rot90(ink)))] == [45]
