"""The real host: the addon in a Mod folder, `freecadcmd` runs its Init.py, a Sketch is converted.

FREECAD_USER_HOME points FreeCAD at a throw-away user folder holding Mod/CAD3D (a link to this
repo) and cad3d/venv (a link to the running venv), as CAD3D_InstallEngine would leave it.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]

SCRIPT = """
import json, sys, traceback
out = {"ok": False}
try:
    import FreeCAD as App, Part
    out["png"], out["dxf"] = App.getImportType("png"), App.getImportType("dxf")
    venv = [i for i, p in enumerate(sys.path) if p.startswith(App.getUserAppDataDir() + "cad3d")]
    dist = [i for i, p in enumerate(sys.path) if p.endswith("dist-packages")]
    out["venv_first"] = bool(venv) and venv[0] < dist[0]
    import freecad_cad3d
    doc = App.newDocument("t")
    sk = doc.addObject("Sketcher::SketchObject", "Sketch")
    V = App.Vector
    for x0, y0, x1, y1 in ((0, 0, 6000, 4000), (200, 200, 5800, 3800)):
        c = [(x0, y0), (x1, y0), (x1, y1), (x0, y1)]
        for a, b in zip(c, c[1:] + c[:1]):
            sk.addGeometry(Part.LineSegment(V(*a, 0), V(*b, 0)), False)
    doc.recompute()
    g = freecad_cad3d.convert(sk, method="extrude")
    solid = doc.getObjectsByLabel("WALL_solid")[0].Shape
    out.update(ok=True, labels=sorted(o.Label for o in g.Group), volume=solid.Volume,
               numpy=__import__("numpy").__file__, cad3d=__import__("cad3d").__file__)
except Exception:
    out["error"] = traceback.format_exc()
json.dump(out, open(VERDICT, "w"))
"""


@pytest.mark.skipif(shutil.which("freecadcmd") is None, reason="freecadcmd not installed")
@pytest.mark.skipif(sys.prefix == sys.base_prefix, reason="needs the tests to run in a venv")
def test_freecadcmd_loads_addon_and_converts_a_sketch(tmp_path):
    home = tmp_path / "home"
    (home / "Mod").mkdir(parents=True)
    (home / "cad3d").mkdir()
    (home / "Mod" / "CAD3D").symlink_to(REPO)
    (home / "cad3d" / "venv").symlink_to(sys.prefix)
    verdict = tmp_path / "verdict.json"
    script = tmp_path / "run_cad3d.py"
    script.write_text(f"VERDICT = {str(verdict)!r}\n" + SCRIPT)
    env = {**os.environ, "FREECAD_USER_HOME": str(home)}
    subprocess.run(
        ["freecadcmd", str(script)], cwd=tmp_path, env=env, timeout=120, capture_output=True
    )
    out = json.loads(verdict.read_text())
    assert out["ok"], out.get("error")
    assert "freecad_cad3d.drawing_import" in out["png"]
    assert "freecad_cad3d.dxf_import" in out["dxf"]
    assert out["venv_first"]
    assert out["numpy"].startswith(str(home / "cad3d" / "venv"))
    assert out["cad3d"] == str(REPO / "core" / "cad3d" / "__init__.py")
    assert out["labels"] == ["FLOOR", "WALL", "WALL_solid"]
    assert out["volume"] == pytest.approx((24 - 5.6 * 3.6) * 3.0 * 1e9, rel=1e-9)


def test_registry_writes_fcstd_through_entry_point(room_conversion, tmp_path):
    from importlib.metadata import entry_points

    from cad3d.exchange.registry import save

    if not [ep for ep in entry_points(group="cad3d.writers") if ep.name == "fcstd"]:
        pytest.skip("entry point cad3d.writers:fcstd not installed (pip install -e . again)")

    path = save(room_conversion, tmp_path / "room.FCStd")
    assert path.is_file() and path.stat().st_size > 1000
    import zipfile

    with zipfile.ZipFile(path) as z:
        assert "Document.xml" in z.namelist()
        assert b"WALL_solid" in z.read("Document.xml")
