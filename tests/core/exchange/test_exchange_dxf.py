"""DXF export and import: audit clean, layers per class, meters, entity types, polyface split."""

import ezdxf
import numpy as np
import pytest
import trimesh
from shapes import box_mesh as box

from cad3d.classes import BY_NAME
from cad3d.exchange import dxf_write
from cad3d.exchange.dxf_read import read_dxf_meshes
from cad3d.exchange.dxf_write import build_dxf, polyface_chunks, write_dxf
from cad3d.geometry.meshset import MeshSet, PointCloud


@pytest.fixture
def meshes():
    ms = MeshSet()
    ms.add("WALL", box((0, 0, 0), (5, 0.2, 3)))
    ms.add("WALL", box((0, 0, 0), (0.2, 4, 3)))
    ms.add("WINDOW", box((1, 0.05, 0.9), (2, 0.15, 2.1)))
    ms.add("FLOOR", box((0, 0, -0.02), (5, 4, 0)))
    return ms


TYPES = {"polyface": "POLYLINE", "mesh": "MESH", "3dface": "3DFACE"}


@pytest.mark.parametrize("entity", ["polyface", "mesh", "3dface"])
def test_round_trip_each_entity(meshes, entity, tmp_path):
    path = write_dxf(meshes, tmp_path / "out.dxf", entity=entity)
    doc = ezdxf.readfile(path)
    auditor = doc.audit()
    assert len(auditor.errors) == 0 and len(auditor.fixes) == 0
    assert doc.header["$INSUNITS"] == 6
    types = {e.dxftype() for e in doc.modelspace()}
    assert types == {TYPES[entity]}
    for name in ("WALL", "WINDOW", "FLOOR"):
        layer = doc.layers.get(name)
        assert layer.color == BY_NAME[name].aci
        assert layer.rgb == BY_NAME[name].rgb
    back = read_dxf_meshes(path)
    assert sorted(back.classes) == ["FLOOR", "WALL", "WINDOW"]
    np.testing.assert_allclose(back.bounds, meshes.bounds, atol=1e-9)
    for name, mesh in meshes:
        assert len(back.meshes[name].faces) == len(mesh.faces)
        assert back.meshes[name].area == pytest.approx(mesh.area, rel=1e-9)


def test_points_layer_capped_and_deterministic(meshes):
    pts = np.random.default_rng(0).random((50, 3)).astype(np.float32)
    doc = build_dxf(meshes, points=PointCloud(pts), max_points=20)
    points = doc.modelspace().query('POINT[layer=="POINTS"]')
    assert len(points) == 20
    first, last = points[0].dxf.location, points[-1].dxf.location
    np.testing.assert_allclose(first, pts[0], atol=1e-6)
    np.testing.assert_allclose(last, pts[-1], atol=1e-6)
    assert doc.layers.get("POINTS").color == BY_NAME["POINTS"].aci


def test_polyface_chunks_respect_limits():
    rng = np.random.default_rng(1)
    faces = rng.integers(0, 100_000, size=(60_000, 3))
    parts = list(polyface_chunks(faces))
    assert parts[0].start == 0 and parts[-1].stop == len(faces)
    for a, b in zip(parts[:-1], parts[1:], strict=True):
        assert a.stop == b.start
    for p in parts:
        assert len(np.unique(faces[p])) <= 32767 and p.stop - p.start <= 32767
    assert len(parts) >= 3  # 180k distinct-ish indices cannot fit in two entities


def test_polyface_split_round_trip(monkeypatch, tmp_path):
    """A mesh over the (patched, small) vertex limit becomes several POLYFACEs on one layer."""
    monkeypatch.setattr(dxf_write, "POLYFACE_MAX_VERTICES", 50)
    monkeypatch.setattr(dxf_write, "POLYFACE_MAX_FACES", 60)
    sphere = trimesh.creation.icosphere(subdivisions=2)  # 162 vertices, 320 faces
    ms = MeshSet({"PART": sphere})
    faces = np.asarray(sphere.faces)
    chunks = list(polyface_chunks(faces, 50, 60))
    path = write_dxf(ms, tmp_path / "split.dxf")
    doc = ezdxf.readfile(path)
    assert len(doc.audit().errors) == 0
    polys = doc.modelspace().query("POLYLINE")
    assert len(polys) == len(chunks) >= 6
    assert all(p.dxf.m_count <= 50 and p.dxf.n_count <= 60 for p in polys)
    back = read_dxf_meshes(path).meshes["PART"]
    assert len(back.faces) == 320 and len(back.vertices) == 162  # shared vertices merged again
    assert back.area == pytest.approx(sphere.area, rel=1e-9)


def test_read_converts_units(meshes, tmp_path):
    doc = build_dxf(meshes, entity="mesh")
    doc.header["$INSUNITS"] = 4  # millimetres: every coordinate now means 1/1000 as much
    doc.saveas(tmp_path / "mm.dxf")
    back = read_dxf_meshes(tmp_path / "mm.dxf")
    np.testing.assert_allclose(back.bounds, meshes.bounds / 1000, atol=1e-12)


@pytest.mark.slow
def test_real_vertex_limit_split(tmp_path):
    """11 000 separate triangles: 33 000 vertices, over the real 32 767 POLYFACE limit."""
    rng = np.random.default_rng(3)
    tris = rng.random((11_000, 3, 3))
    soup = trimesh.Trimesh(tris.reshape(-1, 3), np.arange(33_000).reshape(-1, 3), process=False)
    path = write_dxf(MeshSet({"TERRAIN": soup}), tmp_path / "big.dxf")
    doc = ezdxf.readfile(path)
    assert len(doc.audit().errors) == 0
    polys = doc.modelspace().query("POLYLINE")
    assert [p.dxf.m_count for p in polys] == [32_766, 234]
    back = read_dxf_meshes(path).meshes["TERRAIN"]
    assert len(back.faces) == 11_000
    np.testing.assert_allclose(back.bounds, soup.bounds, atol=1e-12)


def test_read_errors(tmp_path):
    from cad3d.errors import CorruptInput, InputNotFound

    with pytest.raises(InputNotFound):
        read_dxf_meshes(tmp_path / "missing.dxf")
    bad = tmp_path / "bad.dxf"
    bad.write_bytes(b"\x00\x01 not a dxf")
    with pytest.raises(CorruptInput):
        read_dxf_meshes(bad)


def test_unknown_class_gets_grey_layer():
    doc = build_dxf(MeshSet({"SCAFFOLD": box((0, 0, 0), (1, 1, 1))}))
    assert doc.layers.get("SCAFFOLD").rgb == (128, 128, 128)


def test_streamed_file_equals_in_memory_document(meshes, tmp_path):
    """write_dxf splices VERTEX/POINT text itself: it must read back as build_dxf's entities."""
    pts = PointCloud(np.random.default_rng(4).random((30, 3)).astype(np.float32))
    streamed = write_dxf(meshes, tmp_path / "s.dxf", points=pts)
    build_dxf(meshes, points=pts).saveas(tmp_path / "m.dxf")
    a, b = ezdxf.readfile(streamed), ezdxf.readfile(tmp_path / "m.dxf")
    assert len(a.audit().errors) == 0 and len(a.audit().fixes) == 0
    for q in ("POLYLINE", "POINT"):
        ea, eb = a.modelspace().query(q), b.modelspace().query(q)
        assert len(ea) == len(eb) > 0
    for pa, pb in zip(
        a.modelspace().query("POLYLINE"), b.modelspace().query("POLYLINE"), strict=True
    ):
        va = [tuple(v.dxf.location) for v in pa.vertices]
        vb = [tuple(v.dxf.location) for v in pb.vertices]
        assert va == vb and pa.dxf.layer == pb.dxf.layer
        ia = [(v.dxf.get("vtx0"), v.dxf.get("vtx1"), v.dxf.get("vtx2")) for v in pa.vertices]
        ib = [(v.dxf.get("vtx0"), v.dxf.get("vtx1"), v.dxf.get("vtx2")) for v in pb.vertices]
        assert ia == ib
    got = [tuple(p.dxf.location) for p in a.modelspace().query("POINT")]
    np.testing.assert_allclose(got, pts.points, atol=1e-6)
    handles = [e.dxf.handle for e in a.entitydb.values()]
    assert len(handles) == len(set(handles))
    assert int(a.header["$HANDSEED"], 16) > max(int(h, 16) for h in handles)


def test_streamed_3dfaces_equal_in_memory(meshes, tmp_path):
    write_dxf(meshes, tmp_path / "s.dxf", entity="3dface")
    build_dxf(meshes, entity="3dface").saveas(tmp_path / "m.dxf")
    a, b = ezdxf.readfile(tmp_path / "s.dxf"), ezdxf.readfile(tmp_path / "m.dxf")
    assert len(a.audit().errors) == 0
    fa = [(f.dxf.layer, *(tuple(f.dxf.get(f"vtx{k}")) for k in range(4))) for f in a.modelspace()]
    fb = [(f.dxf.layer, *(tuple(f.dxf.get(f"vtx{k}")) for k in range(4))) for f in b.modelspace()]
    assert sorted(fa) == sorted(fb) and len(fa) == meshes.face_count()
