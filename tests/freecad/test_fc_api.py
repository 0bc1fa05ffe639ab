"""Macro API transactions, Init.py's registrations, the sys.path rule, drawing import."""

from __future__ import annotations

from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


def test_undo_removes_the_whole_conversion(doc, make_sketch):
    import freecad_cad3d

    sk = make_sketch(doc)
    names = {o.Name for o in doc.Objects}
    undo0 = doc.UndoCount
    group = freecad_cad3d.convert(sk, method="extrude")
    assert len(group.Group) >= 3
    assert doc.UndoCount == undo0 + 1  # one step for the whole conversion
    doc.undo()
    assert {o.Name for o in doc.Objects} == names


def test_failing_build_leaves_document_unchanged(doc, make_sketch, monkeypatch):
    import freecad_cad3d
    from freecad_cad3d import objects

    sk = make_sketch(doc)
    names = {o.Name for o in doc.Objects}
    real = objects.fc_mesh
    calls = []

    def flaky(v, f):  # the second class fails after the group and a mesh exist
        calls.append(1)
        if len(calls) == 2:
            raise RuntimeError("boom")
        return real(v, f)

    monkeypatch.setattr(objects, "fc_mesh", flaky)
    with pytest.raises(RuntimeError, match="boom"):
        freecad_cad3d.convert(sk, method="extrude")
    assert {o.Name for o in doc.Objects} == names


def test_failing_build_without_undo_still_cleans_up(doc, room_conversion, monkeypatch):
    import freecad_cad3d
    from freecad_cad3d import objects

    doc.UndoMode = 0
    monkeypatch.setattr(objects, "plan_solids", lambda plan: 1 / 0)
    monkeypatch.setattr(objects, "add_points", lambda d, c: 1 / 0)
    with pytest.raises(ZeroDivisionError):
        freecad_cad3d.add_conversion(doc, room_conversion, "room")
    assert doc.Objects == []


def test_bad_input_raises_user_error_and_adds_nothing(doc, tmp_path):
    import freecad_cad3d
    from cad3d.errors import Cad3dError

    with pytest.raises(Cad3dError):
        freecad_cad3d.convert(str(tmp_path / "missing.png"), method="extrude", scale=0.01, doc=doc)
    with pytest.raises(Cad3dError):
        freecad_cad3d.convert("x.png", method="nonsense", doc=doc)
    assert doc.Objects == []


def test_init_py_registers_import_types_and_paths(monkeypatch):
    import sys

    import FreeCAD as App

    monkeypatch.setattr(sys, "path", list(sys.path))
    exec(compile((REPO / "Init.py").read_text(), "Init.py", "exec"), {})
    assert str(REPO / "core") in sys.path
    assert "freecad_cad3d.drawing_import" in App.getImportType("png")
    assert "freecad_cad3d.drawing_import" in App.getImportType("pdf")
    assert "freecad_cad3d.dxf_import" in App.getImportType("dxf")


def test_venv_site_packages_goes_before_dist_packages(tmp_path):
    import sys

    from freecad_cad3d.paths import core_dir, setup_sys_path

    ver = f"python{sys.version_info.major}.{sys.version_info.minor}"
    site = tmp_path / "venv" / "lib" / ver / "site-packages"
    site.mkdir(parents=True)
    path = ["/usr/share/freecad/Mod/X", "/usr/lib/python3/dist-packages", "/other"]
    added = setup_sys_path(path, venv=tmp_path / "venv")
    assert path == [str(core_dir()), "/usr/share/freecad/Mod/X", str(site), *path[3:]]
    assert added == [str(core_dir()), str(site)]
    assert setup_sys_path(path, venv=tmp_path / "venv") == [str(site)] and len(path) == 5
    other = ["/usr/lib/python3/dist-packages"]
    setup_sys_path(other, venv=tmp_path / "nothing")  # no venv: only core/ is added
    assert other == [str(core_dir()), "/usr/lib/python3/dist-packages"]


def test_drawing_import_insert_converts_into_document(doc, tmp_path, monkeypatch, room_conversion):
    import cv2
    import numpy as np

    from freecad_cad3d import drawing_import, run

    img = np.full((400, 600), 255, np.uint8)
    cv2.rectangle(img, (0, 0), (599, 399), 0, 20)
    (tmp_path / "plan.json").write_text('{"scale": 0.01}')  # the sidecar carries the scale
    cv2.imwrite(str(tmp_path / "plan.png"), img)
    monkeypatch.setattr(run, "compute", lambda d, m, s, progress=None: room_conversion)
    group = drawing_import.insert(str(tmp_path / "plan.png"), doc.Name)
    assert group.Document is doc and group.Label == "plan 3D"
    assert doc.getObjectsByLabel("WALL")
