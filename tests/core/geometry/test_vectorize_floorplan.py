"""The floor-plan vectoriser recovers walls and openings from all three wall styles."""

import numpy as np
import pytest
from shapely.ops import unary_union

from cad3d.data.floorplan import STYLES, generate_floorplan
from cad3d.defaults import DOOR_HEAD, WALL_HEIGHT, WINDOW_HEAD, WINDOW_SILL
from cad3d.errors import NoGeometry
from cad3d.geometry.vectorize import vectorize
from cad3d.geometry.vectorize.floorplan import vectorize_floorplan

HELD_OUT = [1_000_000, 1_000_001, 1_000_002, 1_000_003]


def wall_iou(truth, pred) -> float:
    g = unary_union([s.footprint for s in truth.solids if s.cls == "WALL"])
    p = unary_union([s.footprint for s in pred.solids if s.cls == "WALL"])
    return g.intersection(p).area / g.union(p).area


def openings_found(truth, pred, tol=0.3) -> tuple[int, int, int]:
    """(true openings matched by a predicted one of the same class within tol m, total, spurious)."""
    hit = sum(
        any(
            d.cls == c.cls and d.footprint.centroid.distance(c.footprint.centroid) < tol
            for d in pred.cuts
        )
        for c in truth.cuts
    )
    spurious = sum(
        all(d.footprint.centroid.distance(c.footprint.centroid) >= tol for c in truth.cuts)
        for d in pred.cuts
    )
    return hit, len(truth.cuts), spurious


@pytest.mark.parametrize("style", STYLES)
def test_walls_and_openings_per_style(style):
    ious, hits, total, spurious = [], 0, 0, 0
    for seed in HELD_OUT:
        img, scale, truth = generate_floorplan(seed, style)
        pred = vectorize_floorplan(img, scale, {})
        ious.append(wall_iou(truth, pred))
        h, n, f = openings_found(truth, pred)
        hits, total, spurious = hits + h, total + n, spurious + f
    assert min(ious) >= 0.95, ious  # brief: >= 0.9
    assert hits / total >= 0.95 and spurious / total <= 0.05, (hits, total, spurious)


@pytest.mark.parametrize("style", STYLES)
def test_mildly_scanned_drawings(style):
    """Blur, noise, speckle, JPEG and a slight rotation (cad3d.data.degrade, severity 0.5)."""
    degrade = pytest.importorskip("cad3d.data.degrade")
    ious, hits, total, spurious = [], 0, 0, 0
    for seed in HELD_OUT[:2]:
        img, scale, truth = generate_floorplan(seed, style)
        scan, affine = degrade.degrade(img, np.random.default_rng(seed), 0.5)
        truth = degrade.apply_affine_to_world(affine, img.shape[0], scale, plan=truth)[0]
        pred = vectorize_floorplan(scan, scale)
        ious.append(wall_iou(truth, pred))
        h, n, f = openings_found(truth, pred)
        hits, total, spurious = hits + h, total + n, spurious + f
    assert min(ious) >= 0.9, ious
    # blurred door leaves beside a wall and closed-off dimension strips are not openings
    # (hatched held-out seeds: 4 spurious of 46 before the face and flank checks, 0 after)
    assert hits / total >= 0.9 and spurious / total <= 0.05, (hits, total, spurious)


def test_plan_conventions_match_the_generator():
    img, scale, truth = generate_floorplan(1_000_004, "filled")
    pred = vectorize(img, scale, "floorplan")
    assert pred.domain == "floorplan" and pred.extent == pytest.approx(truth.extent)
    (wall,) = pred.solids
    assert (wall.cls, wall.z0, wall.z1) == ("WALL", 0.0, WALL_HEIGHT) and wall.footprint.is_valid
    for c in pred.cuts:
        assert c.host == "WALL"
        assert (c.z0, c.z1) == ((0.0, DOOR_HEAD) if c.cls == "DOOR" else (WINDOW_SILL, WINDOW_HEAD))
        # the cut crosses its wall and stands about 1 cm proud of both faces
        inside = c.footprint.intersection(wall.footprint).area / c.footprint.area
        assert 0.8 < inside < 1.0
    (floor,) = pred.surfaces
    assert floor.cls == "FLOOR" and floor.footprint.area == pytest.approx(
        truth.surfaces[0].footprint.area, rel=0.02
    )
    notes = {"wall_height": 2.7, "door_head": 2.0}
    custom = vectorize_floorplan(img, scale, notes)
    assert custom.solids[0].z1 == 2.7 and {c.z1 for c in custom.cuts if c.cls == "DOOR"} == {2.0}


def test_rgb_and_skewed_input():
    import cv2

    img, scale, truth = generate_floorplan(1_000_005, "outline")
    rgb = np.dstack([img] * 3)
    assert wall_iou(truth, vectorize_floorplan(rgb, scale)) >= 0.9
    h, w = img.shape
    rot = cv2.getRotationMatrix2D((w / 2, h / 2), 1.2, 1.0)
    skewed = cv2.warpAffine(img, rot, (w, h), flags=cv2.INTER_LINEAR, borderValue=255)
    pred = vectorize_floorplan(skewed, scale)
    assert pred.meta["skew_deg"] == pytest.approx(1.2, abs=0.1)
    degrade = pytest.importorskip("cad3d.data.degrade")  # moves the truth with the pixels
    moved = degrade.apply_affine_to_world(rot, h, scale, plan=truth)[0].solids[0].footprint
    got = pred.solids[0].footprint
    assert got.intersection(moved).area / got.union(moved).area >= 0.9


def test_no_walls_raise_no_geometry():
    blank = np.full((300, 400), 255, np.uint8)
    with pytest.raises(NoGeometry):
        vectorize_floorplan(blank, 0.02)
    from cad3d.data.draw import Canvas

    cv = Canvas.blank(400, 300, 0.02)
    cv.text("NOTES: ALL DIMENSIONS IN MM", (4.0, 3.0), 14)
    cv.line((0.5, 1.0), (7.5, 1.0), 1)
    with pytest.raises(NoGeometry):
        vectorize_floorplan(cv.image, 0.02)


@pytest.mark.slow
@pytest.mark.parametrize("style", STYLES)
def test_wall_mesh_fscore_at_5cm(style):
    """The 3D check: lifted vectorised walls vs lifted truth, F-score within 5 cm >= 0.95."""
    lift = pytest.importorskip("cad3d.geometry.lift")
    metrics = pytest.importorskip("cad3d.evaluation.metrics")
    from cad3d.geometry.meshset import MeshSet
    from cad3d.geometry.sampling import sample_surface

    img, scale, truth = generate_floorplan(1_000_002, style)
    pred = vectorize_floorplan(img, scale)
    true_mesh, pred_mesh = lift.lift_plan(truth).meshes["WALL"], lift.lift_plan(pred).meshes["WALL"]
    t = sample_surface(MeshSet({"WALL": true_mesh}), 5000, 0)
    p = sample_surface(MeshSet({"WALL": pred_mesh}), 5000, 1)
    scores = metrics.surface_scores(
        p.points, p.normals, pred_mesh, t.points, t.normals, true_mesh, 0.05
    )
    assert scores["f"] >= 0.95, scores


@pytest.mark.parametrize("style", ["filled", "hatched"])
def test_window_symbol_in_an_interior_wall_is_a_window(style):
    """Windows are not only for exterior walls: three glazing lines across an interior wall's
    gap make a WINDOW there (a bare strip alone would not)."""
    from shapely.geometry import box

    from cad3d.data.draw import Canvas

    s = 0.015
    cv = Canvas.blank(800, 600, s)
    outer, inner = box(2, 2, 10, 7), box(2.3, 2.3, 9.7, 6.7)
    part = box(5.925, 2.3, 6.075, 6.7)  # interior wall, 0.15 m
    win = box(5.925, 4.0, 6.075, 5.2)
    walls = outer.difference(inner).union(part).difference(win)
    if style == "filled":
        cv.fill(walls, 0)
    else:
        cv.hatch(walls, 45, 5, 1, 0)
        cv.outline(walls, 1)
    for x in (5.925, 6.0, 6.075):
        cv.line((x, 4.0), (x, 5.2), 1)
    pred = vectorize_floorplan(cv.image, s)
    got = [(c.cls, c.footprint.centroid) for c in pred.cuts]
    assert len(got) == 1 and got[0][0] == "WINDOW", [(c.cls, c.footprint.bounds) for c in pred.cuts]
    assert got[0][1].distance(win.centroid) < 0.05


def test_gap_beside_a_wall_face_is_not_a_door():
    """A strip running along a wall (between a wall and a blurred door leaf) is no door; a
    break across the wall is."""
    from cad3d.geometry.vectorize.fp_masks import Masks
    from cad3d.geometry.vectorize.fp_openings import find_gaps

    band = np.zeros((200, 400), bool)
    band[50:60, 100:350] = True  # horizontal wall, 0.2 m at 0.02 m/px
    band[50:200, 100:110] = True  # vertical wall down from its left end
    band[60:72, 140:144] = True  # a leaf thickened into a stub under the wall, 0.6 m away
    band[50:60, 200:245] = False  # a 0.9 m door gap across the horizontal wall
    none = np.zeros_like(band)
    m = Masks(band, band, none, none, band, 5)
    doors, _ = find_gaps(m, none, none, 0.02)
    assert [(d.cls, d.axis, d.a0, d.a1, d.b0, d.b1) for d in doors] == [
        ("DOOR", "h", 200, 244, 50, 59)
    ]
