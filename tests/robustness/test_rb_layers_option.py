"""`cad3d convert --layers FILE.json` and `api.load(..., layer_table=...)` extend the DXF layer
keywords; `cad3d convert` warns (never fails) on an implausible scale."""

import json

import numpy as np

from cad3d.api import load
from cad3d.exchange.dxf_read import read_dxf_meshes

ORIGIN = (1000.0, 2000.0)


def _table(tmp_path, text=None):
    path = tmp_path / "office.json"
    path.write_text(text or json.dumps({"WALL": ["beton"], "DOOR": ["ouverture"]}))
    return path


def test_api_load_takes_a_layer_table(tmp_path, rb):
    rb.dxf_floorplan(tmp_path / "p.dxf", wall_layer="BETON", door_layer="OUVERTURE")
    assert load(tmp_path / "p.dxf").vectors is None
    d = load(tmp_path / "p.dxf", layer_table=_table(tmp_path))
    assert d.vectors is not None and [c.cls for c in d.vectors.cuts] == ["DOOR", "WINDOW"]
    d = load(tmp_path / "p.dxf", layer_table={"WALL": ["BETON"]})
    assert [c.cls for c in d.vectors.cuts] == ["WINDOW"]


def test_cli_layers_option_gives_exact_walls(tmp_path, rb):
    walls = rb.dxf_floorplan(
        tmp_path / "p.dxf", wall_layer="BETON", door_layer="OUVERTURE", origin=ORIGIN
    )
    assert walls
    out = tmp_path / "p3d.dxf"
    r = rb.run_cli("convert", tmp_path / "p.dxf", "-o", out, "--layers", _table(tmp_path))
    assert r.returncode == 0, r.stderr
    lo, hi = read_dxf_meshes(out).bounds
    assert np.allclose(lo, (*ORIGIN, 0.0), rtol=0, atol=1e-6)
    assert np.allclose(hi, (ORIGIN[0] + 10, ORIGIN[1] + 8, 3.0), rtol=0, atol=1e-6)


def test_cli_layers_option_bad_file_is_a_usage_error(tmp_path, rb):
    rb.dxf_floorplan(tmp_path / "p.dxf", wall_layer="BETON")
    out = tmp_path / "p3d.dxf"
    bad = _table(tmp_path, '{"ROOF": ["dach"]}')
    r = rb.run_cli("convert", tmp_path / "p.dxf", "-o", out, "--layers", bad)
    assert r.returncode == 11 and "Traceback" not in r.stderr
    assert (
        r.stderr.strip().splitlines()[-1]
        == "cad3d: error: layer table: unknown class 'ROOF' or keywords not a list"
    )
    assert not out.exists()


def test_cli_warns_on_an_implausible_scale(tmp_path, rb):
    out = tmp_path / "part.obj"
    r = rb.run_cli(
        "convert", rb.examples / "part.png", "-o", out, "--kind", "part", "--scale", "0.02"
    )
    assert r.returncode == 0, r.stderr
    warning = [ln for ln in r.stderr.splitlines() if ln.startswith("cad3d: warning: part is")]
    assert len(warning) == 1 and "did you mean --scale" in warning[0] and out.exists()
    r = rb.run_cli("convert", rb.examples / "part.png", "-o", tmp_path / "ok.obj", "--kind", "part")
    assert r.returncode == 0 and "warning" not in r.stderr
