"""OBJ/STL/PLY/GLB through `save`: re-opened by trimesh with the same bounds and faces."""

import numpy as np
import pytest
import trimesh
from shapes import box_mesh as box

from cad3d.classes import BY_NAME
from cad3d.converters.base import Conversion
from cad3d.errors import DependencyMissing, OutputError, UsageError
from cad3d.exchange import registry
from cad3d.exchange.meshfiles import read_glb
from cad3d.exchange.registry import save
from cad3d.geometry.meshset import MeshSet, PointCloud


@pytest.fixture
def meshes():
    ms = MeshSet()
    ms.add("WALL", box((0, 0, 0), (6, 0.2, 3)))
    ms.add("DOOR", box((1, 0.05, 0), (2, 0.15, 2.1)))
    ms.add("FLOOR", box((0, 0, -0.02), (6, 5, 0)))
    return ms


def test_obj_objects_and_materials(meshes, tmp_path):
    path = save(meshes, tmp_path / "m.OBJ")  # extension case does not matter
    assert path.exists() and (tmp_path / "m.mtl").exists()
    scene = trimesh.load(path, force="scene", process=False)
    assert sorted(scene.geometry) == ["DOOR", "FLOOR", "WALL"]
    for name, mesh in meshes:
        got = scene.geometry[name]
        assert len(got.faces) == len(mesh.faces)
        np.testing.assert_allclose(got.bounds, mesh.bounds, atol=1e-6)
        kd = np.asarray(got.visual.material.diffuse[:3], dtype=float)
        np.testing.assert_allclose(kd, BY_NAME[name].rgb, atol=1.0)
    mtl = (tmp_path / "m.mtl").read_text()
    assert mtl.count("newmtl") == 3


def test_stl_merged(meshes, tmp_path):
    path = save(meshes, tmp_path / "m.stl")
    assert path.read_bytes()[:5] != b"solid"  # binary
    got = trimesh.load(path, process=False)
    assert len(got.faces) == meshes.face_count() == 36
    np.testing.assert_allclose(got.bounds, meshes.bounds, atol=1e-6)


def test_ply_vertex_colours(meshes, tmp_path):
    path = save(meshes, tmp_path / "m.ply")
    got = trimesh.load(path, process=False)
    assert len(got.faces) == 36
    np.testing.assert_allclose(got.bounds, meshes.bounds, atol=1e-6)
    colours = {tuple(c[:3]) for c in got.visual.vertex_colors}
    assert colours == {BY_NAME[n].rgb for n in ("WALL", "DOOR", "FLOOR")}


def test_glb_nodes_named_by_class(meshes, tmp_path):
    path = save(Conversion(meshes=meshes, domain="floorplan", method="extrude"), tmp_path / "m.glb")
    scene = trimesh.load(path, force="scene", process=False)
    assert sorted(scene.graph.nodes_geometry) == ["DOOR", "FLOOR", "WALL"]
    wall = scene.geometry["WALL"]
    assert tuple(wall.visual.material.baseColorFactor[:3]) == BY_NAME["WALL"].rgb
    # glTF is y-up: the 3 m wall height is along +y in the viewer's frame
    lo, hi = scene.bounds
    assert hi[1] - lo[1] == pytest.approx(3.02)
    back = read_glb(path)
    for name, mesh in meshes:
        assert len(back.meshes[name].faces) == len(mesh.faces)
        np.testing.assert_allclose(back.meshes[name].bounds, mesh.bounds, atol=1e-6)


def test_dxf_through_save_with_points(meshes, tmp_path):
    pts = PointCloud(np.zeros((10, 3), np.float32))
    conv = Conversion(meshes=meshes, domain="floorplan", method="extrude", points=pts)
    import ezdxf

    doc = ezdxf.readfile(save(conv, tmp_path / "m.Dxf", dxf_entity="mesh"))
    assert len(doc.modelspace().query("POINT")) == 10
    doc = ezdxf.readfile(save(conv, tmp_path / "n.dxf", points=False))
    assert len(doc.modelspace().query("POINT")) == 0


def test_unknown_extension_lists_known(meshes, tmp_path):
    with pytest.raises(OutputError, match=r"\.dxf .*\.glb"):
        save(meshes, tmp_path / "m.xyz")
    with pytest.raises(UsageError):
        save(meshes, tmp_path / "m.dxf", dxf_entity="spline")
    assert not list(tmp_path.iterdir())


def test_no_overwrite_and_missing_folder(meshes, tmp_path):
    save(meshes, tmp_path / "m.stl")
    with pytest.raises(OutputError, match="exists"):
        save(meshes, tmp_path / "m.stl", overwrite=False)
    with pytest.raises(OutputError, match="does not exist"):
        save(meshes, tmp_path / "nope" / "m.stl")


def test_fcstd_without_plugin(meshes, tmp_path, monkeypatch):
    monkeypatch.setattr(registry, "entry_points", lambda group: [])
    with pytest.raises(DependencyMissing, match="FreeCAD"):
        save(meshes, tmp_path / "m.FCStd")


def test_fcstd_plugin_called(meshes, tmp_path, monkeypatch):
    calls = []

    class EP:
        name = "fcstd"

        def load(self):
            return lambda result, path: calls.append((result.method, path))

    monkeypatch.setattr(registry, "entry_points", lambda group: [EP()])
    conv = Conversion(meshes=meshes, domain="floorplan", method="hybrid")
    assert save(conv, tmp_path / "m.FCStd") == tmp_path / "m.FCStd"
    assert calls == [("hybrid", tmp_path / "m.FCStd")]
