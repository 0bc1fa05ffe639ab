"""Image files and Image planes: scale, placement, and the group made from them."""

from __future__ import annotations

import importlib.util

import numpy as np
import pytest

SCALE = 0.01  # m/px: the 600 x 400 px image is a 6 x 4 m room


@pytest.fixture
def plan_png(tmp_path):
    """A filled-wall rectangle room (20 px = 0.2 m walls) drawn with cv2."""
    import cv2

    img = np.full((400, 600), 255, np.uint8)
    cv2.rectangle(img, (0, 0), (599, 399), 0, thickness=-1)
    cv2.rectangle(img, (20, 20), (579, 379), 255, thickness=-1)
    path = tmp_path / "room.png"
    cv2.imwrite(str(path), img)
    return path


@pytest.fixture
def fake_compute(monkeypatch, room_conversion):
    """run.compute returning the hand-made room conversion; records the drawing it got."""
    from freecad_cad3d import run

    seen = []

    def compute(drawing, method, steps, progress=None):
        seen.append(drawing)
        return room_conversion

    monkeypatch.setattr(run, "compute", compute)
    return seen


def test_drawing_from_file_keeps_scale(plan_png):
    from freecad_cad3d.sources import drawing_from_file

    drawing, placement = drawing_from_file(plan_png, SCALE)
    assert drawing.image.shape == (400, 600)
    assert drawing.extent == pytest.approx((6.0, 4.0))
    assert placement.isIdentity()


def test_convert_image_file_creates_group(doc, plan_png, fake_compute):
    import freecad_cad3d

    group = freecad_cad3d.convert(str(plan_png), method="extrude", scale=SCALE, doc=doc)
    assert group.Label == "room 3D" and group.Document is doc
    assert fake_compute[0].scale == SCALE
    wall = doc.getObjectsByLabel("WALL")[0]
    bb = wall.Mesh.BoundBox
    assert (bb.XMax, bb.YMax, bb.ZMax) == pytest.approx((6000.0, 4000.0, 3000.0))


def test_image_plane_scale_and_placement(doc, plan_png, fake_compute):
    import FreeCAD as App

    import freecad_cad3d

    plane = doc.addObject("Image::ImagePlane", "ImagePlane")
    plane.ImageFile = str(plan_png)
    plane.XSize, plane.YSize = 6000.0, 4000.0
    plane.Placement = App.Placement(App.Vector(100, 200, 300), App.Rotation())
    group = freecad_cad3d.convert(plane, method="extrude")
    assert fake_compute[0].scale == pytest.approx(SCALE)
    assert fake_compute[0].source == "ImagePlane"
    bb = doc.getObjectsByLabel("WALL")[0].Mesh.BoundBox
    # the plane shows the image centred on its placement
    got = [bb.XMin, bb.XMax, bb.YMin, bb.YMax, bb.ZMin, bb.ZMax]
    np.testing.assert_allclose(got, [-2900, 3100, -1800, 2200, 300, 3300], atol=1e-6)
    assert group.Label == "ImagePlane 3D"


def test_image_plane_non_square_pixels_resampled(doc, plan_png):
    from freecad_cad3d.sources import drawing_from_image_plane

    plane = doc.addObject("Image::ImagePlane", "ImagePlane")
    plane.ImageFile = str(plan_png)
    plane.XSize, plane.YSize = 6000.0, 2000.0  # squashed to half height
    drawing, _ = drawing_from_image_plane(plane)
    assert drawing.image.shape == (200, 600)
    assert drawing.extent == pytest.approx((6.0, 2.0))


@pytest.mark.skipif(
    importlib.util.find_spec("cad3d.geometry.vectorize.floorplan") is None,
    reason="the floor-plan vectoriser has not landed yet",
)
def test_convert_image_end_to_end(doc, plan_png):
    import freecad_cad3d

    group = freecad_cad3d.convert(
        str(plan_png), method="extrude", scale=SCALE, doc=doc, kind="floorplan"
    )
    wall = doc.getObjectsByLabel("WALL")[0]
    bb = wall.Mesh.BoundBox
    assert bb.XLength == pytest.approx(6000.0, abs=30) and bb.ZMax == pytest.approx(3000.0)
    assert wall in group.Group


@pytest.mark.skipif(
    importlib.util.find_spec("cad3d.data.floorplan") is None
    or importlib.util.find_spec("cad3d.geometry.vectorize.floorplan") is None,
    reason="the floor-plan generator or vectoriser has not landed yet",
)
def test_generated_floorplan_mm_equals_engine_meters(doc, tmp_path, monkeypatch):
    import cv2

    import freecad_cad3d
    from cad3d.data.floorplan import generate_floorplan
    from freecad_cad3d import run

    image, scale, truth = generate_floorplan(3, style="filled")
    cv2.imwrite(str(tmp_path / "gen.png"), image)
    got = []
    real = run.compute
    monkeypatch.setattr(run, "compute", lambda *a, **k: got.append(real(*a, **k)) or got[-1])
    group = freecad_cad3d.convert(str(tmp_path / "gen.png"), method="extrude", scale=scale, doc=doc)
    engine = got[0].meshes.meshes["WALL"]
    wall = [o for o in group.Group if o.Label == "WALL"][0]
    bb = wall.Mesh.BoundBox
    fc = np.array([[bb.XMin, bb.YMin, bb.ZMin], [bb.XMax, bb.YMax, bb.ZMax]])
    np.testing.assert_allclose(fc, engine.bounds * 1000.0, rtol=1e-6, atol=1e-6)
    tx0, ty0, tx1, ty1 = [s.footprint for s in truth.solids if s.cls == "WALL"][0].bounds
    # and the walls stand where the generator drew them (the vectoriser's accuracy: a few px)
    np.testing.assert_allclose(fc[:, :2] / 1000.0, [[tx0, ty0], [tx1, ty1]], atol=4 * scale)
