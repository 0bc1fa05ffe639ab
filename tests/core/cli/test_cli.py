"""The command line as a user meets it: one-line errors, exit codes, no partial files."""

import subprocess
import sys

import numpy as np
import pytest
from PIL import Image

from cad3d.cli.main import main


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "cad3d.cli.main", *args], capture_output=True, text=True, timeout=120
    )


def test_missing_file_one_line_exit_2(tmp_path):
    r = run("convert", str(tmp_path / "nope.png"), "-o", str(tmp_path / "o.dxf"))
    assert r.returncode == 2
    assert r.stderr.strip().count("\n") == 0 and "no such file" in r.stderr
    assert "Traceback" not in r.stderr
    assert not (tmp_path / "o.dxf").exists()


def test_dwg_is_refused_with_advice(tmp_path):
    p = tmp_path / "house.dwg"
    p.write_bytes(b"AC1027" + bytes(200))
    r = run("convert", str(p), "-o", str(tmp_path / "o.dxf"))
    assert r.returncode == 3 and "convert it to DXF" in r.stderr


def test_usage_errors_exit_11(capsys):
    assert main(["convert"]) == 11
    assert "required" in capsys.readouterr().err
    assert main(["convert", "x.png", "-o", "y.dxf", "--method", "magic"]) == 11


def test_existing_output_is_not_overwritten_without_flag(tmp_path, capsys):
    img = np.full((100, 100), 255, np.uint8)
    img[10:20, 10:90] = 0
    Image.fromarray(img).save(tmp_path / "d.png")
    out = tmp_path / "o.dxf"
    out.write_text("precious")
    assert main(["convert", str(tmp_path / "d.png"), "-o", str(out), "--scale", "0.02"]) == 11
    assert "--overwrite" in capsys.readouterr().err
    assert out.read_text() == "precious"


def test_info_lists_methods(capsys):
    assert main(["info"]) == 0
    out = capsys.readouterr().out
    assert "methods" in out and "extrude" in out


@pytest.mark.parametrize("seed", ["999999"])
def test_synth_refuses_held_out_seeds(tmp_path, capsys, seed):
    assert main(["synth", str(tmp_path / "ds"), "--n", "5", "--seed", seed]) == 11
    assert "held-out" in capsys.readouterr().err
