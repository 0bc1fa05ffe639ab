"""CAD3D inside FreeCAD: the macro API for the Python console.

    >>> import freecad_cad3d
    >>> group = freecad_cad3d.convert(App.ActiveDocument.Sketch)             # stands on the sketch
    >>> group = freecad_cad3d.convert("/path/plan.png", scale=0.02)           # meters per pixel
    >>> group = freecad_cad3d.convert(App.ActiveDocument.ImagePlane)          # scale from its size
    >>> freecad_cad3d.export_dxf(group, "/path/plan.dxf")                     # meters, one layer/class

Nothing is imported at module level: engine workers import `freecad_cad3d.engine` in a plain
Python without FreeCAD, and FreeCAD imports this package from Init.py at start-up.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

__all__ = ["add_conversion", "convert", "drawing_of", "export_dxf"]


def _warn(msg: str) -> None:
    import FreeCAD as App

    App.Console.PrintWarning(f"CAD3D: {msg}\n")


def _is_type(obj: Any, type_id: str) -> bool:
    return getattr(obj, "TypeId", "") == type_id


def drawing_of(source: Any, scale: float | None = None, kind: str = "auto", doc=None):
    """(Drawing, placement, doc, name) for a path, Sketch, shapes list, Image plane or Drawing.

    The document is the source object's own; for files it is `doc`, the active document, or a
    new one.
    """
    import FreeCAD as App

    from cad3d.converters.base import Drawing

    from . import sources

    if isinstance(source, (str, Path)):
        drawing, placement = sources.drawing_from_file(source, scale, kind)
        doc = doc or App.ActiveDocument or App.newDocument(Path(source).stem)
        return drawing, placement, doc, Path(source).stem
    if isinstance(source, Drawing):
        if kind != "auto":
            source.kind = kind
        doc = doc or App.ActiveDocument or App.newDocument("cad3d")
        return source, App.Placement(), doc, Path(source.source).stem or "drawing"
    first = source[0] if isinstance(source, (list, tuple)) and source else source
    if _is_type(first, "Image::ImagePlane"):
        drawing, placement = sources.drawing_from_image_plane(first, kind)
    else:
        drawing, placement = sources.drawing_from_sketch(source, scale, kind)
    return drawing, placement, doc or first.Document, first.Label


def _gui_up() -> bool:
    import FreeCAD as App

    return bool(getattr(App, "GuiUp", False))


def _convert_in_worker(source: Any, method: str, steps: int, scale, kind: str, doc):
    """The learned methods from the GUI's console: run by the engine worker, as the toolbar
    does, while this call waits in a local event loop (the GUI keeps drawing). In FreeCAD's GUI
    process `import timm` segfaults (triton's LLVM against Mesa's), and a crash or an
    out-of-memory kill there would take the user's unsaved documents with it."""
    import FreeCAD as App
    from PySide import QtCore

    from cad3d.errors import Cad3dError

    from .gui import jobs

    if doc is not None:
        App.setActiveDocument(doc.Name)
    session = jobs.session()
    ended: list[str] = []
    loop = QtCore.QEventLoop()

    def on_state(state: str) -> None:
        if state != "running":
            ended.append(state)
            loop.quit()

    session.state_changed.connect(on_state)
    try:
        if not session.start(source, method=method, steps=steps, scale=scale, kind=kind):
            raise Cad3dError(session.last_message or "the conversion could not start")
        if not ended:
            loop.exec_()
    finally:
        session.state_changed.disconnect(on_state)
    if ended[-1] != "done":
        raise Cad3dError(session.last_message or f"the conversion ended: {ended[-1]}")
    return session.last_group


def add_conversion(doc, conversion, name: str, placement=None, solids=True):
    """Add a finished conversion to `doc` as one undo step; return its group.

    solids: as `objects.build_group` (True, False, or {class: Part.Shape} built beforehand).
    On any error the transaction is aborted and every object created is removed, so the
    document is left exactly as it was. The GUI calls this on the main thread with the
    Conversion its worker returned.
    """
    from .objects import build_group

    before = {o.Name for o in doc.Objects}
    doc.openTransaction(f"CAD3D convert {name}")
    try:
        group = build_group(doc, conversion, f"{name} 3D", placement, solids)
        doc.recompute()
    except BaseException:
        doc.abortTransaction()
        for obj_name in {o.Name for o in doc.Objects} - before:  # undo off (headless docs)
            if doc.getObject(obj_name) is not None:
                doc.removeObject(obj_name)
        raise
    doc.commitTransaction()
    return group


def convert(
    source: Any,
    method: str = "hybrid",
    steps: int = 50,
    scale: float | None = None,
    kind: str = "auto",
    doc=None,
    progress=None,
):
    """Convert a drawing into native FreeCAD objects; return the group created.

    source: an image / PDF path, a Sketch, a list of 2D shapes (Part objects, Draft wires) or an
    `Image::ImagePlane`. method: extrude | vit | diffusion | hybrid; falls back to the best
    available one with a warning. scale: meters per pixel for image files; for sketches and
    image planes it comes from the document (a given value sets the sketch's raster scale).
    kind: auto | floorplan | part | landscape. doc: target document for files.
    """
    from . import run

    method, warning = run.resolve_method(method)
    if warning:
        _warn(warning)
    if method != "extrude" and _gui_up():
        return _convert_in_worker(source, method, steps, scale, kind, doc)
    drawing, placement, doc, name = drawing_of(source, scale, kind, doc)
    conversion = run.compute(drawing, method, steps, progress)
    return add_conversion(doc, conversion, name, placement)


def export_dxf(group, path: str | Path, **opts: Any) -> Path:
    """Write a conversion group (or a list of Mesh features) as DXF in meters; return the path."""
    from .export import export_group

    return export_group(group, path, **opts)
