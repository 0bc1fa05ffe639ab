"""The five CAD3D commands. Importing this module registers them with FreeCADGui.

Each `Activated` runs one line of Python through `Gui.doCommand`, so every toolbar action shows
in the Python console and in recorded macros. Conversions go through `freecad_cad3d.gui.jobs`
(the asynchronous engine worker); the same work is scriptable synchronously with
`freecad_cad3d.convert(...)`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import FreeCAD as App
import FreeCADGui as Gui

from .. import params, paths
from . import notify
from .qt import QT_TRANSLATE_NOOP, QtWidgets, translate

COMMANDS = (
    "CAD3D_ConvertSketch",
    "CAD3D_ConvertImage",
    "CAD3D_ExportDXF",
    "CAD3D_TogglePanel",
    "CAD3D_InstallEngine",
)
IMAGE_FILTER = (
    "Drawings (*.png *.jpg *.jpeg *.tif *.tiff *.bmp *.webp *.gif *.pdf *.dxf);;"
    "Images (*.png *.jpg *.jpeg *.tif *.tiff *.bmp *.webp *.gif);;PDF (*.pdf);;2D DXF (*.dxf);;"
    "All files (*)"
)
SHAPE_TYPES = (
    "Sketcher::SketchObject",
    "Part::Part2DObjectPython",
    "Part::Feature",
    "Part::FeaturePython",
)


def _busy() -> bool:
    from . import jobs

    return bool(jobs._SESSION) and jobs._SESSION[0].busy


def _engine_missing() -> bool:
    from ..engine.client import engine_python

    return not Path(engine_python(params.get("EnginePython"))).exists()


def _explain_missing_engine() -> bool:
    """When the engine is not installed, say what to do (and return True)."""
    if not _engine_missing():
        return False
    notify.message(
        "The CAD3D engine (torch, timm, OpenCV) is not installed yet.\n"
        "Run CAD3D > Install engine once; it goes into your FreeCAD user data folder.",
        "info",
        box=True,
    )
    return True


def _drawing_selection() -> list[Any]:
    """Selected Sketches / 2D shapes (Draft wires, Part edges); else the sketch in edit."""
    sel = [
        o
        for o in Gui.Selection.getSelection()
        if getattr(o, "TypeId", "") in SHAPE_TYPES
        and hasattr(o, "Shape")
        and o.Shape.Edges
        and not o.Shape.Solids
    ]
    if sel:
        return sel
    gdoc = Gui.ActiveDocument
    edit = gdoc.getInEdit() if gdoc else None
    obj = getattr(edit, "Object", None)
    return [obj] if obj is not None and obj.TypeId == "Sketcher::SketchObject" else []


def _selected_image_plane() -> Any:
    return next((o for o in Gui.Selection.getSelection() if o.TypeId == "Image::ImagePlane"), None)


def _obj_expr(obj: Any) -> str:
    return f"App.getDocument({obj.Document.Name!r}).getObject({obj.Name!r})"


class _Command:
    name = ""
    menu = ""
    tip = ""

    def GetResources(self) -> dict[str, str]:
        return {"Pixmap": paths.icon(self.name), "MenuText": self.menu, "ToolTip": self.tip}


class ConvertSketch(_Command):
    name = "CAD3D_ConvertSketch"
    menu = QT_TRANSLATE_NOOP("CAD3D_ConvertSketch", "Convert sketch to 3D")
    tip = QT_TRANSLATE_NOOP(
        "CAD3D_ConvertSketch",
        "Convert the selected Sketch or 2D shapes (or the sketch in edit) into a 3D model standing on it",
    )

    def IsActive(self) -> bool:
        return App.ActiveDocument is not None and not _busy() and bool(_drawing_selection())

    def Activated(self) -> None:
        if _explain_missing_engine():
            return
        objs = _drawing_selection()
        if not objs:  # the panel's button runs this without checking IsActive
            plane = _selected_image_plane()
            if plane is None:
                notify.message("Select a Sketch, 2D shapes or an Image plane first.", "info", True)
                return
            objs = [plane]
        expr = _obj_expr(objs[0]) if len(objs) == 1 else "[" + ", ".join(map(_obj_expr, objs)) + "]"
        Gui.doCommand("import freecad_cad3d.gui.jobs")
        Gui.doCommand(f"freecad_cad3d.gui.jobs.start({expr})")


class ConvertImage(_Command):
    name = "CAD3D_ConvertImage"
    menu = QT_TRANSLATE_NOOP("CAD3D_ConvertImage", "Convert image to 3D")
    tip = QT_TRANSLATE_NOOP(
        "CAD3D_ConvertImage",
        "Convert a drawing image (PNG, JPG, TIFF, PDF) or the selected Image plane into a 3D model",
    )

    def IsActive(self) -> bool:
        return not _busy()

    def Activated(self) -> None:
        if _explain_missing_engine():
            return
        plane = _selected_image_plane()
        if plane is not None:
            expr = _obj_expr(plane)
        else:
            path, _ = QtWidgets.QFileDialog.getOpenFileName(
                Gui.getMainWindow(), translate("CAD3D", "Drawing to convert"), "", IMAGE_FILTER
            )
            if not path:
                return
            from . import load_dialog

            opts = load_dialog.ask(path, params.get("Scale"), Gui.getMainWindow())
            if opts is None:  # the user cancelled the page / scale question
                return
            expr = repr(str(path)) + "".join(f", {k}={v!r}" for k, v in opts.items())
        Gui.doCommand("import freecad_cad3d.gui.jobs")
        Gui.doCommand(f"freecad_cad3d.gui.jobs.start({expr})")


def _selected_group() -> Any:
    for o in Gui.Selection.getSelection():
        if o.TypeId == "App::DocumentObjectGroup" and any(
            m.TypeId == "Mesh::Feature" for m in o.Group
        ):
            return o
    return None


class ExportDXF(_Command):
    name = "CAD3D_ExportDXF"
    menu = QT_TRANSLATE_NOOP("CAD3D_ExportDXF", "Export 3D DXF")
    tip = QT_TRANSLATE_NOOP(
        "CAD3D_ExportDXF",
        "Write the selected conversion group as a 3D DXF in meters, one layer and colour per class",
    )

    def IsActive(self) -> bool:
        return _selected_group() is not None

    def Activated(self) -> None:
        group = _selected_group()
        if group is None:  # run from a script or the panel without checking IsActive
            notify.message("Select a CAD3D conversion group first.", "info", True)
            return
        path, _ = QtWidgets.QFileDialog.getSaveFileName(
            Gui.getMainWindow(),
            translate("CAD3D", "Export DXF"),
            group.Label + ".dxf",
            "DXF (*.dxf)",
        )
        if not path:
            return
        Gui.doCommand("import freecad_cad3d")
        Gui.doCommand(f"freecad_cad3d.export_dxf({_obj_expr(group)}, {str(path)!r})")


class TogglePanel(_Command):
    name = "CAD3D_TogglePanel"
    menu = QT_TRANSLATE_NOOP("CAD3D_TogglePanel", "CAD3D panel")
    tip = QT_TRANSLATE_NOOP(
        "CAD3D_TogglePanel",
        "Show or hide the CAD3D panel: sampling settings, progress, engine and learning status",
    )

    def IsActive(self) -> bool:
        return True

    def Activated(self) -> None:
        Gui.doCommandGui("import freecad_cad3d.gui.panel")
        Gui.doCommandGui("freecad_cad3d.gui.panel.toggle()")


class InstallEngine(_Command):
    name = "CAD3D_InstallEngine"
    menu = QT_TRANSLATE_NOOP("CAD3D_InstallEngine", "Install engine…")
    tip = QT_TRANSLATE_NOOP(
        "CAD3D_InstallEngine",
        "Create the engine's private Python environment (torch, timm, OpenCV) in your FreeCAD user data folder",
    )

    def IsActive(self) -> bool:
        from . import install_dialog

        return not install_dialog.running()

    def Activated(self) -> None:
        Gui.doCommandGui("import freecad_cad3d.gui.install_dialog")
        Gui.doCommandGui("freecad_cad3d.gui.install_dialog.run()")


def _with_errors_shown(cls: type) -> type:
    """Wrap Activated: any error becomes its one-line message in the report view and a
    non-blocking box, never a traceback dialog (an unexpected error's traceback goes to
    FreeCAD's log only)."""
    activated = cls.Activated

    def safe(self: Any) -> None:
        try:
            activated(self)
        except Exception as exc:
            from cad3d.errors import Cad3dError

            if not isinstance(exc, (Cad3dError, OSError)):
                import traceback

                App.Console.PrintLog(traceback.format_exc())
            notify.message(notify.error_text(exc))

    cls.Activated = safe
    return cls


for _cls in (ConvertSketch, ConvertImage, ExportDXF, TogglePanel, InstallEngine):
    Gui.addCommand(_cls.name, _with_errors_shown(_cls)())
