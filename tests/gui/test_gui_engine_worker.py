"""The engine worker as a process, and its FreeCAD-free protocol and transfer modules."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from freecad_cad3d.engine import protocol, transfer

REPO = Path(__file__).resolve().parents[2]


def test_protocol_roundtrip_and_noise():
    msg = {"type": "progress", "job": 3, "fraction": 0.5, "message": "half", "eta": 1.5}
    line = protocol.encode(msg)
    assert line.endswith(b"\n") and line.count(b"\n") == 1
    assert protocol.decode(line) == msg
    assert protocol.decode(b"Downloading weights...\n") is None  # a library's stray print
    assert protocol.decode(b'{"type": "bogus"}') is None
    buf = protocol.LineBuffer()
    assert buf.feed(line[:7]) == []
    assert buf.feed(line[7:] + line[:3]) == [line[:-1]]


def test_array_inline_roundtrip():
    a = np.random.default_rng(0).normal(size=(100, 3)).astype(np.float32)
    d = transfer.encode_array(a)
    b = transfer.decode_array(d)
    assert b.dtype == np.float32 and b.shape == (100, 3) and np.array_equal(a, b)


def test_drawing_and_result_files_roundtrip(tmp_path):
    import trimesh
    from cad3d.converters.base import Conversion, Drawing
    from cad3d.geometry.meshset import MeshSet, PointCloud
    from cad3d.plan import Plan, Solid
    from shapely.geometry import box

    plan = Plan("floorplan", (4.0, 3.0), solids=[Solid("WALL", box(0, 0, 4, 0.2), 0.0, 3.0)])
    d = Drawing(
        np.full((30, 40), 255, np.uint8),
        0.1,
        source="x",
        kind="floorplan",
        vectors=plan,
        notes={"edges": [np.zeros((2, 2))]},
    )
    back = transfer.read_drawing(transfer.write_drawing(d, tmp_path / "d.npz"))
    assert back.scale == 0.1 and back.kind == "floorplan" and back.image.shape == (30, 40)
    assert back.vectors.solids[0].footprint.area == pytest.approx(0.8)
    assert back.notes["edges"] == [[[0.0, 0.0], [0.0, 0.0]]]

    m = MeshSet()
    m.add("WALL", trimesh.creation.box(extents=(4, 0.2, 3)))
    conv = Conversion(
        m,
        "floorplan",
        "extrude",
        plan=plan,
        timings={"lift": 0.25},
        points=PointCloud(np.ones((5, 3), np.float32), np.ones(5, np.int64)),
    )
    r = transfer.read_result(transfer.write_result(conv, tmp_path / "r.npz"))
    assert r.meshes.classes == ["WALL"] and len(r.meshes.meshes["WALL"].faces) == 12
    assert np.allclose(r.meshes.bounds, [[-2, -0.1, -1.5], [2, 0.1, 1.5]])
    assert r.timings == {"lift": 0.25} and r.points.points.shape == (5, 3)
    assert r.plan.solids[0].z1 == 3.0


def test_plan_segments_outline():
    from cad3d.plan import Contour, Plan, Solid
    from shapely.geometry import LineString, box

    plan = Plan(
        "floorplan",
        (4.0, 3.0),
        solids=[Solid("WALL", box(0, 0, 4, 3).difference(box(1, 1, 3, 2)), 0, 3)],
        contours=[LineString([(0, 0), (1, 1), (2, 1)])],
    )
    plan.contours = [Contour(LineString([(0, 0), (1, 1), (2, 1)]), 5.0)]
    segs = transfer.plan_segments(plan)
    assert segs.shape == (4 + 4 + 2, 2, 3)  # outer ring, hole ring, contour
    assert np.allclose(segs[:8, :, 2], 0.0) and np.allclose(segs[8:, :, 2], 5.0)
    lengths = np.linalg.norm(segs[:, 1] - segs[:, 0], axis=1)
    assert lengths[:8].sum() == pytest.approx(14 + 6)


def _worker(tmp_path: Path) -> subprocess.Popen:
    env = {"PYTHONPATH": f"{REPO}:{REPO / 'core'}", "PATH": "/usr/bin:/bin"}
    return subprocess.Popen(
        [sys.executable, "-m", "freecad_cad3d.engine.worker"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
        cwd=tmp_path,
    )


def _send(proc, msg):
    proc.stdin.write(protocol.encode(msg))
    proc.stdin.flush()


def test_worker_selftest_streams_progress_preview_and_result(tmp_path):
    proc = _worker(tmp_path)
    try:
        out = tmp_path / "r.npz"
        _send(
            proc,
            {
                "type": "convert",
                "job": 7,
                "source": {},
                "method": "selftest",
                "steps": 6,
                "options": {"tick": 0.05, "num_points": 300},
                "preview": True,
                "out": str(out),
            },
        )
        _send(
            proc,
            {
                "type": "convert",
                "job": 8,
                "source": {},
                "method": "selftest",
                "steps": 2,
                "options": {"fail": True},
                "out": str(tmp_path / "x.npz"),
            },
        )
        msgs = []
        t0 = time.time()
        while time.time() - t0 < 60:
            m = protocol.decode(proc.stdout.readline())
            if m is None:
                continue
            msgs.append(m)
            if m["type"] == "error":
                break
        _send(proc, {"type": "quit"})
        assert proc.wait(10) == 0
    finally:
        proc.kill()
    kinds = [m["type"] for m in msgs]
    assert kinds[0] == "ready" and kinds[-1] == "error"
    assert [m["job"] for m in msgs if m["type"] == "result"] == [7]
    prog = [m for m in msgs if m["type"] == "progress" and m["job"] == 7]
    assert [round(m["fraction"], 3) for m in prog][-1] == 1.0 and len(prog) == 7
    assert prog[-1]["eta"] == pytest.approx(0.0)
    prev = [m for m in msgs if m["type"] == "preview"]
    assert prev and transfer.decode_array(prev[-1]["points"]).shape == (300, 3)
    r = transfer.read_result(out)
    assert np.allclose(r.meshes.bounds, [[0, 0, 0], [4, 3, 2.5]])
    assert msgs[-1] == {
        "type": "error",
        "job": 8,
        "message": "selftest: no geometry (asked to fail)",
        "code": 7,
    }


def test_worker_reports_bad_input_as_one_line(tmp_path):
    proc = _worker(tmp_path)
    try:
        _send(
            proc,
            {
                "type": "convert",
                "job": 1,
                "source": {"path": str(tmp_path / "none.png")},
                "method": "extrude",
                "out": str(tmp_path / "r.npz"),
            },
        )
        proc.stdin.close()  # the worker exits at end of input
        lines = [protocol.decode(ln) for ln in proc.stdout.read().splitlines()]
        assert proc.wait(30) == 0
    finally:
        proc.kill()
    err = [m for m in lines if m and m["type"] == "error"]
    assert err == [
        {"type": "error", "job": 1, "message": f"{tmp_path / 'none.png'}: no such file", "code": 2}
    ]


def test_library_prints_never_reach_the_protocol_stream():
    code = (
        "from freecad_cad3d.engine import worker; send = worker._sender(worker._protocol_stream()); "
        "print('a library talks'); import os; os.write(1, b'raw fd write\\n'); "
        "send({'type': 'ready', 'version': 1, 'pid': 0})"
    )
    env = {"PYTHONPATH": f"{REPO}:{REPO / 'core'}", "PATH": "/usr/bin:/bin"}
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, env=env, timeout=60)
    assert run.returncode == 0, run.stderr
    assert run.stdout == b'{"type":"ready","version":1,"pid":0}\n'
    assert b"a library talks" in run.stderr and b"raw fd write" in run.stderr
