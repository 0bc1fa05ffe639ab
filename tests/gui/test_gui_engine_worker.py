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
    from shapely.geometry import box

    from cad3d.converters.base import Conversion, Drawing
    from cad3d.geometry.meshset import MeshSet, PointCloud
    from cad3d.plan import Plan, Solid

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
    from shapely.geometry import LineString, box

    from cad3d.plan import Contour, Plan, Solid

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


def test_worker_exits_when_its_parent_dies(tmp_path):
    """A shell starts the worker and is killed: the worker notices within ~1 s and exits."""
    import os
    import signal

    env = {"PYTHONPATH": f"{REPO}:{REPO / 'core'}", "PATH": "/usr/bin:/bin"}
    pidfile = tmp_path / "pid"
    # the shell keeps the worker's stdin open (sleep) so only the parent check can stop it
    script = f"sleep 30 | {sys.executable} -m freecad_cad3d.engine.worker > /dev/null & echo $! > {pidfile}; wait"
    shell = subprocess.Popen(["bash", "-c", script], env=env, start_new_session=True)
    try:
        for _ in range(100):
            if pidfile.exists() and pidfile.read_text().strip():
                break
            time.sleep(0.05)
        pid = int(pidfile.read_text())
        time.sleep(1.0)  # the worker is up and watching
        os.kill(shell.pid, signal.SIGKILL)
        shell.wait(5)
        t0 = time.time()
        while time.time() - t0 < 10:
            try:
                os.kill(pid, 0)
            except ProcessLookupError:
                break
            if open(f"/proc/{pid}/stat").read().split()[2] == "Z":  # exited, not yet reaped
                break
            time.sleep(0.1)
        else:
            pytest.fail("the worker outlived its parent by 10 s")
        assert time.time() - t0 < 3.0
    finally:
        try:  # the test's own process group: the leftover `sleep` (and the worker, if alive)
            os.killpg(shell.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass


def test_reporter_points_hook_throttles_filters_and_strides():
    """`progress.points(points_m, labels=None)`: the live-preview hook a converter calls."""
    import torch

    from freecad_cad3d.engine import worker

    sent = []
    rep = worker.Reporter(sent.append, job=4, preview=True)
    x = torch.zeros(1, 500, 3)
    x[0, :, 0] = torch.arange(500) * 0.01  # meters
    x[0, 7, 2] = float("nan")  # a diverged point is dropped, not drawn at infinity
    assert rep.points(x) is True
    assert rep.points(x) is False  # within PREVIEW_PERIOD: nothing sent, nothing converted
    assert len(sent) == 1 and sent[0]["type"] == "preview" and "labels" not in sent[0]
    pts = transfer.decode_array(sent[0]["points"])
    assert pts.shape == (499, 3) and pts.dtype == np.float32 and pts[-1, 0] == pytest.approx(4.99)
    labels = np.arange(500) % 3
    assert rep.points(x[0].numpy(), labels, force=True)
    lab = transfer.decode_array(sent[1]["labels"])
    assert lab.dtype == np.uint8 and len(lab) == 499 and lab[7] == 8 % 3  # row 7 was dropped
    big = np.zeros((3 * worker.PREVIEW_MAX_POINTS + 5, 3), np.float32)
    assert rep.points(big, force=True)
    n = len(transfer.decode_array(sent[2]["points"]))
    assert 0 < n <= worker.PREVIEW_MAX_POINTS
    quiet = worker.Reporter(sent.append, job=5, preview=False)  # the panel's Live preview off
    assert quiet.points(x, force=True) is False and len(sent) == 3


class _FakeDiffusion:
    """Calls the preview hook exactly as the diffusion converter is asked to (see REPORT)."""

    name = "diffusion"

    def __init__(self, steps=50, **_):
        self.steps = steps

    def convert(self, drawing, progress=None):
        import torch

        from cad3d.converters.base import Conversion
        from cad3d.geometry.meshset import MeshSet, PointCloud

        steps = self.steps
        preview = getattr(progress, "points", None)  # the FreeCAD worker's live preview
        x = torch.randn(1, 256, 3) * 4.0
        target = torch.rand(1, 256, 3) * torch.tensor([4.0, 3.0, 2.5])
        for i in range(steps):
            x = x + (target - x) / (steps - i)
            if progress is not None:
                progress((i + 1) / steps, f"denoising {i + 1}/{steps}")
            if preview is not None:
                preview(x[0])  # (N, 3) meters, a CPU tensor; no labels yet
            time.sleep(0.03)
        pts = x[0].numpy().astype(np.float32)
        return Conversion(
            meshes=MeshSet(),
            domain="floorplan",
            method="diffusion",
            steps=steps,
            points=PointCloud(pts, np.full(len(pts), 14, np.int32)),
        )


def test_diffusion_preview_streams_through_the_worker(tmp_path, monkeypatch):
    from cad3d.converters import registry
    from cad3d.converters.base import Drawing
    from freecad_cad3d.engine import worker

    monkeypatch.setitem(registry._FACTORIES, "diffusion", lambda **o: _FakeDiffusion(**o))
    assert "diffusion" in worker.info()["methods"]
    npz = transfer.write_drawing(Drawing(np.full((30, 40), 255, np.uint8), 0.1), tmp_path / "d.npz")
    sent = []
    msg = {
        "type": "convert",
        "job": 2,
        "source": {"drawing": str(npz)},
        "method": "diffusion",
        "steps": 20,
        "options": {"device": "auto", "sampler": "ddim"},
        "preview": True,
        "out": str(tmp_path / "r.npz"),
    }
    worker.convert(msg, sent.append)
    kinds = [m["type"] for m in sent]
    assert kinds[-1] == "result", sent[-1]
    prev = [transfer.decode_array(m["points"]) for m in sent if m["type"] == "preview"]
    # 20 steps x 30 ms = 0.6 s at one preview per 0.2 s: 2 to 4 previews, each the full cloud
    assert 2 <= len(prev) <= 5 and all(p.shape == (256, 3) for p in prev)
    spread = [float(p.std()) for p in prev]
    assert spread[0] > spread[-1]  # the noise contracts onto the drawing's box
    assert kinds.count("progress") == 21  # "drawing loaded" + one per step
    r = transfer.read_result(sent[-1]["path"])
    assert r.points.points.shape == (256, 3) and not r.meshes


def _two_page_pdf(path: Path, dpi: float) -> None:
    """Page 1 blank, page 2 a 6 x 4 m room drawn at 1:100 (with `dpi` image pixels per inch)."""
    import cv2
    from PIL import Image

    px = 0.0254 / dpi * 100  # meters per image pixel at 1:100
    w, h = round(8 / px), round(6 / px)
    plan = np.full((h, w), 255, np.uint8)
    x0, y0 = round(1 / px), round(1 / px)
    cv2.rectangle(plan, (x0, y0), (x0 + round(6 / px), y0 + round(4 / px)), 0, 6)
    blank = Image.new("L", (w, h), 255)
    blank.save(path, save_all=True, append_images=[Image.fromarray(plan)], resolution=dpi)


def test_worker_loads_the_page_and_paper_scale_it_is_given(tmp_path):
    """The image command's page / drawing-scale answers reach `cad3d.api.load` in the worker."""
    from freecad_cad3d.engine import worker

    pdf = tmp_path / "two.pdf"
    _two_page_pdf(pdf, 50.0)

    def run(source):
        sent = []
        msg = {
            "type": "convert",
            "job": 1,
            "source": {"path": str(pdf), **source},
            "method": "selftest",
            "steps": 1,
            "options": {"tick": 0.0, "num_points": 10},
            "preview": False,
            "out": str(tmp_path / "r.npz"),
        }
        worker.convert(msg, sent.append)
        return sent[-1]

    blank = run({"drawing_scale": "1:100", "dpi": 50.0})  # page 1 (index 0) is blank
    assert blank["type"] == "error" and blank["code"] == 6 and "blank" in blank["message"]
    no_scale = run({"page": 1})
    assert no_scale["type"] == "error" and no_scale["code"] == 11 and "scale" in no_scale["message"]
    ok = run({"page": 1, "drawing_scale": "1:100", "dpi": 50.0})
    assert ok["type"] == "result", ok
    too_far = run({"page": 5, "drawing_scale": "1:100", "dpi": 50.0})
    assert too_far["type"] == "error" and "2 page(s)" in too_far["message"]
