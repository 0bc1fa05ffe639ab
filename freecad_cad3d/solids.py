"""Exact `Part` solids from a `cad3d.plan.Plan`: walls with their openings, part plates with holes.

A mesh is what every converter gives; where the plan is exact (a Sketch, a clean vector-like
drawing) a B-rep solid is better for a CAD user: it can be filleted, measured and exported to
STEP. Each `Solid` footprint is extruded from z0 to z1 and every `Cut` hosted by its class is
removed in one boolean call (ANCHORS.md: one `cut([...])` of many tools is fast and valid).
Input in meters (drawing coordinates), output in millimetres.
"""

from __future__ import annotations

from collections.abc import Iterable

from cad3d.plan import Area, Plan

MM = 1000.0  # millimetres per meter: the one conversion between the engine and FreeCAD
MAX_VERTICES = 5_000  # above this a plan is too detailed to be exact: no B-rep for it


def _polygons(area: Area) -> list:
    """The polygons of a Polygon or MultiPolygon (empty ones dropped)."""
    geoms = getattr(area, "geoms", None)
    polys = list(geoms) if geoms is not None else [area]
    return [p for p in polys if not p.is_empty and p.area > 0]


def _wire(coords: Iterable, z: float):
    import FreeCAD as App
    import Part

    pts = [App.Vector(float(x) * MM, float(y) * MM, z) for x, y, *_ in coords]
    if (pts[0] - pts[-1]).Length > 1e-9:
        pts.append(pts[0])
    # drop repeated vertices: makePolygon refuses zero-length edges
    clean = [pts[0]]
    for p in pts[1:]:
        if (p - clean[-1]).Length > 1e-9:
            clean.append(p)
    return Part.makePolygon(clean)


def prism(area: Area, z0: float, z1: float) -> list:
    """Solids (mm) of `area` (meters) extruded from z0 to z1 (meters); holes kept."""
    import FreeCAD as App
    import Part

    out = []
    for poly in _polygons(area):
        wires = [_wire(poly.exterior.coords, z0 * MM)]
        wires += [_wire(r.coords, z0 * MM) for r in poly.interiors]
        face = (
            Part.Face(wires, "Part::FaceMakerBullseye") if len(wires) > 1 else Part.Face(wires[0])
        )
        out.append(_valid(face.extrude(App.Vector(0, 0, (z1 - z0) * MM))))
    return [s for s in out if s is not None]


def _valid(shape):
    """`shape`, repaired by OCC's shape fixer when needed; None when it stays invalid.

    Traced raster outlines can touch themselves at a vertex: valid for shapely, not for OCC.
    """
    if shape.isValid():
        return shape
    shape = shape.copy()
    shape.fix(1e-7, 1e-7, 1e-7)
    return shape if shape.isValid() else None


def class_solid(plan: Plan, cls: str):
    """One `Part.Shape` (mm) for class `cls`: its prisms minus every cut hosted by `cls`.

    Returns a Solid when there is one, a Compound of solids otherwise, None when the plan has
    no solid of that class.
    """
    import FreeCAD  # noqa: F401 - Part needs FreeCAD loaded first
    import Part

    bodies = [b for s in plan.solids if s.cls == cls for b in prism(s.footprint, s.z0, s.z1)]
    if not bodies:
        return None
    tools = [t for c in plan.cuts if c.host == cls for t in prism(c.footprint, c.z0, c.z1)]
    solids = []
    for body in bodies:
        hits = [t for t in tools if t.BoundBox.intersect(body.BoundBox)]
        cut = _valid(body.cut(hits)) if hits else body
        if cut is None:
            raise ValueError(f"the {cls} boolean gave an invalid solid")
        solids += cut.Solids
    return solids[0] if len(solids) == 1 else Part.makeCompound(solids)


def _count(area: Area) -> int:
    return sum(
        len(p.exterior.coords) + sum(len(r.coords) for r in p.interiors) for p in _polygons(area)
    )


def plan_solids(plan: Plan | None) -> dict:
    """Class name -> exact shape (mm) for every class that has solids in `plan`.

    Raises ValueError for plans too detailed to be exact (MAX_VERTICES); the caller keeps the
    meshes then.
    """
    if plan is None:
        return {}
    n = sum(_count(s.footprint) for s in plan.solids) + sum(_count(c.footprint) for c in plan.cuts)
    if n > MAX_VERTICES:
        raise ValueError(f"the plan has {n} vertices; exact solids are built up to {MAX_VERTICES}")
    out = {}
    for cls in dict.fromkeys(s.cls for s in plan.solids):
        try:
            shape = class_solid(plan, cls)
        except ValueError as exc:  # one class failing leaves the others (and all meshes)
            import FreeCAD as App

            App.Console.PrintWarning(f"CAD3D: no exact {cls} solid: {exc}\n")
            continue
        if shape is not None:
            out[cls] = shape
    return out
