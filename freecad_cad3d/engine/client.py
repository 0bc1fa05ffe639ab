"""The GUI's side of the engine: one persistent worker process, driven by a QProcess.

Why a separate process and not a thread in FreeCAD's own Python:
- Crashes stay outside FreeCAD. In FreeCAD 0.20's GUI (Mesa OpenGL) `import timm` segfaults the
  whole process (torch._dynamo -> triton, whose LLVM clashes with Mesa's); an out-of-memory kill
  or a native crash in torch would take the user's unsaved documents with it. In a worker it
  only ends the worker: we say so and start a new one on the next conversion.
- Cancel is immediate and total: killing a process stops torch mid-matmul within milliseconds,
  while a Python thread can only stop between steps, if the code polls a flag.
- The engine's Python is its own: the private venv (`CAD3D_InstallEngine`) may use another
  Python version than FreeCAD's, and its packages never shadow FreeCAD's (Debian's sympy).
  FreeCAD's Render workbench runs its renderers the same way.
The worker is started on first use and reused (torch loads once); messages are JSON lines
(`protocol`). QProcess delivers its output through the main thread's event loop, so every
signal below is emitted on the main thread and handlers may touch the scene graph and the
document; nothing here blocks the GUI.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections import deque
from pathlib import Path
from typing import Any

from PySide import QtCore

from . import protocol

LOG_LINES = 40  # stderr lines kept to explain a crash
LOG_MAX_BYTES = 2 << 20  # engine.log starts over beyond this


def engine_python(override: str = "") -> str:
    """The interpreter that runs the worker: the setting, $CAD3D_ENGINE_PYTHON, or the venv's."""
    from .. import installer, paths

    cand = override or os.environ.get("CAD3D_ENGINE_PYTHON", "")
    return cand or str(installer.venv_python(paths.venv_dir()))


def worker_env(base: dict[str, str] | None = None) -> dict[str, str]:
    """Environment of the worker: the addon and its `core/` on PYTHONPATH, unbuffered output."""
    from .. import paths

    env = dict(os.environ if base is None else base)
    roots = [str(paths.addon_dir()), str(paths.core_dir())]
    if env.get("PYTHONPATH"):
        roots.append(env["PYTHONPATH"])
    env["PYTHONPATH"] = os.pathsep.join(roots)
    env["PYTHONUNBUFFERED"] = "1"
    env.pop("PYTHONHOME", None)  # FreeCAD's bundled builds set it for their own Python
    return env


class EngineClient(QtCore.QObject):
    """Starts, talks to, cancels and restarts the engine worker.

    Signals (all on the main thread): ready(pid), info(dict), progress(job, fraction, message,
    eta or -1), preview(job, dict), result(job, path, seconds), error(job, message, code),
    died(message) when the worker ended on its own (crash, killed from outside).
    """

    ready = QtCore.Signal(int)
    info = QtCore.Signal(object)
    progress = QtCore.Signal(int, float, str, float)
    preview = QtCore.Signal(int, object)
    result = QtCore.Signal(int, str, float)
    error = QtCore.Signal(int, str, int)
    died = QtCore.Signal(str)

    def __init__(self, python: str = "", parent: QtCore.QObject | None = None) -> None:
        super().__init__(parent)
        self.python = python
        self.proc: QtCore.QProcess | None = None
        self.pid = 0
        self.job = 0
        self.busy = False
        self._expect_exit = False
        self._buf = protocol.LineBuffer()
        self._log: deque[str] = deque(maxlen=LOG_LINES)
        self._pending: list[bytes] = []
        self.workdir = Path(tempfile.mkdtemp(prefix="cad3d-engine-"))

    # -- process ---------------------------------------------------------------------------
    def is_running(self) -> bool:
        return self.proc is not None and self.proc.state() != QtCore.QProcess.NotRunning

    def start(self) -> None:
        """Start the worker if it is not running (returns at once; `ready` follows)."""
        if self.is_running():
            return
        python = engine_python(self.python)
        if not Path(python).exists():
            from cad3d.errors import DependencyMissing

            raise DependencyMissing(
                f"the CAD3D engine is not installed ({python} is missing): run CAD3D > Install engine"
            )
        proc = QtCore.QProcess(self)
        env = QtCore.QProcessEnvironment()
        for k, v in worker_env().items():
            env.insert(k, v)
        proc.setProcessEnvironment(env)
        proc.readyReadStandardOutput.connect(self._on_stdout)
        proc.readyReadStandardError.connect(self._on_stderr)
        proc.finished.connect(self._on_finished)
        if hasattr(proc, "errorOccurred"):
            proc.errorOccurred.connect(self._on_error)
        self._buf = protocol.LineBuffer()
        self._expect_exit = False
        self.proc = proc
        proc.start(python, ["-u", "-m", "freecad_cad3d.engine.worker"])
        for data in self._pending:
            proc.write(data)
        self._pending = []

    def send(self, msg: dict[str, Any]) -> None:
        """Queue one request (starts the worker if needed)."""
        self.start()
        assert self.proc is not None
        self.proc.write(protocol.encode(msg))

    def request_info(self) -> None:
        self.send({"type": "info"})

    def convert(
        self,
        source: dict[str, str],
        method: str,
        steps: int,
        scale: float | None = None,
        kind: str = "auto",
        options: dict[str, Any] | None = None,
        preview: bool = True,
    ) -> int:
        """Ask for one conversion; returns its job number. Results arrive as signals."""
        self.job += 1
        self.workdir.mkdir(parents=True, exist_ok=True)
        out = self.workdir / f"result-{self.job}.npz"
        self.send(
            {
                "type": "convert",
                "job": self.job,
                "source": source,
                "method": method,
                "steps": int(steps),
                "scale": scale,
                "kind": kind,
                "options": options or {},
                "preview": bool(preview),
                "out": str(out),
            }
        )
        self.busy = True
        return self.job

    def cancel(self, timeout_ms: int = 1000) -> bool:
        """Stop the running conversion now: kill the worker (a new one starts on next use)."""
        if not self.is_running():
            self.busy = False
            return False
        self._expect_exit = True
        self.proc.kill()
        done = self.proc.waitForFinished(timeout_ms)
        self.busy = False
        return bool(done)

    def shutdown(self) -> None:
        """Ask the worker to quit, kill it if it lingers; remove the exchange folder."""
        if self.is_running() and self.busy:  # it would not read "quit" before it is done
            self.cancel()
        if self.is_running():
            self._expect_exit = True
            self.proc.write(protocol.encode({"type": "quit"}))
            self.proc.closeWriteChannel()
            if not self.proc.waitForFinished(2000):
                self.proc.kill()
                self.proc.waitForFinished(1000)
        shutil.rmtree(self.workdir, ignore_errors=True)

    def log_tail(self, n: int = 5) -> str:
        return "\n".join(list(self._log)[-n:])

    # -- incoming --------------------------------------------------------------------------
    def _on_stderr(self) -> None:
        text = bytes(self.proc.readAllStandardError()).decode("utf-8", errors="replace")
        for line in text.splitlines():
            if line.strip():
                self._log.append(line)
        try:  # the whole story, for a bug report: <user data>/cad3d/logs/engine.log
            log = self.log_path()
            mode = "w" if log.exists() and log.stat().st_size > LOG_MAX_BYTES else "a"
            with open(log, mode, encoding="utf-8") as f:
                f.write(text)
        except OSError:
            pass

    @staticmethod
    def log_path() -> Path:
        from .. import paths

        folder = paths.ensure_user_data_dir() / "logs"
        folder.mkdir(parents=True, exist_ok=True)
        return folder / "engine.log"

    def _on_stdout(self) -> None:
        for line in self._buf.feed(bytes(self.proc.readAllStandardOutput())):
            msg = protocol.decode(line)
            if msg is not None:
                self._dispatch(msg)

    def _dispatch(self, msg: dict[str, Any]) -> None:
        kind, job = msg["type"], int(msg.get("job", 0))
        if kind == "ready":
            self.pid = int(msg.get("pid", 0))
            self.ready.emit(self.pid)
        elif kind == "info":
            self.info.emit(msg)
        elif kind == "progress":
            eta = msg.get("eta")
            self.progress.emit(
                job,
                float(msg["fraction"]),
                msg.get("message", ""),
                -1.0 if eta is None else float(eta),
            )
        elif kind == "preview":
            self.preview.emit(job, msg)
        elif kind == "result":
            self.busy = False
            self.result.emit(job, msg["path"], float(msg.get("seconds", 0.0)))
        elif kind == "error":
            self.busy = False
            self.error.emit(job, msg.get("message", "engine error"), int(msg.get("code", 1)))

    def _on_error(self, err: Any) -> None:
        if err == QtCore.QProcess.FailedToStart:
            self.busy = False
            self.died.emit(f"the CAD3D engine could not start ({engine_python(self.python)})")

    def _on_finished(self, code: int = 0, status: Any = None) -> None:
        was_busy, expected = self.busy, self._expect_exit
        self.busy = False
        self.pid = 0
        if not expected:
            why = (
                f"exit code {code}"
                if status != QtCore.QProcess.CrashExit
                else "it crashed or was killed"
            )
            tail = self.log_tail(1)
            msg = f"the CAD3D engine stopped ({why}){' during a conversion' if was_busy else ''}"
            if tail:
                msg += f": {tail.strip()[:200]}"
            self.died.emit(msg + "; it restarts on the next conversion")
