"""Drawings from what a FreeCAD user has: a Sketch or 2D shapes, an Image plane, a file.

Each function returns `(Drawing, placement)`: the engine's drawing (meters, drawing coordinates:
origin at the bottom-left corner of the raster) and the `FreeCAD.Placement` (mm) that puts the
drawing's origin back where the source sits in the document, so the 3D result stands on it.

Sketches are rasterised for the learned models and their exact edges are kept. The exact plan
rule: a sketch is a *clean plan* when closed wires hold at least half of its (non-construction)
edge length; open wires (door swings, furniture, notes) are then left to the raster. Closed
loops are nested by containment; a loop inside an even number of others is an *outline*, one
inside an odd number a *void*. Floor plans: the walls are the even-odd fill of all loops
(outline minus rooms, plus columns inside rooms), 0 to the wall height, and the floor slab is
the outlines at z = 0; door and window openings come from the raster vectoriser when it finds
any. Parts: the plate is the outermost loops, 0 to the part thickness, and the voids directly
inside them are through holes. Kind "auto" picks a floor plan when the sketch is 2 m or more
across, a part otherwise. Sketches that are not clean go to the converter as a raster.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from cad3d import defaults
from cad3d.converters.base import Drawing
from cad3d.errors import NoGeometry, UsageError
from cad3d.plan import Cut, Plan, Solid, Surface

RASTER_PX = 1500  # pixels on the longer side when the scale is not given
MARGIN_PX = 30  # white border around the rasterised sketch
MAX_PX = 12000  # refuse rasters larger than this on a side (memory bound)
CLOSED_SHARE = 0.5  # exact plan when closed wires hold this share of the edge length
FLOORPLAN_MIN_MM = 2000.0  # "auto": a clean sketch this large or larger is a floor plan


def _is_sketch(obj) -> bool:
    return getattr(obj, "TypeId", "") == "Sketcher::SketchObject"


def _local_edges(objs: list, base) -> list:
    """Non-construction edges of every object in `base`'s local frame (mm)."""
    inv = base.inverse().toMatrix()
    edges = []
    for obj in objs:
        if _is_sketch(obj):
            local = [
                g.toShape()
                for i, g in enumerate(obj.Geometry)
                if not obj.getConstruction(i) and type(g).__name__ != "Point"
            ]
            rel = base.inverse().multiply(obj.Placement).toMatrix()
            for e in local:
                e.transformShape(rel)
            edges += local
        else:
            shape = getattr(obj, "Shape", obj)
            for e in shape.Edges:
                e = e.copy()
                e.transformShape(inv)
                edges.append(e)
    return edges


def _discretize(edge, tol: float) -> np.ndarray:
    """(N, 2) float64 mm points along an edge (the end points for straight lines)."""
    pts = edge.discretize(Deflection=tol)
    return np.array([(p.x, p.y) for p in pts], dtype=np.float64)


def _closed_loops(edges: list, tol: float) -> list[np.ndarray] | None:
    """(N, 2) mm rings of the closed wires, or None unless they hold CLOSED_SHARE of the length.

    Open wires (door swings, furniture, notes) do not count as walls; they stay in the raster.
    """
    import FreeCAD  # noqa: F401 - Part needs FreeCAD loaded first
    import Part

    loops, closed, total = [], 0.0, 0.0
    for group in Part.sortEdges(edges):
        length = sum(e.Length for e in group)
        total += length
        try:
            wire = Part.Wire(group)
        except Part.OCCError:  # branching edges do not make one wire
            continue
        if wire.isClosed():
            loops.append(_discretize(wire, tol))
            closed += length
    return loops if loops and closed >= CLOSED_SHARE * total else None


def _exact_plan(loops_m: list[np.ndarray], extent, kind: str) -> Plan | None:
    """The exact Plan of closed loops (meters, drawing coordinates); see the module's rule."""
    from shapely.geometry import Polygon
    from shapely.ops import unary_union

    polys = [Polygon(r).buffer(0) for r in loops_m if len(r) >= 3]
    polys = [p for p in polys if p.area > 0]
    if not polys:
        return None
    depth = [sum(q.contains(p) for q in polys if q is not p) for p in polys]
    outlines = unary_union([p for p, d in zip(polys, depth, strict=True) if d == 0])
    plan = Plan(domain=kind, extent=extent, meta={"source": "sketch", "exact": True})
    if kind == "part":
        t = defaults.PART_THICKNESS
        plan.solids.append(Solid("PART", outlines, 0.0, t))
        for p, d in zip(polys, depth, strict=True):
            if d == 1:
                plan.cuts.append(Cut("HOLE", p, -0.1 * t, 1.1 * t, host="PART"))
        return plan
    walls = polys[0]
    for p in polys[1:]:
        walls = walls.symmetric_difference(p)
    plan.solids.append(Solid("WALL", walls, 0.0, defaults.WALL_HEIGHT))
    plan.surfaces.append(Surface("FLOOR", outlines, 0.0))
    return plan


def _raster_openings(drawing: Drawing) -> list[Cut]:
    """Door/window cuts that the raster vectoriser finds on the rasterised sketch (if any)."""
    try:
        from cad3d.geometry.vectorize import vectorize

        found = vectorize(drawing.image, drawing.scale, "floorplan", {})
    except Exception:  # the vectoriser is optional here: exact walls stand without it
        return []
    return [c for c in found.cuts if c.cls in ("DOOR", "WINDOW")]


def rasterise(polylines_m: list[np.ndarray], shape: tuple[int, int], scale: float) -> np.ndarray:
    """(H, W) uint8: black 2 px lines on white for polylines (N, 2) in meters, drawing coords."""
    import cv2

    h, w = shape
    img = np.full((h, w), 255, np.uint8)
    shift = 4
    for pl in polylines_m:
        px = np.stack([pl[:, 0] / scale, h - pl[:, 1] / scale], axis=1)
        pts = np.round(px * (1 << shift)).astype(np.int32).reshape(-1, 1, 2)
        cv2.polylines(img, [pts], False, 0, thickness=2, lineType=cv2.LINE_AA, shift=shift)
    return img


def drawing_from_sketch(obj_or_list, scale: float | None = None, kind: str = "auto"):
    """(Drawing, placement) from a Sketch, or a list of Sketches / Part objects / Draft wires.

    scale: meters per pixel of the raster; None gives RASTER_PX pixels on the longer side.
    The placement is the (first) sketch's, times the offset of the drawing's origin; for other
    shapes, whose edges are global, the identity times that offset.
    """
    import FreeCAD as App

    objs = list(obj_or_list) if isinstance(obj_or_list, (list, tuple)) else [obj_or_list]
    sketches = [o for o in objs if _is_sketch(o)]
    base = sketches[0].Placement if sketches else App.Placement()
    edges = _local_edges(objs, base)
    if not edges:
        raise NoGeometry("the selection has no edges to convert")
    bb = edges[0].BoundBox
    for e in edges[1:]:
        bb.add(e.BoundBox)
    tol = max(max(bb.XLength, bb.YLength) * 1e-4, 1e-3)
    points_mm = [_discretize(e, tol) for e in edges]
    lo = np.min([p.min(0) for p in points_mm], axis=0)  # exact, unlike OCC's padded boxes
    size = np.max([p.max(0) for p in points_mm], axis=0) - lo
    size_mm = float(size.max())
    if size_mm <= 0:
        raise NoGeometry("the selection's edges have no extent")
    if scale is None:
        scale = size_mm / 1000.0 / (RASTER_PX - 2 * MARGIN_PX)
    w, h = (np.ceil(size / 1000.0 / scale - 1e-9).astype(int) + 2 * MARGIN_PX).tolist()
    if max(w, h) > MAX_PX:
        raise UsageError(f"scale {scale:g} m/px makes a {w}x{h} px raster; use a coarser one")
    origin = lo - MARGIN_PX * scale * 1000.0  # mm, sketch-local

    def to_m(a: np.ndarray) -> np.ndarray:
        return (a - origin) / 1000.0

    polylines = [to_m(p) for p in points_mm]
    label = getattr(objs[0], "Label", "Sketch")
    drawing = Drawing(
        image=rasterise(polylines, (h, w), scale), scale=scale, source=label,
        kind=None if kind == "auto" else kind, notes={"edges": polylines},
    )  # fmt: skip
    if kind in ("auto", "floorplan", "part"):
        loops = _closed_loops(edges, tol)
        if loops is not None:
            k = kind if kind != "auto" else "floorplan" if size_mm >= FLOORPLAN_MIN_MM else "part"
            plan = _exact_plan([to_m(r) for r in loops], drawing.extent, k)
            if plan is not None:
                if k == "floorplan":
                    plan.cuts += _raster_openings(drawing)
                drawing.vectors, drawing.kind = plan, k
    placement = base.multiply(App.Placement(App.Vector(origin[0], origin[1], 0), App.Rotation()))
    return drawing, placement


def drawing_from_file(path: str | Path, scale: float | None = None, kind: str = "auto"):
    """(Drawing, identity placement) from an image / PDF / 2D DXF file."""
    import FreeCAD as App

    from cad3d.api import load

    drawing = load(Path(path), scale=scale)
    if kind != "auto":
        drawing.kind = kind
    return drawing, App.Placement()


def drawing_from_image_plane(obj, kind: str = "auto"):
    """(Drawing, placement) from an `Image::ImagePlane`: scale from XSize/YSize (mm) vs pixels.

    The plane shows its image centred on its placement, so the drawing's origin (the image's
    bottom-left corner) sits at (-XSize/2, -YSize/2) in the plane's frame. Non-square pixels
    are resampled to square ones.
    """
    import cv2
    import FreeCAD as App

    probe = cv2.imread(obj.ImageFile, cv2.IMREAD_GRAYSCALE)
    if probe is None or float(obj.XSize) <= 0 or float(obj.YSize) <= 0:
        raise UsageError(f"image plane {obj.Label}: no readable image or zero size")
    xs, ys = float(obj.XSize), float(obj.YSize)
    scale = xs / 1000.0 / probe.shape[1]
    drawing, _ = drawing_from_file(obj.ImageFile, scale, kind)
    h = round(ys / 1000.0 / scale)
    if abs(h - drawing.image.shape[0]) > 0.01 * h:
        drawing.image = cv2.resize(drawing.image, (drawing.image.shape[1], h), cv2.INTER_AREA)
    drawing.source = obj.Label
    offset = App.Placement(App.Vector(-xs / 2, -ys / 2, 0), App.Rotation())
    return drawing, obj.Placement.multiply(offset)
