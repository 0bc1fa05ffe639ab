"""The GUI's asynchronous conversion: source -> engine worker -> live preview -> native group.

    >>> import freecad_cad3d.gui.jobs as jobs
    >>> jobs.start("/path/plan.png")                      # settings from the panel / preferences
    >>> jobs.start(App.ActiveDocument.Sketch, method="extrude")
    >>> jobs.cancel()

`start` returns at once; the worker streams progress and preview points, which arrive on the
main thread (QProcess signals) where the preview is drawn and, at the end, the group is built
in one undo step (`freecad_cad3d.add_conversion`). A user-facing error becomes a message box
and one report-view line, never a traceback dialog, and leaves the document as it was.
One Session per FreeCAD process holds the engine client (the worker is reused between runs).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import FreeCAD as App
import FreeCADGui as Gui

from .. import params
from ..engine import transfer
from ..engine.client import EngineClient
from . import notify, warm
from .qt import QtCore, QtWidgets

FALLBACK = ("hybrid", "diffusion", "vit", "extrude")
# Exact Part solids are built on the main thread (OCC holds the GIL). With solids.py's 2D slab
# construction (benchmarks/bench_solids.py) a traced plan of 1080 vertices takes 0.13 s and
# 8640 vertices 0.46 s. Above this bound the GUI keeps the meshes only (the macro API
# `freecad_cad3d.convert` still builds solids up to solids.MAX_VERTICES).
GUI_SOLID_MAX_VERTICES = 10_000
PREVIEW_MIN_PERIOD = 0.25  # s between two redraws of the preview: each costs a 3D-view render


@dataclass
class Job:
    id: int
    doc_name: str
    name: str
    method: str
    placement: Any = None
    preview: Any = None
    started: float = field(default_factory=time.perf_counter)
    new_doc: bool = False  # the document was made for this job: closed again if it fails


class Session(QtCore.QObject):
    """The engine client, the running job, and the listeners (the dock panel)."""

    state_changed = QtCore.Signal(str)  # "idle", "running", "done", "error", "cancelled", "died"
    progress = QtCore.Signal(float, str, float)  # fraction, message, seconds left (-1: unknown)
    info = QtCore.Signal(object)

    def __init__(self) -> None:
        super().__init__()
        self.client = EngineClient(params.get("EnginePython"))
        warm.gui_modules()
        self.client.progress.connect(self._on_progress)
        self.client.preview.connect(self._on_preview)
        self.client.result.connect(self._on_result)
        self.client.error.connect(self._on_error)
        self.client.died.connect(self._on_died)
        self.client.info.connect(self._on_info)
        self.job: Job | None = None
        self.engine_info: dict[str, Any] | None = None
        self.last_group: Any = None
        self.last_message = ""
        self.result_timings: dict[str, float] = {}  # main-thread seconds spent on the last result
        self.boxes: list[Any] = []  # open message boxes (non-modal, so nothing blocks)
        self._preview_msg: dict[str, Any] | None = None
        self._preview_last = 0.0

    # -- requests --------------------------------------------------------------------------
    @property
    def busy(self) -> bool:
        return self.job is not None

    def start(
        self,
        source: Any,
        method: str | None = None,
        steps: int | None = None,
        scale: float | None = None,
        kind: str | None = None,
        options: dict[str, Any] | None = None,
        page: int = 0,
        drawing_scale: str | None = None,
        dpi: float | None = None,
    ) -> int:
        """Start converting `source` (a path, a Sketch, shapes, an Image plane); the job id, or 0.

        For files: page (0-based) of a PDF / TIFF; drawing_scale ("1:100") with dpi (the scan's,
        or a PDF's render resolution) when neither `scale` nor the file gives the scale.
        """
        from cad3d.errors import Cad3dError

        if self.busy:
            self.report("a conversion is already running: cancel it first", warning=True)
            return 0
        p = params.values()
        method = method or p["Method"]
        steps = int(steps or p["Steps"])
        kind = kind or p["Kind"]
        if scale is None and p["Scale"] > 0:
            scale = p["Scale"]
        opts = {
            "sampler": p["Sampler"],
            "eta": p["Eta"],
            "guidance_scale": p["Guidance"],
            "num_points": p["NumPoints"],
            "device": p["Device"],
        }
        opts.update(options or {})
        method = self._available(method)
        load = {"page": int(page), "drawing_scale": drawing_scale, "dpi": dpi}
        new_doc = App.ActiveDocument is None
        try:
            src, doc, name, placement = self._prepare(source, scale, kind, load)
            job_id = self.client.convert(src, method, steps, scale, kind, opts, p["LivePreview"])
        except Exception as exc:  # a message, never a traceback dialog; nothing was created
            text = notify.error_text(exc)
            self.report(
                text if isinstance(exc, Cad3dError) else f"could not read the drawing: {text}"
            )
            if new_doc and App.ActiveDocument is not None and not App.ActiveDocument.Objects:
                App.closeDocument(App.ActiveDocument.Name)
            return 0
        self.job = Job(job_id, doc.Name, name, method, placement, new_doc=new_doc)
        warm.pure_modules()
        if p["LivePreview"]:
            self.job.preview = self._make_preview(doc, placement)
        self.state_changed.emit("running")
        App.Console.PrintMessage(f"CAD3D: converting {name} with {method} ({steps} steps)\n")
        return job_id

    def cancel(self) -> bool:
        """Stop the running conversion within a second; the document is not touched."""
        if not self.busy:
            return False
        t = time.perf_counter()
        self.client.cancel()
        self._finish("cancelled", f"conversion cancelled in {time.perf_counter() - t:.2f} s")
        return True

    def request_info(self) -> None:
        from cad3d.errors import Cad3dError

        try:
            self.client.request_info()
        except Cad3dError as exc:
            self.info.emit({"error": str(exc)})

    # -- helpers ---------------------------------------------------------------------------
    def _available(self, method: str) -> str:
        methods = (self.engine_info or {}).get("methods")
        if not methods or method in methods or method == "selftest":
            return method
        best = next((m for m in FALLBACK if m in methods), "extrude")
        self.report(
            f"method {method!r} is not available in the engine; using {best!r}",
            warning=True,
            box=False,
        )
        return best

    def _prepare(self, source: Any, scale: float | None, kind: str, load: dict[str, Any]):
        """(worker source, doc, name, placement): files go by path, objects as a drawing file."""
        if isinstance(source, (str, Path)):
            path = Path(source)
            doc = App.ActiveDocument or App.newDocument(_doc_name(path.stem))
            src = {"path": str(path), **{k: v for k, v in load.items() if v}}
            return src, doc, path.stem, None
        import freecad_cad3d

        drawing, placement, doc, name = freecad_cad3d.drawing_of(source, scale, kind)
        self.client.workdir.mkdir(parents=True, exist_ok=True)
        npz = self.client.workdir / f"drawing-{self.client.job + 1}.npz"
        transfer.write_drawing(drawing, npz)
        return {"drawing": str(npz)}, doc, name, placement

    def _make_preview(self, doc: Any, placement: Any) -> Any:
        from .preview import Preview

        gdoc = Gui.getDocument(doc.Name) if App.GuiUp else None
        view = getattr(gdoc, "ActiveView", None) if gdoc else None
        if view is None or not hasattr(view, "getSceneGraph"):
            return None
        return Preview(view, placement)

    def _doc(self) -> Any:
        if self.job and self.job.doc_name in App.listDocuments():
            return App.getDocument(self.job.doc_name)
        return None

    def _finish(self, state: str, message: str, error: bool = False) -> None:
        if self.job and self.job.preview is not None:
            self.job.preview.remove()
        if self.job and self.job.new_doc and state != "done":  # leave no empty document behind
            doc = self._doc()
            if doc is not None and not doc.Objects:
                App.closeDocument(doc.Name)
        self.job = None
        if message:
            self.report(message, error=error, box=error)
        self.state_changed.emit(state)

    def report(
        self, message: str, error: bool = True, warning: bool = False, box: bool = True
    ) -> None:
        """One report-view line; a non-blocking message box for errors and warnings."""
        self.last_message = message
        level = "warning" if warning else "error" if error else "info"
        mb = notify.message(message, level, box=box and (error or warning))
        if mb is not None:
            self.boxes = [b for b in self.boxes if b.isVisible()] + [mb]

    # -- engine signals (main thread) ------------------------------------------------------
    def _current(self, job: int) -> bool:
        return self.job is not None and self.job.id == job

    def _on_info(self, msg: dict[str, Any]) -> None:
        self.engine_info = msg
        self.info.emit(msg)

    def _on_progress(self, job: int, fraction: float, message: str, eta: float) -> None:
        if self._current(job):
            self.progress.emit(fraction, message, eta)

    def _on_preview(self, job: int, msg: dict[str, Any]) -> None:
        """Draw the newest preview, at most every PREVIEW_MIN_PERIOD s (older ones are dropped)."""
        if not self._current(job) or self.job.preview is None:
            return
        if "segments" in msg:  # plan outlines come once: never dropped
            self.job.preview.set_segments(transfer.decode_array(msg["segments"]))
        if "points" not in msg:
            return
        wait = self._preview_last + PREVIEW_MIN_PERIOD - time.perf_counter()
        pending = self._preview_msg is not None
        self._preview_msg = msg
        if wait <= 0:
            self._apply_preview()
        elif not pending:
            QtCore.QTimer.singleShot(int(wait * 1000) + 1, self._apply_preview)

    def _apply_preview(self) -> None:
        msg, self._preview_msg = self._preview_msg, None
        if (
            msg is None
            or self.job is None
            or self.job.preview is None
            or not self._current(msg["job"])
        ):
            return
        self._preview_last = time.perf_counter()
        if "points" in msg:
            labels = transfer.decode_array(msg["labels"]) if "labels" in msg else None
            self.job.preview.set_points(transfer.decode_array(msg["points"]), labels)

    def _on_result(self, job: int, path: str, seconds: float) -> None:
        if not self._current(job):
            return
        import freecad_cad3d
        from cad3d.errors import Cad3dError

        doc = self._doc()
        if doc is None:
            self._finish("error", "the document was closed during the conversion", error=True)
            return
        try:
            t0 = time.perf_counter()
            conversion = transfer.read_result(path)
            t1 = time.perf_counter()
            if conversion.meshes and not params.get("KeepPoints"):  # points-only results keep them
                conversion.points = None
            solids = _solids_fit_gui(conversion.plan)
            group = freecad_cad3d.add_conversion(
                doc, conversion, self.job.name, self.job.placement, solids=solids
            )
            self.result_timings = {"read": t1 - t0, "build": time.perf_counter() - t1}
        except Cad3dError as exc:
            self._finish("error", str(exc), error=True)
            return
        except Exception as exc:  # never a traceback dialog; the document is rolled back
            self._finish(
                "error", f"could not build the result: {type(exc).__name__}: {exc}", error=True
            )
            return
        finally:
            Path(path).unlink(missing_ok=True)
        self.last_group = group
        self._finish("done", "")
        n = len(group.Group)
        self.report(
            f"{group.Label}: {n} object{'s' if n != 1 else ''} in {seconds:.1f} s",
            error=False,
            box=False,
        )

    def _on_error(self, job: int, message: str, code: int) -> None:
        if self._current(job):
            self._finish("error", message, error=True)

    def _on_died(self, message: str) -> None:
        if self.job is not None:
            self._finish("died", message, error=True)
        else:
            self.report(message, warning=True, box=False)
            self.state_changed.emit("died")


def _solids_fit_gui(plan: Any) -> bool:
    """Whether exact solids of `plan` build quickly enough for the main thread (see
    GUI_SOLID_MAX_VERTICES); says so in the report view when they do not."""
    if plan is None:
        return True

    def count(area: Any) -> int:
        polys = getattr(area, "geoms", [area])
        return sum(
            len(p.exterior.coords) + sum(len(r.coords) for r in p.interiors)
            for p in polys
            if hasattr(p, "exterior")
        )

    n = sum(count(s.footprint) for s in plan.solids) + sum(count(c.footprint) for c in plan.cuts)
    if n <= GUI_SOLID_MAX_VERTICES:
        return True
    notify.message(
        f"the plan has {n} vertices: meshes only (exact solids would freeze FreeCAD; "
        "freecad_cad3d.convert() builds them)",
        "info",
    )
    return False


def _doc_name(stem: str) -> str:
    import re

    return re.sub(r"\W", "_", stem, flags=re.ASCII) or "cad3d"


_SESSION: list[Session] = []  # one per FreeCAD process (the engine worker is reused)


def session() -> Session:
    """The process's Session, created on first use."""
    if not _SESSION:
        _SESSION.append(Session())
        QtWidgets.QApplication.instance().aboutToQuit.connect(_SESSION[0].client.shutdown)
    return _SESSION[0]


def start(source: Any, **kw: Any) -> int:
    """Convert `source` asynchronously (see Session.start); the job id, or 0 if refused."""
    return session().start(source, **kw)


def cancel() -> bool:
    """Cancel the running conversion."""
    return session().cancel()
