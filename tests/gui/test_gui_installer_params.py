"""The engine installer's plain-Python half and the preferences table (no FreeCAD needed)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from freecad_cad3d import installer, params


def test_requirements_are_pinned_and_cover_the_engine():
    names = installer.requirement_names()
    for pkg in (
        "numpy",
        "torch",
        "timm",
        "opencv-python-headless",
        "ezdxf",
        "trimesh",
        "manifold3d",
    ):
        assert pkg in names
    lines = [
        ln
        for ln in installer.REQUIREMENTS.read_text().splitlines()
        if ln and not ln.startswith("#")
    ]
    assert all("==" in ln for ln in lines), lines


def test_commands(tmp_path):
    venv = tmp_path / "venv"
    assert installer.venv_python(venv) == venv / "bin" / "python"
    cmd = installer.pip_command(venv, wheels=tmp_path / "wheels", offline=True)
    assert cmd[:4] == [str(venv / "bin" / "python"), "-m", "pip", "install"]
    assert (
        cmd[-4:] == ["--find-links", str(tmp_path / "wheels"), "--no-index"][-3:]
        or "--no-index" in cmd
    )
    assert (
        cmd[cmd.index("--find-links") + 1] == str(tmp_path / "wheels") and cmd[-1] == "--no-index"
    )
    assert installer.base_python() is not None
    online = installer.pip_command(venv, cpu_torch=True)
    assert (
        online[-2:] == ["--extra-index-url", installer.TORCH_CPU_INDEX]
        and "--no-index" not in online
    )


def test_pip_progress_parses_real_lines():
    p = installer.PipProgress(expected=4)
    assert p.feed("Collecting numpy==2.4.6 (from -r req.txt (line 5))")[0] == pytest.approx(
        0.7 * 1 / 4
    )
    assert (
        p.feed("  Downloading numpy-2.4.6-cp311-manylinux.whl (16.4 MB)")[1]
        == "downloading numpy-2.4.6-cp311-manylinux.whl"
    )
    p.feed("Collecting torch==2.14.1")
    f, msg = p.feed("Installing collected packages: numpy, torch")
    assert f == 0.85 and msg == "installing packages"
    assert p.feed("Successfully installed numpy-2.4.6 torch-2.14.1") == (1.0, "installed")


def test_explain_failure_offline_and_missing_wheel():
    offline = [
        "WARNING: Retrying ... Failed to establish a new connection: [Errno -3] Temporary failure in name resolution",
        "ERROR: Could not find a version that satisfies the requirement numpy==2.4.6",
    ]
    assert installer.explain_failure(offline).startswith("no internet connection")
    missing = ["Looking in links: /w", "ERROR: No matching distribution found for torch==2.14.1"]
    msg = installer.explain_failure(missing, Path("/w"))
    assert msg.startswith("no installable package for torch==2.14.1 in /w")
    assert installer.explain_failure(["ERROR: No space left on device"]).startswith(
        "the disk is full"
    )
    assert installer.explain_failure([]) == "the installation failed with no output"


@pytest.mark.slow
def test_offline_install_from_empty_wheel_folder_says_what_failed(tmp_path):
    """A real venv + pip run against an empty wheel folder: fails fast, and we say why."""
    import subprocess

    venv, wheels = tmp_path / "venv", tmp_path / "wheels"
    wheels.mkdir()
    base = installer.base_python()
    subprocess.run(installer.venv_command(base, venv) + ["--without-pip"], check=True, timeout=120)
    assert installer.venv_python(venv).exists()
    # --without-pip keeps it fast: use the running interpreter's pip, targeting nothing
    cmd = [
        sys.executable,
        "-m",
        "pip",
        "install",
        "--dry-run",
        "--ignore-installed",
        "--no-index",
        "--find-links",
        str(wheels),
        "-r",
        str(installer.REQUIREMENTS),
    ]
    run = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    assert run.returncode != 0
    msg = installer.explain_failure((run.stdout + run.stderr).splitlines(), wheels)
    assert msg.startswith("no installable package for numpy==2.4.6 in " + str(wheels)), msg


def test_params_table_defaults_types_and_choices():
    assert params.get("Steps") == 50 and params.get("LivePreview") is True
    params.set("Steps", "25")  # converted to the table's type
    assert params.get("Steps") == 25
    with pytest.raises(ValueError):
        params.set("Sampler", "euler")
    params.reset("Steps")
    assert params.get("Steps") == 50
    assert set(params.values()) == {p.name for p in params.TABLE}
