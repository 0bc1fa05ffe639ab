"""Before an image or PDF goes to the engine: which page, and at what scale.

`ask(path, panel_scale)` reads the file's header (`file_facts`) and asks, in one small dialog,
what the engine cannot know:
- the page, when a PDF or TIFF has several (shown 1-based; the engine counts from 0);
- the scale, when neither the panel nor the file (a `cad3d:scale` tag, a `NAME.json` sidecar)
  states one: a paper scale 1:N with the scan's DPI (a PDF's render resolution), or meters per
  pixel for images.
The answer is the keyword arguments of `jobs.start`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from .file_facts import FileFacts, inspect, needs
from .qt import QtWidgets, translate

PDF_DPI = 200.0  # the engine's default render resolution
SCAN_DPI = 300.0  # offered when a scan states none
MAX_PAGES = 9999  # when the count cannot be read, the engine checks the page


def _tr(text: str) -> str:
    return translate("CAD3D_Load", text)


class LoadDialog(QtWidgets.QDialog):
    """Page and scale of one drawing file. `options()` gives the `jobs.start` keywords."""

    def __init__(self, path: Path, facts: FileFacts, page: bool, scale: bool, parent=None):
        super().__init__(parent)
        self.setObjectName("CAD3D_LoadDialog")
        self.setWindowTitle(_tr("CAD3D: drawing options"))
        self.facts = facts
        form = QtWidgets.QFormLayout(self)
        form.addRow(QtWidgets.QLabel(path.name))
        self.page = QtWidgets.QSpinBox()
        self.page.setObjectName("CAD3D_Page")
        self.page.setRange(1, facts.pages or MAX_PAGES)
        self.page.setValue(1)
        if page:
            total = f" / {facts.pages}" if facts.pages else ""
            form.addRow(_tr("Page") + total, self.page)
        self.paper = QtWidgets.QRadioButton(_tr("Paper scale 1 :"))
        self.ratio = QtWidgets.QDoubleSpinBox()
        self.ratio.setObjectName("CAD3D_Ratio")
        self.ratio.setRange(1.0, 100000.0)
        self.ratio.setDecimals(0)
        self.ratio.setValue(100.0)
        self.dpi = QtWidgets.QDoubleSpinBox()
        self.dpi.setObjectName("CAD3D_Dpi")
        self.dpi.setRange(10.0, 2400.0)
        self.dpi.setDecimals(0)
        pdf = facts.kind == "pdf"
        self.dpi.setValue(PDF_DPI if pdf else facts.dpi or SCAN_DPI)
        self.dpi.setSuffix(_tr(" dpi (render)") if pdf else _tr(" dpi"))
        self.mpp = QtWidgets.QRadioButton(_tr("Meters per pixel"))
        self.meters = QtWidgets.QDoubleSpinBox()
        self.meters.setObjectName("CAD3D_MetersPerPixel")
        self.meters.setRange(0.0001, 10.0)
        self.meters.setDecimals(4)
        self.meters.setValue(0.02)
        self.paper.setChecked(True)
        self.asks_scale = scale
        if scale:
            form.addRow(self.paper, self.ratio)
            form.addRow(_tr("at"), self.dpi)
            if not pdf:  # a PDF has no pixels of its own: its scale is the paper's
                form.addRow(self.mpp, self.meters)
            form.addRow(QtWidgets.QLabel(_tr("The file states no scale; the panel's is empty.")))
        buttons = QtWidgets.QDialogButtonBox(
            QtWidgets.QDialogButtonBox.Ok | QtWidgets.QDialogButtonBox.Cancel
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)
        self.asks_page = page

    def options(self) -> dict[str, Any]:
        """{"page": 0-based} and {"drawing_scale": "1:N", "dpi": d} or {"scale": m/px}."""
        opts: dict[str, Any] = {}
        if self.asks_page and self.page.value() > 1:
            opts["page"] = self.page.value() - 1
        if self.asks_scale:
            if self.mpp.isChecked() and self.facts.kind != "pdf":
                opts["scale"] = float(self.meters.value())
            else:
                opts["drawing_scale"] = f"1:{self.ratio.value():g}"
                opts["dpi"] = float(self.dpi.value())
        return opts


def _exec(dialog: LoadDialog) -> bool:
    """Run the dialog (tests replace this to answer as a user would)."""
    return dialog.exec_() == QtWidgets.QDialog.Accepted


def ask(path: str | Path, panel_scale: float = 0.0, parent=None) -> dict[str, Any] | None:
    """Keyword arguments for `jobs.start(path, ...)`: {} when nothing needs asking, None when
    the user cancelled the dialog."""
    path = Path(path)
    facts = inspect(path)
    page, scale = needs(facts, panel_scale)
    if not (page or scale):
        return {}
    dialog = LoadDialog(path, facts, page, scale, parent)
    return dialog.options() if _exec(dialog) else None
