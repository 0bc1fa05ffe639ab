"""DXF out (meters) and back in (mm), .FCStd written and re-opened."""

from __future__ import annotations

import numpy as np
import pytest


def _dxf_extents(path) -> dict[str, np.ndarray]:
    """Per-layer (2, 3) bounds of every POLYFACE vertex, read with ezdxf directly."""
    import ezdxf

    doc = ezdxf.readfile(path)
    assert doc.header["$INSUNITS"] == 6
    pts: dict[str, list] = {}
    for e in doc.modelspace().query("POLYLINE"):
        pts.setdefault(e.dxf.layer, []).extend(
            tuple(v.dxf.location) for v in e.vertices if v.is_poly_face_mesh_vertex
        )
    return {k: np.array([np.min(v, 0), np.max(v, 0)]) for k, v in pts.items()}


def test_export_dxf_meters_with_placement(doc, room_conversion, tmp_path):
    import FreeCAD as App

    import freecad_cad3d
    from freecad_cad3d.objects import build_group

    pl = App.Placement(App.Vector(1000, 2000, 500), App.Rotation())
    group = build_group(doc, room_conversion, "room", placement=pl)
    out = freecad_cad3d.export_dxf(group, tmp_path / "room.dxf")
    ext = _dxf_extents(out)
    assert {"WALL", "FLOOR"} <= set(ext)
    want = room_conversion.meshes.meshes["WALL"].bounds + [1.0, 2.0, 0.5]
    np.testing.assert_allclose(ext["WALL"], want, atol=1e-9)
    import ezdxf

    pts = ezdxf.readfile(out).modelspace().query("POINT")
    assert len(pts) == 100 and {p.dxf.layer for p in pts} == {"POINTS"}
    # the same extents x 1000 as the FreeCAD object
    bb = doc.getObjectsByLabel("WALL")[0].Mesh.BoundBox
    np.testing.assert_allclose(ext["WALL"][1] * 1000, [bb.XMax, bb.YMax, bb.ZMax], rtol=1e-9)


def test_dxf_import_one_mesh_per_layer_in_mm(doc, room_conversion, tmp_path):
    from cad3d.exchange.registry import save
    from freecad_cad3d import dxf_import

    path = save(room_conversion, tmp_path / "in.dxf", points=False)
    group = dxf_import.insert(str(path), doc.Name)
    labels = sorted(o.Label for o in group.Group)
    assert labels == sorted(room_conversion.meshes.classes)
    wall = doc.getObjectsByLabel("WALL")[0]
    tri = room_conversion.meshes.meshes["WALL"]
    assert wall.Mesh.CountFacets == len(tri.faces)
    bb = wall.Mesh.BoundBox
    np.testing.assert_allclose(
        [bb.XMin, bb.YMin, bb.ZMin, bb.XMax, bb.YMax, bb.ZMax], tri.bounds.ravel() * 1000, atol=1e-6
    )
    assert wall.Mesh.Volume == pytest.approx(tri.volume * 1e9, rel=1e-6)


def test_dxf_import_honours_insunits_mm(doc, tmp_path):
    import ezdxf

    from freecad_cad3d import dxf_import

    d = ezdxf.new()
    d.header["$INSUNITS"] = 4  # millimetres
    d.modelspace().add_3dface([(0, 0, 0), (250, 0, 0), (0, 100, 40)], dxfattribs={"layer": "PART"})
    d.saveas(tmp_path / "mm.dxf")
    dxf_import.insert(str(tmp_path / "mm.dxf"), doc.Name)
    bb = doc.getObjectsByLabel("PART")[0].Mesh.BoundBox
    assert (bb.XMax, bb.YMax, bb.ZMax) == pytest.approx((250.0, 100.0, 40.0))


def test_fcstd_written_and_reopened(room_conversion, tmp_path):
    import FreeCAD as App

    from freecad_cad3d.fcstd import write

    before = set(App.listDocuments())
    path = write(room_conversion, tmp_path / "room.FCStd")
    assert set(App.listDocuments()) == before  # the hidden document was closed
    assert path.is_file() and not [p for p in tmp_path.iterdir() if p.name.startswith(".")]
    doc = App.openDocument(str(path))
    try:
        labels = sorted(o.Label for o in doc.Objects)
        assert labels == sorted(["room", "WALL", "FLOOR", "POINTS", "WALL_solid"])
        wall = doc.getObjectsByLabel("WALL")[0]
        assert wall.CAD3D_Method == "extrude"
        np.testing.assert_allclose(wall.Mesh.BoundBox.XMax, 6000.0)
        assert doc.getObjectsByLabel("WALL_solid")[0].Shape.isValid()
    finally:
        App.closeDocument(doc.Name)


def test_fcstd_missing_folder_is_output_error(room_conversion, tmp_path):
    from cad3d.errors import OutputError
    from freecad_cad3d.fcstd import write

    with pytest.raises(OutputError):
        write(room_conversion, tmp_path / "nope" / "room.FCStd")
