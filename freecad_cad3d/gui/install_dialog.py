"""CAD3D_InstallEngine's dialog: make the engine venv and pip-install its requirements.

Two QProcess steps (`python -m venv`, then `pip install -r requirements-engine.txt`) with a
progress dialog fed by pip's output lines; Cancel kills pip. Never touches FreeCAD's own Python.
On failure it says what failed in one sentence (`installer.explain_failure`): offline, a
package missing from the wheel folder, a full disk.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import FreeCAD as App
import FreeCADGui as Gui

from .. import installer, params, paths
from .qt import QtCore, QtWidgets, translate


def _tr(text: str) -> str:
    return translate("CAD3D_Install", text)


class Installer(QtCore.QObject):
    """Runs the steps; `finished(ok, message)` at the end."""

    finished = QtCore.Signal(bool, str)

    def __init__(self, venv: Path, wheels: Path | None, offline: bool, parent: Any = None) -> None:
        super().__init__(parent)
        self.venv, self.wheels, self.offline = venv, wheels, offline
        self.lines: list[str] = []
        self.progress = installer.PipProgress(expected=len(installer.requirement_names()))
        self.proc: QtCore.QProcess | None = None
        self.steps: list[tuple[str, list[str]]] = []
        self.dialog: QtWidgets.QProgressDialog | None = None

    def start(self, show: bool = True) -> None:
        base = installer.base_python()
        if base is None:
            self.finished.emit(False, _tr("no Python interpreter found to create the engine venv"))
            return
        if not installer.venv_python(self.venv).exists():
            self.steps.append((_tr("creating the venv"), installer.venv_command(base, self.venv)))
        self.steps.append(
            (
                _tr("installing packages"),
                installer.pip_command(
                    self.venv,
                    wheels=self.wheels,
                    offline=self.offline,
                    cpu_torch=installer.wants_cpu_torch(),
                ),
            )
        )
        if show:
            self.dialog = QtWidgets.QProgressDialog(
                _tr("Installing the CAD3D engine…"), _tr("Cancel"), 0, 1000, Gui.getMainWindow()
            )
            self.dialog.setWindowTitle("CAD3D")
            self.dialog.setMinimumDuration(0)
            self.dialog.canceled.connect(self.cancel)
            self.dialog.show()
        self._next()

    def _next(self) -> None:
        label, cmd = self.steps.pop(0)
        self._label(label)
        App.Console.PrintMessage(f"CAD3D: {' '.join(cmd)}\n")
        proc = QtCore.QProcess(self)
        proc.setProcessChannelMode(QtCore.QProcess.MergedChannels)
        proc.readyReadStandardOutput.connect(self._on_output)
        proc.finished.connect(self._on_finished)
        self.proc = proc
        proc.start(cmd[0], cmd[1:])

    def _label(self, text: str) -> None:
        if self.dialog is not None:
            self.dialog.setLabelText(text)

    def _on_output(self) -> None:
        text = bytes(self.proc.readAllStandardOutput()).decode("utf-8", errors="replace")
        for line in text.splitlines():
            self.lines.append(line)
            fraction, message = self.progress.feed(line)
            self._label(message)
            if self.dialog is not None:
                self.dialog.setValue(int(fraction * 1000))

    def _on_finished(self, code: int = 0, status: Any = None) -> None:
        if self.proc is None:  # cancelled
            return
        if code != 0 or status == QtCore.QProcess.CrashExit:
            self._done(False, installer.explain_failure(self.lines, self.wheels))
        elif self.steps:
            self._next()
        else:
            self._done(True, _tr("the CAD3D engine is installed in ") + str(self.venv))

    def cancel(self) -> None:
        proc, self.proc = self.proc, None
        if proc is not None:
            proc.kill()
            proc.waitForFinished(1000)
        self._done(False, _tr("installation cancelled"))

    def _done(self, ok: bool, message: str) -> None:
        if self.dialog is not None:
            self.dialog.reset()
            self.dialog.hide()
        (App.Console.PrintMessage if ok else App.Console.PrintError)(f"CAD3D: {message}\n")
        self.finished.emit(ok, message)


_RUNNING: list[Installer] = []


def running() -> bool:
    return bool(_RUNNING)


def run(
    wheels: str | None = None, offline: bool | None = None, ask: bool = True
) -> Installer | None:
    """Install the engine; asks where from (PyPI or a local wheel folder) unless `ask` is False."""
    if _RUNNING:
        return _RUNNING[0]
    mw = Gui.getMainWindow()
    if ask and wheels is None:
        box = QtWidgets.QMessageBox(mw)
        box.setWindowTitle("CAD3D")
        box.setText(
            _tr("Install the CAD3D engine (torch, timm, OpenCV; about 3 GB) into\n")
            + str(paths.venv_dir())
        )
        pypi = box.addButton(_tr("From PyPI"), QtWidgets.QMessageBox.AcceptRole)
        local = box.addButton(_tr("From a wheel folder…"), QtWidgets.QMessageBox.ActionRole)
        box.addButton(QtWidgets.QMessageBox.Cancel)
        box.exec_()
        if box.clickedButton() == local:
            wheels = QtWidgets.QFileDialog.getExistingDirectory(
                mw, _tr("Folder of wheels"), params.get("WheelDir")
            )
            if not wheels:
                return None
            params.set("WheelDir", wheels)
            offline = True if offline is None else offline
        elif box.clickedButton() != pypi:
            return None
    inst = Installer(paths.venv_dir(), Path(wheels) if wheels else None, bool(offline), mw)

    def done(ok: bool, message: str) -> None:
        _RUNNING.clear()
        if ask:
            (QtWidgets.QMessageBox.information if ok else QtWidgets.QMessageBox.warning)(
                mw, "CAD3D", message
            )

    inst.finished.connect(done)
    _RUNNING.append(inst)
    inst.start(show=True)
    return inst
