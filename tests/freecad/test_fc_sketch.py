"""A Sketch (two nested rectangles) to an exact plan, and converted standing on the sketch."""

from __future__ import annotations

import numpy as np
import pytest

WALL_AREA_M2 = 6 * 4 - 5.6 * 3.6  # 6 x 4 m outside, 0.2 m walls


def test_sketch_gives_exact_plan_and_raster(doc, make_sketch):
    from freecad_cad3d.sources import RASTER_PX, drawing_from_sketch

    sk = make_sketch(doc)
    drawing, placement = drawing_from_sketch(sk)
    assert drawing.kind == "floorplan"
    assert max(drawing.image.shape) == RASTER_PX
    assert drawing.scale == pytest.approx(6.0 / (RASTER_PX - 60))
    (wall,) = drawing.vectors.solids
    assert wall.cls == "WALL" and wall.z1 == pytest.approx(3.0)
    assert wall.footprint.area == pytest.approx(WALL_AREA_M2, rel=1e-9)
    assert len(drawing.notes["edges"]) == 8
    # the raster has ink where the outer left edge is: x = 0 mm -> the margin column
    col = int(round(placement.Base.x * -1e-3 / drawing.scale))
    assert col == 30 and drawing.image[:, col].min() < 128
    # the drawing's edges in meters land back on the sketch through the placement
    e = drawing.notes["edges"][0] * 1000.0
    p = placement.multVec(__import__("FreeCAD").Vector(e[0, 0], e[0, 1], 0))
    assert (p.x, p.y, p.z) == pytest.approx((0.0, 0.0, 0.0), abs=1e-6)


def test_small_sketch_is_a_part_with_a_hole(doc, make_sketch):
    from freecad_cad3d.sources import drawing_from_sketch

    sk = make_sketch(doc, outer=(100.0, 60.0), wall=20.0)  # 100 x 60 mm plate, 60 x 20 mm slot
    drawing, _ = drawing_from_sketch(sk)
    assert drawing.kind == "part"
    (plate,) = drawing.vectors.solids
    (hole,) = drawing.vectors.cuts
    assert plate.footprint.area == pytest.approx(0.1 * 0.06)
    assert (hole.cls, hole.host) == ("HOLE", "PART")
    assert hole.footprint.area == pytest.approx(0.06 * 0.02)


def test_convert_sketch_stands_on_rotated_raised_sketch(doc, make_sketch):
    import FreeCAD as App

    import freecad_cad3d

    pl = App.Placement(App.Vector(1000, -500, 500), App.Rotation(App.Vector(0, 0, 1), 30))
    sk = make_sketch(doc, placement=pl)
    group = freecad_cad3d.convert(sk, method="extrude")
    assert group in doc.Objects and group.TypeId == "App::DocumentObjectGroup"
    labels = {o.Label for o in group.Group}
    assert {"WALL", "FLOOR", "WALL_solid"} <= labels
    wall = doc.getObjectsByLabel("WALL")[0]
    sbb, wbb = sk.Shape.BoundBox, wall.Mesh.BoundBox
    got = [wbb.XMin, wbb.XMax, wbb.YMin, wbb.YMax, wbb.ZMin, wbb.ZMax]
    want = [sbb.XMin, sbb.XMax, sbb.YMin, sbb.YMax, 500.0, 3500.0]
    np.testing.assert_allclose(got, want, atol=1e-3)
    solid = doc.getObjectsByLabel("WALL_solid")[0].Shape
    assert solid.isValid()
    assert solid.Volume == pytest.approx(WALL_AREA_M2 * 3.0 * 1e9, rel=1e-9)
    assert wall.CAD3D_Method == "extrude"


def test_unavailable_method_falls_back_with_warning(monkeypatch):
    from cad3d.converters import registry
    from freecad_cad3d.run import resolve_method

    monkeypatch.setattr(registry, "_FACTORIES", {"extrude": registry._extrude})
    method, warning = resolve_method("hybrid")
    assert method == "extrude" and "hybrid" in warning
    assert resolve_method("extrude") == ("extrude", None)


def test_selected_shapes_list_converts_in_global_frame(doc):
    import FreeCAD as App
    import Part

    import freecad_cad3d

    V = App.Vector
    objs = []
    for x0, y0, x1, y1 in ((0, 0, 6000, 4000), (200, 200, 5800, 3800)):
        wire = Part.makePolygon(
            [V(x0, y0, 0), V(x1, y0, 0), V(x1, y1, 0), V(x0, y1, 0), V(x0, y0, 0)]
        )
        obj = doc.addObject("Part::Feature", "Wire")
        obj.Shape = wire
        obj.Placement = App.Placement(V(5000, 0, 0), App.Rotation())  # Shape.Edges are global
        objs.append(obj)
    doc.recompute()
    group = freecad_cad3d.convert(objs, method="extrude")
    bb = doc.getObjectsByLabel("WALL_solid")[0].Shape.BoundBox
    assert (bb.XMin, bb.XMax, bb.YMax, bb.ZMax) == pytest.approx((5000, 11000, 4000, 3000))
    assert group.Label == "Wire 3D"


def test_open_symbols_do_not_stop_the_exact_plan(doc, make_sketch):
    import FreeCAD as App
    import Part

    from freecad_cad3d.sources import drawing_from_sketch

    sk = make_sketch(doc)
    # a door swing (open arc) touching the inner wall face, and a loose furniture line
    arc = Part.ArcOfCircle(
        Part.Circle(App.Vector(1000, 200, 0), App.Vector(0, 0, 1), 800), 0, 1.5708
    )
    sk.addGeometry(arc, False)
    sk.addGeometry(Part.LineSegment(App.Vector(3000, 2000, 0), App.Vector(4000, 2000, 0)), False)
    doc.recompute()
    drawing, _ = drawing_from_sketch(sk)
    assert drawing.vectors is not None
    assert drawing.vectors.solids[0].footprint.area == pytest.approx(WALL_AREA_M2, rel=1e-9)
    assert len(drawing.notes["edges"]) == 10  # the symbols stay in the raster and the edges


def test_mostly_open_sketch_goes_as_raster(doc):
    import FreeCAD as App
    import Part

    from freecad_cad3d.sources import drawing_from_sketch

    sk = doc.addObject("Sketcher::SketchObject", "Lines")
    for y in (0, 1000, 2000):
        sk.addGeometry(Part.LineSegment(App.Vector(0, y, 0), App.Vector(5000, y, 0)), False)
    doc.recompute()
    drawing, _ = drawing_from_sketch(sk)
    assert drawing.vectors is None and drawing.kind is None
    assert drawing.image.shape[1] == 1500 and drawing.image.min() == 0


@pytest.mark.parametrize(
    "axis, angle", [((0, 0, 1), 30.0), ((1, 0, 0), 90.0), ((1, 1, 0.5), 47.0)], ids=str
)
def test_result_in_sketch_frame_is_the_local_model(doc, make_sketch, axis, angle):
    """Whatever the sketch's placement, the walls seen from the sketch are 6 x 4 x 3 m on it."""
    import FreeCAD as App

    import freecad_cad3d

    pl = App.Placement(App.Vector(300, -200, 500), App.Rotation(App.Vector(*axis), angle))
    sk = make_sketch(doc, placement=pl)
    freecad_cad3d.convert(sk, method="extrude")
    wall = doc.getObjectsByLabel("WALL")[0]
    inv = sk.Placement.inverse()
    local = np.array([tuple(inv.multVec(p)) for p in wall.Mesh.Topology[0]])
    np.testing.assert_allclose(local.min(0), [0, 0, 0], atol=1e-6)
    np.testing.assert_allclose(local.max(0), [6000, 4000, 3000], atol=1e-6)
