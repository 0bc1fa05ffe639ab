"""Security: loading a drawing never opens a path named inside it (DXF XREF, IMAGE, UNDERLAY,
image metadata), and the per-user data folder is private (0700)."""

import json
import os
import stat
import subprocess
import sys

import ezdxf
import numpy as np
import pytest
from PIL import Image, PngImagePlugin

PROBE = r"""
import json, sys
opened = []
sys.addaudithook(lambda ev, args: opened.append(str(args[0])) if ev == "open" and args else None)
from cad3d.io.load import load_drawing
d = load_drawing(sys.argv[1], scale=float(sys.argv[2]) if len(sys.argv) > 2 else None)
print(json.dumps({"opened": opened, "edges": len(d.notes.get("edges", [])),
                  "extent": list(d.extent), "origin": d.notes.get("dxf_origin")}))
"""


def _probe(path, *args):
    r = subprocess.run(
        [sys.executable, "-c", PROBE, str(path), *map(str, args)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert r.returncode == 0, r.stderr
    return json.loads(r.stdout.strip().splitlines()[-1])


def _secret_dxf(path):
    doc = ezdxf.new("R2010")
    doc.modelspace().add_circle((0, 0), 500.0)  # 1 km wide: would show in the extents
    doc.saveas(path)


def test_dxf_xref_image_and_underlay_paths_are_never_opened(tmp_path):
    secret = tmp_path / "secret"
    secret.mkdir()
    _secret_dxf(secret / "xref.dxf")
    Image.fromarray(np.zeros((8, 8), np.uint8)).save(secret / "raster.png")
    (secret / "under.pdf").write_bytes(b"%PDF-1.4\n")
    doc = ezdxf.new("R2010")
    msp = doc.modelspace()
    msp.add_lwpolyline([(0, 0), (4, 0), (4, 3), (0, 3)], close=True, dxfattribs={"layer": "WALL"})
    doc.add_xref_def(str(secret / "xref.dxf"), "XREF1")
    msp.add_blockref("XREF1", (0, 0))
    img = doc.add_image_def(str(secret / "raster.png"), (8, 8))
    msp.add_image(img, (0, 0), (2, 2))
    und = doc.add_underlay_def(str(secret / "under.pdf"), fmt="pdf")
    msp.add_underlay(und, (0, 0))
    doc.saveas(tmp_path / "host.dxf")
    out = _probe(tmp_path / "host.dxf")
    assert not [p for p in out["opened"] if str(secret) in p], out["opened"]
    assert out["edges"] == 1  # the rectangle only: nothing of the xref came in
    assert out["extent"][0] < 5.0


def test_image_metadata_paths_are_never_opened(tmp_path):
    secret = tmp_path / "secret"
    secret.mkdir()
    (secret / "profile.icc").write_bytes(b"\0" * 128)
    (secret / "side.json").write_text('{"scale": 9}')
    img = np.full((100, 100), 255, np.uint8)
    img[40:60, 10:90] = 0
    info = PngImagePlugin.PngInfo()
    for key in ("XML:com.adobe.xmp", "Source", "sidecar", "icc"):
        info.add_text(key, str(secret / "side.json"))
    info.add_text("xref", f"file://{secret / 'profile.icc'}")
    Image.fromarray(img).save(tmp_path / "d.png", pnginfo=info)
    Image.fromarray(img).save(tmp_path / "d.tif", description=str(secret / "side.json"))
    for name in ("d.png", "d.tif"):
        out = _probe(tmp_path / name, 0.01)
        assert not [p for p in out["opened"] if str(secret) in p], out["opened"]
        assert out["extent"] == pytest.approx([1.0, 1.0])


def test_user_data_dir_is_private(tmp_path):
    paths = pytest.importorskip("freecad_cad3d.paths")
    ensure = getattr(paths, "ensure_user_data_dir", None)
    if ensure is None:
        pytest.skip("freecad_cad3d.paths.ensure_user_data_dir does not exist yet (engineer F)")
    env = dict(os.environ, XDG_DATA_HOME=str(tmp_path / "xdg"))
    code = "from freecad_cad3d import paths; print(paths.ensure_user_data_dir())"
    r = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=60
    )
    assert r.returncode == 0, r.stderr
    folder = r.stdout.strip().splitlines()[-1]
    assert folder.startswith(str(tmp_path))
    assert stat.S_IMODE(os.stat(folder).st_mode) == 0o700
