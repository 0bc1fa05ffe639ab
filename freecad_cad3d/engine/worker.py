"""The engine worker: `<engine python> -m freecad_cad3d.engine.worker`.

Reads JSON-line requests on stdin and answers on stdout (see `protocol`). It imports `cad3d`
and this package's FreeCAD-free modules only, never FreeCAD, PySide or pivy. Anything a library
prints goes to stderr: the process's real stdout carries protocol lines alone. It exits when
stdin closes, so it never outlives the FreeCAD that started it.
"""

from __future__ import annotations

import importlib.util
import os
import sys
import threading
import time
import traceback
from collections.abc import Callable
from typing import Any, BinaryIO

import numpy as np

from . import protocol, transfer

Send = Callable[[dict[str, Any]], None]
PREVIEW_PERIOD = 0.2  # seconds between two preview messages (the GUI draws a few per second)
PREVIEW_MAX_POINTS = 65536  # a larger cloud is strided down for the preview


def _protocol_stream() -> BinaryIO:
    """The real stdout for protocol lines; fd 1 and sys.stdout then point at stderr."""
    out = os.fdopen(os.dup(1), "wb", buffering=0)
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    return out


def _sender(stream: BinaryIO) -> Send:
    def send(msg: dict[str, Any]) -> None:
        stream.write(protocol.encode(msg))

    return send


def info() -> dict[str, Any]:
    """Methods that run here, compute devices, and the learning status (honestly)."""
    from cad3d.converters.registry import available_methods

    devices = ["cpu"]
    if importlib.util.find_spec("torch") is not None:
        import torch

        if torch.cuda.is_available():
            devices.append("cuda")
        if getattr(torch.backends, "mps", None) and torch.backends.mps.is_available():
            devices.append("mps")
    learning: dict[str, Any] = {"available": False, "reason": "not yet built"}
    try:
        import cad3d.learning as learning_pkg

        status = getattr(learning_pkg, "status", None)
        if callable(status):
            learning = {"available": True, **status()}
    except Exception as exc:  # a broken learning module must not stop conversions
        learning = {"available": False, "reason": f"error: {exc}"}
    return {
        "type": "info",
        "methods": [*available_methods(), "selftest"],
        "devices": devices,
        "learning": learning,
    }


def resolve_device(name: str) -> str:
    """ "auto" -> "cuda" / "mps" when torch sees one, else "cpu"; other names pass through."""
    if name != "auto":
        return name
    if importlib.util.find_spec("torch") is None:
        return "cpu"
    import torch

    if torch.cuda.is_available():
        return "cuda"
    if getattr(torch.backends, "mps", None) and torch.backends.mps.is_available():
        return "mps"
    return "cpu"


class Reporter:
    """The `progress(fraction, message)` callback handed to a converter, with a live preview.

    Sends progress with a time-left estimate. A converter that has points to show calls
    `progress.points(points_m, labels=None)` (look it up with `getattr(progress, "points",
    None)`: plain callbacks such as the CLI's have none); it costs nothing between two sends,
    which happen at most every PREVIEW_PERIOD seconds. points_m: (N, 3) or (1, N, 3) meters,
    drawing coordinates, numpy or a CPU torch tensor; labels: (N,) class ids (per-class colours)
    or None (the POINTS colour). A PointCloud or a (points, labels) tuple works too.
    """

    def __init__(self, send: Send, job: int, preview: bool) -> None:
        self.send, self.job, self.preview = send, job, preview
        self.t0 = time.perf_counter()
        self._last_preview = -1.0

    def __call__(self, fraction: float, message: str = "", *args: Any, **kw: Any) -> None:
        elapsed = time.perf_counter() - self.t0
        fraction = float(min(max(fraction, 0.0), 1.0))
        eta = elapsed * (1.0 - fraction) / fraction if fraction > 0.02 else None
        self.send(
            {
                "type": "progress",
                "job": self.job,
                "fraction": fraction,
                "message": str(message),
                "eta": eta,
            }
        )
        cloud = kw.get("preview", kw.get("points", args[0] if args else None))
        if cloud is not None:
            self.points(cloud)

    def points(self, points_m: Any, labels: Any = None, force: bool = False) -> bool:
        """Send a preview (throttled unless `force`); True when one was sent."""
        now = time.perf_counter()
        if not self.preview or (not force and now - self._last_preview < PREVIEW_PERIOD):
            return False
        if isinstance(points_m, tuple):
            points_m, labels = points_m
        elif hasattr(points_m, "points") and hasattr(points_m, "labels"):
            points_m, labels = points_m.points, points_m.labels
        pts = _numpy(points_m).astype(np.float32).reshape(-1, 3)
        keep = np.isfinite(pts).all(axis=1)
        step = max(1, -(-len(pts) // PREVIEW_MAX_POINTS))  # ceil: at most that many drawn
        msg: dict[str, Any] = {"type": "preview", "job": self.job}
        msg["points"] = transfer.encode_array(pts[keep][::step])
        if labels is not None:
            lab = _numpy(labels).reshape(-1)
            if len(lab) == len(pts):
                lab = np.clip(lab, 0, 255).astype(np.uint8)[keep][::step]
                msg["labels"] = transfer.encode_array(lab)
        self._last_preview = now
        self.send(msg)
        return True

    def segments(self, segs: np.ndarray) -> None:
        if self.preview and len(segs):
            self.send({"type": "preview", "job": self.job, "segments": transfer.encode_array(segs)})


def _numpy(a: Any) -> np.ndarray:
    """A numpy array from numpy / a torch tensor (detached, on the CPU) / a list."""
    if hasattr(a, "detach"):
        a = a.detach().cpu().numpy()
    return np.asarray(a)


def selftest(drawing: Any, steps: int, report: Reporter, options: dict[str, Any]) -> Any:
    """A fake method that needs no engine: a box, with progress ticks and denoising-like
    preview points over `steps * tick` seconds. It tests the GUI's async, cancel and kill paths."""
    import trimesh

    from cad3d.converters.base import Conversion
    from cad3d.errors import NoGeometry
    from cad3d.geometry.meshset import MeshSet, PointCloud

    size = np.array([4.0, 3.0, 2.5])
    if options.get("fail"):
        raise NoGeometry("selftest: no geometry (asked to fail)")
    rng = np.random.default_rng(0)
    box = trimesh.creation.box(extents=size)
    box.apply_translation(size / 2)
    target, _ = trimesh.sample.sample_surface(box, int(options.get("num_points", 2000)), seed=0)
    noise = rng.normal(size=target.shape) * 3.0 + size / 2
    tick = float(options.get("tick", 0.1))
    t0 = time.perf_counter()
    for i in range(steps):
        time.sleep(tick)
        a = (i + 1) / steps
        report((i + 1) / steps, f"selftest step {i + 1}/{steps}")
        preview = getattr(report, "points", None)  # the hook a converter uses (see Reporter)
        if preview is not None:
            labels = None if options.get("no_labels") else np.ones(len(target), np.uint8)
            preview(a * target + (1 - a) * noise, labels)
    meshes = MeshSet()
    meshes.add("WALL", trimesh.Trimesh(box.vertices, box.faces, process=False))
    cloud = PointCloud(target.astype(np.float32), np.ones(len(target), np.int64))
    timings = {"selftest": time.perf_counter() - t0}
    return Conversion(
        meshes=meshes,
        domain="floorplan",
        method="selftest",
        steps=steps,
        points=cloud,
        timings=timings,
    )


def convert(msg: dict[str, Any], send: Send) -> None:
    """Run one convert request; always answers with a result or an error message."""
    from cad3d.errors import Cad3dError

    job = int(msg.get("job", 0))
    report = Reporter(send, job, bool(msg.get("preview", True)))
    try:
        source = msg["source"]
        options = dict(msg.get("options") or {})
        steps = int(msg.get("steps") or 50)
        method = msg.get("method", "extrude")
        if not source and method == "selftest":
            drawing = None
        elif "drawing" in source:
            drawing = transfer.read_drawing(source["drawing"])
            if msg.get("kind") not in (None, "auto"):
                drawing.kind = msg["kind"]
        else:
            from cad3d.api import load

            extra = {k: source[k] for k in ("page", "drawing_scale", "dpi") if source.get(k)}
            kind = msg.get("kind") or "auto"
            drawing = load(source["path"], scale=msg.get("scale"), kind=kind, **extra)
        report(0.01, "drawing loaded")
        if method == "selftest":
            result = selftest(drawing, steps, report, options)
        else:
            from cad3d.converters.registry import create_converter

            if method == "extrude":  # no model: the sampling options mean nothing to it
                options = {k: v for k, v in options.items() if k not in ("device", "sampler")}
            elif "device" in options:
                options["device"] = resolve_device(str(options["device"]))
            converter = create_converter(method, steps=steps, **options)
            result = converter.convert(drawing, progress=report)
        if result.plan is not None:
            report.segments(transfer.plan_segments(result.plan))
        path = transfer.write_result(result, msg["out"])
        send(
            {
                "type": "result",
                "job": job,
                "path": str(path),
                "seconds": time.perf_counter() - report.t0,
            }
        )
    except Cad3dError as exc:
        message = _one_line(exc) or type(exc).__name__
        send({"type": "error", "job": job, "message": message, "code": exc.exit_code})
    except MemoryError:
        send({"type": "error", "job": job, "message": "the engine ran out of memory", "code": 1})
    except Exception as exc:
        traceback.print_exc()  # to stderr, which the client keeps for its log
        message = f"{type(exc).__name__}: {_one_line(exc)}"
        send({"type": "error", "job": job, "message": message, "code": 1})


def _one_line(exc: BaseException) -> str:
    """The first line of an error's message (a message box holds one line, not a report)."""
    lines = str(exc).strip().splitlines()
    return lines[0][:300] if lines else ""


def serve(stdin: BinaryIO, send: Send) -> None:
    """Answer requests until `quit` or end of input."""
    send({"type": "ready", "version": protocol.VERSION, "pid": os.getpid()})
    for line in stdin:
        msg = protocol.decode(line)
        if msg is None:
            continue
        if msg["type"] == "quit":
            break
        if msg["type"] == "info":
            try:
                send(info())
            except Exception as exc:
                send({"type": "error", "job": 0, "message": f"info failed: {exc}", "code": 1})
        elif msg["type"] == "convert":
            convert(msg, send)


def _exit_with_parent(period: float = 1.0) -> None:
    """Exit when FreeCAD is gone, even in the middle of a conversion (stdin EOF is only read
    between requests): a crashed FreeCAD must not leave an engine computing for nobody."""
    parent = os.getppid()

    def watch() -> None:
        while True:
            time.sleep(period)
            if os.getppid() != parent:
                os._exit(0)

    threading.Thread(target=watch, name="cad3d-parent-watch", daemon=True).start()


def main() -> int:
    _exit_with_parent()
    send = _sender(_protocol_stream())
    serve(sys.stdin.buffer, send)
    return 0


if __name__ == "__main__":
    sys.exit(main())
