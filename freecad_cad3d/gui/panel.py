"""The dock panel: conversion settings, progress with time left and Cancel, engine and learning.

Created once on FreeCAD's main window and toggled by CAD3D_TogglePanel. Every setting is read
from and written to `params` (FreeCAD.ParamGet), so it survives a restart. The panel only
talks to the Session (`jobs`); it never touches the engine or the document itself.
"""

from __future__ import annotations

from typing import Any

import FreeCADGui as Gui

from .. import params
from . import jobs, warm
from .qt import QtCore, QtWidgets, translate

OBJECT_NAME = "CAD3D_Panel"
LABELS = {"ddpm": "DDPM", "ddim": "DDIM", "dpm": "few-step (DPM++)", "auto": "auto"}
USER_METHODS = ("extrude", "vit", "diffusion", "hybrid")


def _tr(text: str) -> str:
    return translate("CAD3D_Panel", text)


def format_eta(seconds: float) -> str:
    """'about 12 s left', '2 min 5 s left', '' when unknown (seconds < 0)."""
    if seconds < 0:
        return ""
    s = int(round(seconds))
    return f"about {s} s left" if s < 60 else f"about {s // 60} min {s % 60} s left"


class Panel(QtWidgets.QDockWidget):
    def __init__(self, parent: Any = None) -> None:
        super().__init__(_tr("CAD3D"), parent)
        self.setObjectName(OBJECT_NAME)
        self.session = jobs.session()
        body = QtWidgets.QWidget()
        outer = QtWidgets.QVBoxLayout(body)
        self.widgets: dict[str, QtWidgets.QWidget] = {}

        box = QtWidgets.QGroupBox(_tr("Conversion"))
        form = QtWidgets.QFormLayout(box)
        self._combo(form, "Method", _tr("Method"), USER_METHODS)
        self._spin(form, "Steps", _tr("Sampling steps"), 1, 1000)
        self._combo(form, "Sampler", _tr("Sampler"), params.SAMPLERS)
        self._dspin(form, "Eta", _tr("Eta"), 0.0, 1.0, 2, 0.1)
        self._dspin(form, "Guidance", _tr("Guidance scale"), 0.0, 20.0, 1, 0.5)
        self._spin(form, "NumPoints", _tr("Points"), 256, 65536, 256)
        self._combo(form, "Device", _tr("Device"), ("auto", "cpu"))
        self._dspin(
            form, "Scale", _tr("Scale (m/px)"), 0.0, 10.0, 4, 0.001, special=_tr("from drawing")
        )
        self._combo(form, "Kind", _tr("Drawing kind"), params.KINDS)
        self._check(form, "LivePreview", _tr("Live preview"))
        self._check(form, "KeepPoints", _tr("Keep point cloud"))
        outer.addWidget(box)

        row = QtWidgets.QHBoxLayout()
        self.run_buttons: list[QtWidgets.QPushButton] = []
        for text, cmd in (
            (_tr("Convert selection"), "CAD3D_ConvertSketch"),
            (_tr("Convert image…"), "CAD3D_ConvertImage"),
        ):
            b = QtWidgets.QPushButton(text)
            b.clicked.connect(lambda _=False, c=cmd: Gui.runCommand(c))
            row.addWidget(b)
            self.run_buttons.append(b)
        outer.addLayout(row)

        run = QtWidgets.QGroupBox(_tr("Progress"))
        v = QtWidgets.QVBoxLayout(run)
        self.bar = QtWidgets.QProgressBar()
        self.bar.setRange(0, 1000)
        self.bar.setValue(0)
        self.message = QtWidgets.QLabel(_tr("idle"))
        self.eta = QtWidgets.QLabel("")
        self.cancel_button = QtWidgets.QPushButton(_tr("Cancel"))
        self.cancel_button.setObjectName("CAD3D_Cancel")
        self.cancel_button.setEnabled(False)
        self.cancel_button.clicked.connect(self.session.cancel)
        line = QtWidgets.QHBoxLayout()
        line.addWidget(self.bar, 1)
        line.addWidget(self.cancel_button)
        v.addLayout(line)
        v.addWidget(self.message)
        v.addWidget(self.eta)
        outer.addWidget(run)

        status = QtWidgets.QGroupBox(_tr("Engine and learning"))
        form2 = QtWidgets.QFormLayout(status)
        self.engine_label = QtWidgets.QLabel(_tr("not started"))
        self.learning_label = QtWidgets.QLabel(_tr("unavailable (not yet built)"))
        self.learning_label.setWordWrap(True)
        form2.addRow(_tr("Engine"), self.engine_label)
        form2.addRow(_tr("Learning"), self.learning_label)
        outer.addWidget(status)
        outer.addStretch(1)

        scroll = QtWidgets.QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setHorizontalScrollBarPolicy(QtCore.Qt.ScrollBarAlwaysOff)
        scroll.setWidget(body)
        self.setWidget(scroll)
        bar = scroll.verticalScrollBar().sizeHint().width()
        self.setMinimumWidth(body.sizeHint().width() + bar + 4)

        self.session.progress.connect(self.on_progress)
        self.session.state_changed.connect(self.on_state)
        self.session.info.connect(self.on_info)
        self.session.client.ready.connect(
            lambda pid: self.engine_label.setText(_tr("running") + f" (pid {pid})")
        )
        warm.pure_modules()  # while the user reads the panel, not when the result lands
        if self.session.engine_info:
            self.on_info(self.session.engine_info)
        else:
            self.session.request_info()

    # -- settings widgets bound to params ----------------------------------------------------
    def _add(self, form: Any, name: str, label: str, w: QtWidgets.QWidget) -> None:
        w.setObjectName(f"CAD3D_{name}")
        w.setToolTip(_tr(params.BY_NAME[name].doc))
        self.widgets[name] = w
        form.addRow(label, w)

    def _combo(self, form: Any, name: str, label: str, choices: tuple[str, ...]) -> None:
        w = QtWidgets.QComboBox()
        for c in choices:
            w.addItem(LABELS.get(c, c), c)
        self._select(w, params.get(name))
        w.currentIndexChanged.connect(lambda i, n=name, w=w: params.set(n, w.itemData(i)))
        self._add(form, name, label, w)

    @staticmethod
    def _select(w: QtWidgets.QComboBox, value: str) -> None:
        i = w.findData(value)
        if i >= 0:
            w.setCurrentIndex(i)

    def _spin(self, form: Any, name: str, label: str, lo: int, hi: int, step: int = 1) -> None:
        w = QtWidgets.QSpinBox()
        w.setRange(lo, hi)
        w.setSingleStep(step)
        w.setValue(params.get(name))
        w.valueChanged.connect(lambda v, n=name: params.set(n, int(v)))
        self._add(form, name, label, w)

    def _dspin(
        self,
        form: Any,
        name: str,
        label: str,
        lo: float,
        hi: float,
        decimals: int,
        step: float,
        special: str = "",
    ) -> None:
        w = QtWidgets.QDoubleSpinBox()
        w.setDecimals(decimals)
        w.setRange(lo, hi)
        w.setSingleStep(step)
        if special:
            w.setSpecialValueText(special)
        w.setValue(params.get(name))
        w.valueChanged.connect(lambda v, n=name: params.set(n, float(v)))
        self._add(form, name, label, w)

    def _check(self, form: Any, name: str, label: str) -> None:
        w = QtWidgets.QCheckBox()
        w.setChecked(params.get(name))
        w.toggled.connect(lambda v, n=name: params.set(n, bool(v)))
        self._add(form, name, label, w)

    # -- session signals -----------------------------------------------------------------------
    def on_progress(self, fraction: float, message: str, eta: float) -> None:
        self.bar.setValue(int(round(fraction * 1000)))
        self.message.setText(message)
        self.eta.setText(format_eta(eta))

    def on_state(self, state: str) -> None:
        running = state == "running"
        self.cancel_button.setEnabled(running)
        for b in self.run_buttons:
            b.setEnabled(not running)
        if running:
            self.bar.setValue(0)
            self.message.setText(_tr("starting the engine…"))
            self.engine_label.setText(_tr("converting"))
        else:
            self.eta.setText("")
            self.message.setText(
                {
                    "done": _tr("done"),
                    "cancelled": _tr("cancelled"),
                    "error": _tr("failed: ") + self.session.last_message,
                    "died": self.session.last_message,
                }.get(state, state)
            )
            if state == "done":
                self.bar.setValue(1000)
            elif state in ("cancelled", "died"):
                self.bar.setValue(0)
            pid = self.session.client.pid
            self.engine_label.setText(
                _tr("running") + f" (pid {pid})" if pid else _tr("stopped; restarts on next use")
            )

    def on_info(self, info: dict[str, Any]) -> None:
        if "error" in info:
            self.engine_label.setText(info["error"])
            return
        methods = info.get("methods", [])
        combo = self.widgets["Method"]
        model = combo.model()
        for i in range(combo.count()):
            item = model.item(i) if hasattr(model, "item") else None
            if item is not None:
                item.setEnabled(combo.itemData(i) in methods)
        if combo.currentData() not in methods:  # show what will run; keep the stored wish
            best = next((m for m in jobs.FALLBACK if m in methods), None)
            if best is not None:
                combo.blockSignals(True)
                self._select(combo, best)
                combo.blockSignals(False)
                combo.setToolTip(
                    _tr("not available in this engine: ")
                    + params.get("Method")
                    + "; "
                    + best
                    + _tr(" runs instead")
                )
        dev = self.widgets["Device"]
        for d in info.get("devices", []):
            if dev.findData(d) < 0:
                dev.addItem(d.upper() if d != "cpu" else "CPU", d)
        self._select(dev, params.get("Device"))
        self.learning_label.setText(learning_text(info.get("learning", {})))


def learning_text(status: dict[str, Any]) -> str:
    """The learning line, honest about what exists: 'unavailable (not yet built)' until it does."""
    if not status.get("available"):
        return _tr("unavailable") + f" ({status.get('reason', 'not yet built')})"
    parts = [_tr("on") if status.get("enabled") else _tr("off")]
    for key, label in (
        ("buffer_size", "replay buffer"),
        ("until_update", "conversions to next update"),
        ("updates", "updates done"),
        ("last_outcome", "last update"),
    ):
        if key in status:
            parts.append(f"{label}: {status[key]}")
    return "; ".join(parts)


_PANEL: list[Panel] = []  # the panel is created once and toggled


def panel(create: bool = True) -> Panel | None:
    """The dock panel (created on the main window on first call)."""
    if not _PANEL and create:
        mw = Gui.getMainWindow()
        p = Panel(mw)
        mw.addDockWidget(QtCore.Qt.RightDockWidgetArea, p)
        p.show()
        _PANEL.append(p)
    return _PANEL[0] if _PANEL else None


def toggle() -> bool:
    """Show or hide the panel; returns whether it is now visible."""
    created = not _PANEL
    p = panel()
    if not created:
        p.setVisible(not p.isVisible())
    if p.isVisible():
        p.raise_()
    return p.isVisible()
