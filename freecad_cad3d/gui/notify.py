"""Tell the user something: one report-view line and, for problems, a non-blocking message box.

Why non-blocking (`QMessageBox.open`, not `exec_`/`warning`): a modal loop would stop the
engine's signals from arriving and freeze the live preview; scripted GUI tests can close an open
box but not return from a blocked one. Every box is named `CAD3D_Message` so tests find it.
"""

from __future__ import annotations

from typing import Any

import FreeCAD as App

from .qt import QtWidgets, translate

OBJECT_NAME = "CAD3D_Message"
_OPEN: list[Any] = []  # keeps open boxes alive (Qt would delete an unreferenced box)


def message(text: str, level: str = "error", box: bool | None = None) -> Any:
    """Print `CAD3D: text` to the report view at `level` ("error", "warning", "info") and show
    a box (by default for errors and warnings); returns the box or None."""
    line = f"CAD3D: {text}\n"
    {"error": App.Console.PrintError, "warning": App.Console.PrintWarning}.get(
        level, App.Console.PrintMessage
    )(line)
    if box is None:
        box = level in ("error", "warning")
    if not box or not App.GuiUp:
        return None
    import FreeCADGui as Gui

    icon = {
        "error": QtWidgets.QMessageBox.Critical,
        "warning": QtWidgets.QMessageBox.Warning,
    }.get(level, QtWidgets.QMessageBox.Information)
    mb = QtWidgets.QMessageBox(Gui.getMainWindow())
    mb.setIcon(icon)
    mb.setWindowTitle("CAD3D")
    mb.setText(translate("CAD3D", text))
    mb.setObjectName(OBJECT_NAME)
    mb.open()  # window-modal but not blocking: the event loop (and the engine) go on
    _OPEN[:] = [b for b in _OPEN if b.isVisible()] + [mb]
    return mb


def error_text(exc: BaseException) -> str:
    """The one-line message of a user-facing cad3d error; type and first line otherwise."""
    from cad3d.errors import Cad3dError

    text = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    if isinstance(exc, Cad3dError):
        return text or type(exc).__name__
    if isinstance(exc, OSError) and exc.strerror:
        where = f"{exc.filename}: " if exc.filename else ""
        return f"{where}{exc.strerror}"
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__
