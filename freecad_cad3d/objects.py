"""Native FreeCAD objects from a conversion: one group per conversion (DESIGN.md).

The group holds one `Mesh::Feature` per class (Label = class name), a `Points::FeatureCustom`
when the conversion kept its point cloud, and `Part::Feature` solids where the plan is exact.
This is the one place where meters become millimetres. Works headless (no FreeCADGui needed);
colours go on the view objects only when a GUI exists.
"""

from __future__ import annotations

import re

import numpy as np

from cad3d.classes import BY_ID, BY_NAME
from cad3d.converters.base import Conversion

from .solids import MM, plan_solids

PROPERTY_GROUP = "CAD3D"


def _rgb(cls: str) -> tuple[float, float, float]:
    info = BY_NAME.get(cls)
    r, g, b = info.rgb if info else (180, 180, 180)
    return (r / 255.0, g / 255.0, b / 255.0)


def object_name(text: str) -> str:
    """A valid FreeCAD object Name from free text (the Label keeps the text itself)."""
    name = re.sub(r"\W", "_", text, flags=re.ASCII).strip("_") or "CAD3D"
    return name if not name[0].isdigit() else "_" + name


def add_properties(obj, conversion: Conversion, cls: str) -> None:
    """Record how the object was made: method, steps, seconds, class (group "CAD3D")."""
    props = (
        ("App::PropertyString", "CAD3D_Method", "Conversion method", conversion.method),
        ("App::PropertyInteger", "CAD3D_Steps", "Sampling steps", int(conversion.steps or 0)),
        ("App::PropertyFloat", "CAD3D_Seconds", "Conversion time, s", float(conversion.seconds)),
        ("App::PropertyString", "CAD3D_Class", "Semantic class", cls),
    )
    for kind, name, doc, value in props:
        if name not in obj.PropertiesList:
            obj.addProperty(kind, name, PROPERTY_GROUP, doc)
        setattr(obj, name, value)


STL_ABOVE = 20_000  # faces: larger meshes go through a temporary binary STL (7x faster)


def _stl_mesh(v_mm: np.ndarray, faces: np.ndarray):
    """A `Mesh.Mesh` read from a temporary binary STL (float32: 1e-7 relative precision)."""
    import os
    import tempfile

    import Mesh

    rec = np.zeros(len(faces), dtype=[("n", "<f4", 3), ("v", "<f4", (3, 3)), ("a", "<u2")])
    rec["v"] = v_mm[faces]
    fd, tmp = tempfile.mkstemp(suffix=".stl", prefix="cad3d-")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(b"cad3d".ljust(80, b" "))
            f.write(np.uint32(len(faces)).tobytes())
            f.write(rec.tobytes())
        return Mesh.Mesh(tmp)
    finally:
        os.unlink(tmp)


def fc_mesh(vertices: np.ndarray, faces: np.ndarray):
    """A `Mesh.Mesh` in mm from vertices (V, 3) meters and faces (F, 3) int.

    ANCHORS.md: the topology form with `FreeCAD.Vector`s is exact (float64) and safe (tuples
    segfault, numpy arrays are refused); above STL_ABOVE faces a binary STL is much faster
    (200k faces: 0.12 s vs 0.86 s measured here).
    """
    import FreeCAD as App
    import Mesh

    v = np.asarray(vertices, dtype=np.float64) * MM
    f = np.asarray(faces, dtype=np.int64).reshape(-1, 3)
    if len(f) > STL_ABOVE:
        return _stl_mesh(v, f)
    mesh = Mesh.Mesh()
    if len(f):
        mesh.addFacets(([App.Vector(*p) for p in v.tolist()], [tuple(t) for t in f.tolist()]))
    return mesh


def _color_view(obj, rgb: tuple[float, float, float]) -> None:
    import FreeCAD as App

    vo = getattr(obj, "ViewObject", None) if App.GuiUp else None
    if vo is not None and hasattr(vo, "ShapeColor"):
        vo.ShapeColor = rgb


def add_points(doc, conversion: Conversion):
    """A `Points::FeatureCustom` (mm) with a per-point `Color` list from the class colours."""
    import Points

    cloud = conversion.points
    pts = Points.Points()
    pts.addPoints([tuple(p) for p in (np.asarray(cloud.points, np.float64) * MM).tolist()])
    obj = doc.addObject("Points::FeatureCustom", "POINTS")
    obj.Points = pts
    obj.Label = "POINTS"
    if cloud.labels is not None:
        table = {cid: _rgb(info.name) for cid, info in BY_ID.items()}
        grey = (0.6, 0.6, 0.6)
        obj.addProperty("App::PropertyColorList", "Color", PROPERTY_GROUP, "Per-point colour")
        obj.Color = [table.get(int(c), grey) for c in np.asarray(cloud.labels).tolist()]
        _show_point_colours(obj)
    return obj


def _show_point_colours(obj) -> None:
    """In the GUI, draw a FeatureCustom's points with its `Color` list (display mode "Color")."""
    import FreeCAD as App

    vo = getattr(obj, "ViewObject", None) if App.GuiUp else None
    if vo is not None and "Color" in vo.listDisplayModes():
        vo.DisplayMode = "Color"
        vo.PointSize = 3


def build_group(doc, conversion: Conversion, name: str, placement=None, solids: bool | dict = True):
    """Create the conversion's objects in `doc`; return the `App::DocumentObjectGroup`.

    conversion: meshes in meters, drawing coordinates. placement: `FreeCAD.Placement` (mm) of
    the drawing's origin in the document (a sketch's placement times its drawing offset);
    identity when None. solids: True builds exact `Part::Feature` solids from `conversion.plan`
    here (0.1-3 s for a traced plan with tens of openings); a dict {class: Part.Shape in mm}
    uses shapes already built (`solids.plan_solids`, e.g. off the GUI thread); False: none.
    """
    import FreeCAD as App

    group = doc.addObject("App::DocumentObjectGroup", object_name(name))
    group.Label = name
    add_properties(group, conversion, "")
    members = []
    by_class = {}
    for cls, tri in conversion.meshes:
        obj = doc.addObject("Mesh::Feature", object_name(cls))
        obj.Mesh = fc_mesh(tri.vertices, tri.faces)
        obj.Label = cls
        members.append((obj, cls))
        by_class[cls] = obj
    if conversion.points is not None and len(conversion.points):
        members.append((add_points(doc, conversion), "POINTS"))
    shapes = solids if isinstance(solids, dict) else {}
    if solids is True:
        try:
            shapes = plan_solids(conversion.plan)
        except Exception as exc:  # an exact solid is a bonus: never lose the meshes for it
            App.Console.PrintWarning(f"CAD3D: no exact solids ({exc})\n")
    for cls, shape in shapes.items():
        obj = doc.addObject("Part::Feature", object_name(cls + "_solid"))
        obj.Shape = shape
        obj.Label = cls + "_solid"
        members.append((obj, cls))
        if cls in by_class:  # the exact solid is shown; its mesh stays for export
            by_class[cls].Visibility = False
    for obj, cls in members:
        add_properties(obj, conversion, cls)
        if placement is not None:
            obj.Placement = placement
        _color_view(obj, _rgb(cls))
        group.addObject(obj)
    return group
