"""Our DXF read by a third-party importer: `assimp info` (Debian package assimp-utils) finds one
named mesh per class and the bounding box we wrote. assimp turns z-up into y-up: (x, z, -y)."""

import re
import shutil
import subprocess

import numpy as np
import pytest

from cad3d.exchange.dxf_read import read_dxf_meshes

pytestmark = pytest.mark.skipif(
    shutil.which("assimp") is None, reason="assimp (assimp-utils) not installed"
)


def _info_text(path) -> str:
    r = subprocess.run(["assimp", "info", str(path)], capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    return r.stdout


def _assimp_info(path):
    text = _info_text(path)
    vec = r"\(([-\d.e+]+) ([-\d.e+]+) ([-\d.e+]+)\)"
    lo = np.array(re.search(r"Minimum point\s+" + vec, text).groups(), float)
    hi = np.array(re.search(r"Maximum point\s+" + vec, text).groups(), float)
    names = re.findall(r"^\s+\d+ \((\w+)\): \[\d+ / \d+ / (\d+) \|", text, re.M)
    return lo, hi, names


@pytest.mark.parametrize("domain", ["floorplan", "part", "landscape"])
def test_assimp_reads_our_dxf_of_each_domain(domain, tmp_path, rb):
    out = tmp_path / f"{domain}.dxf"
    r = rb.run_cli("convert", rb.examples / f"{domain}.png", "-o", out)
    assert r.returncode == 0, r.stderr
    ours = read_dxf_meshes(out)
    lo, hi, names = _assimp_info(out)
    # assimp splits a layer's mesh by primitive type (sliver faces would come out as lines):
    # lift.py leaves none, so one triangle mesh per class
    assert sorted(n for n, _ in names) == sorted(ours.classes)
    assert re.search(r"Primitive Types:\s+triangles\s*$", _info_text(out), re.M)
    faces = {c: 0 for c in ours.classes}
    for n, f in names:
        faces[n] += int(f)
    assert faces == {c: len(m.faces) for c, m in ours}
    (x0, y0, z0), (x1, y1, z1) = ours.bounds
    tol = 1e-4 * max(1.0, float(np.abs(ours.bounds).max()))
    assert np.allclose(lo, (x0, z0, -y1), atol=tol) and np.allclose(hi, (x1, z1, -y0), atol=tol)


def test_assimp_reads_the_3d_dxf_of_a_2d_dxf_in_input_coordinates(tmp_path, rb):
    rb.dxf_floorplan(tmp_path / "p.dxf")
    out = tmp_path / "p3d.dxf"
    assert rb.run_cli("convert", tmp_path / "p.dxf", "-o", out).returncode == 0
    lo, hi, names = _assimp_info(out)
    assert {n for n, _ in names} == {"WALL", "FLOOR"}
    assert np.allclose(lo, (1000.0, 0.0, -2008.0), atol=1e-3)
    assert np.allclose(hi, (1010.0, 3.0, -2000.0), atol=1e-3)
