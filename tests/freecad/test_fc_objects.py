"""build_group: native objects per class, mm, properties, exact wall solid, points, placement."""

from __future__ import annotations

import numpy as np
import pytest


def _bounds(fc_mesh) -> np.ndarray:
    bb = fc_mesh.BoundBox
    return np.array([[bb.XMin, bb.YMin, bb.ZMin], [bb.XMax, bb.YMax, bb.ZMax]])


def test_group_has_one_mesh_per_class_in_mm(doc, room_conversion):
    from freecad_cad3d.objects import build_group

    group = build_group(doc, room_conversion, "room")
    meshes = [o for o in group.Group if o.TypeId == "Mesh::Feature"]
    assert sorted(o.Label for o in meshes) == sorted(room_conversion.meshes.classes)
    for obj in meshes:
        tri = room_conversion.meshes.meshes[obj.Label]
        assert obj.Mesh.CountFacets == len(tri.faces)
        np.testing.assert_allclose(_bounds(obj.Mesh), tri.bounds * 1000.0, rtol=1e-6, atol=1e-9)
        assert obj.CAD3D_Class == obj.Label
        assert obj.CAD3D_Method == "extrude"
        assert obj.CAD3D_Seconds == pytest.approx(0.75)
        assert obj.getGroupOfProperty("CAD3D_Method") == "CAD3D"
    assert group.Label == "room"


def test_wall_solid_is_valid_with_exact_volume(doc, room_conversion, room_plan):
    from freecad_cad3d.objects import build_group

    _, volume = room_plan
    group = build_group(doc, room_conversion, "room")
    solids = [o for o in group.Group if o.TypeId == "Part::Feature"]
    assert [o.Label for o in solids] == ["WALL_solid"]
    shape = solids[0].Shape
    assert shape.isValid() and len(shape.Solids) == 1
    assert shape.Volume == pytest.approx(volume * 1e9, rel=1e-9)  # mm^3
    # the mesh agrees with the solid: same volume from the engine's booleans
    wall_mesh = room_conversion.meshes.meshes["WALL"]
    assert wall_mesh.volume * 1e9 == pytest.approx(shape.Volume, rel=1e-6)
    assert doc.getObjectsByLabel("WALL")[0].Visibility is False  # the solid is what is shown


def test_points_feature_has_per_point_colours(doc, room_conversion):
    from freecad_cad3d.objects import build_group

    group = build_group(doc, room_conversion, "room")
    (pts,) = [o for o in group.Group if o.TypeId == "Points::FeatureCustom"]
    assert pts.Points.CountPoints == 100
    assert len(pts.Color) == 100
    assert pts.Color[0][:3] == pytest.approx((200 / 255,) * 3)  # WALL grey
    assert pts.Color[99][:3] == pytest.approx((225 / 255, 215 / 255, 190 / 255))  # FLOOR
    bb = pts.Points.BoundBox
    assert bb.XMax <= 6000.0 and bb.XMax > 5000.0  # mm


def test_placement_moves_every_object(doc, room_conversion):
    import FreeCAD as App

    from freecad_cad3d.objects import build_group

    pl = App.Placement(App.Vector(1000, 2000, 500), App.Rotation(App.Vector(0, 0, 1), 90))
    group = build_group(doc, room_conversion, "room", placement=pl)
    wall = doc.getObjectsByLabel("WALL")[0]
    # x in [0, 6000] rotated by 90 deg about z -> y in [2000, 8000]; y [0, 4000] -> x [-3000, 1000]
    np.testing.assert_allclose(
        _bounds(wall.Mesh), [[-3000, 2000, 500], [1000, 8000, 3500]], atol=1e-6
    )
    solid = doc.getObjectsByLabel("WALL_solid")[0]
    assert solid.Shape.BoundBox.ZMin == pytest.approx(500.0)
    assert all(o.Placement.toMatrix() == pl.toMatrix() for o in group.Group)


def test_large_mesh_goes_through_stl_with_same_extents():
    import trimesh

    from freecad_cad3d.objects import STL_ABOVE, fc_mesh

    sphere = trimesh.creation.icosphere(subdivisions=6)  # 81920 faces
    sphere.vertices = sphere.vertices * 5.0 + [120.0, 80.0, 2.5]  # meters, far from the origin
    assert len(sphere.faces) > STL_ABOVE
    mesh = fc_mesh(sphere.vertices, sphere.faces)
    assert mesh.CountFacets == len(sphere.faces)
    assert mesh.CountPoints == len(sphere.vertices)
    np.testing.assert_allclose(_bounds(mesh), sphere.bounds * 1000.0, rtol=1e-6)
    assert mesh.isSolid() and not mesh.hasNonManifolds()


def test_prebuilt_or_no_solids(doc, room_conversion):
    from freecad_cad3d.objects import build_group
    from freecad_cad3d.solids import plan_solids

    shapes = plan_solids(room_conversion.plan)  # e.g. built off the GUI thread
    g1 = build_group(doc, room_conversion, "a", solids=shapes)
    assert [o.Label for o in g1.Group if o.TypeId == "Part::Feature"] == ["WALL_solid"]
    g2 = build_group(doc, room_conversion, "b", solids=False)
    assert not [o for o in g2.Group if o.TypeId == "Part::Feature"]


def test_pinched_footprint_gives_a_valid_solid(doc):
    from shapely.geometry import Polygon

    from cad3d.plan import Plan, Solid
    from freecad_cad3d.solids import plan_solids

    # two squares touching at one vertex, as one ring (as traced raster outlines can be)
    bow = Polygon([(0, 0), (1, 0), (1, 1), (2, 1), (2, 2), (1, 2), (1, 1), (0, 1)])
    shapes = plan_solids(Plan("floorplan", (2, 2), solids=[Solid("WALL", bow, 0, 3)]))
    assert shapes["WALL"].isValid()
    assert shapes["WALL"].Volume == pytest.approx(2 * 3 * 1e9, rel=1e-9)
