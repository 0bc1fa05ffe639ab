"""Qt through FreeCAD's PySide shim (0.20's PySide2, 1.x's PySide6): never PySide2 directly."""

from __future__ import annotations

from PySide import QtCore, QtGui

try:
    from PySide import QtWidgets
except ImportError:  # very old shims put the widgets in QtGui
    QtWidgets = QtGui

QT_TRANSLATE_NOOP = getattr(QtCore, "QT_TRANSLATE_NOOP", lambda context, text: text)

__all__ = ["QtCore", "QtGui", "QtWidgets", "QT_TRANSLATE_NOOP", "translate"]


def translate(context: str, text: str) -> str:
    """The translated text (FreeCAD loads the addon's .qm files when there are any)."""
    return QtWidgets.QApplication.translate(context, text)
