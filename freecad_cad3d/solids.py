"""Exact `Part` solids from a `cad3d.plan.Plan`: walls with their openings, part plates with holes.

A mesh is what every converter gives; where the plan is exact (a Sketch, a clean vector-like
drawing) a B-rep solid is better for a CAD user: it can be filleted, measured and exported to
STEP. Input in meters (drawing coordinates), output in millimetres.

Speed (traced floor plans on a loaded 2-core machine, FreeCAD 0.20; benchmarks/bench_solids.py):
the old way, one footprint prism minus every opening box in one `cut([...])`, took 5.6 s for
1080 vertices and grows faster than the vertex count: an OCC boolean against a cap face with
~1000 edges costs ~0.3 s even with a single tool, `isValid()` on such a solid ~1 s, and
`Part.FaceMakerBullseye` ~0.2 s. Cutting the footprint into cells and fusing them back
(`multiFuse`) was slower still (3.6 s), and sewing faces built one by one costs ~1 ms a face.
What is fast is 2D work in shapely and OCC's prism generator on a face made straight on its
plane (`Part.Face(plane, wires)`: 4 ms for 1000 edges). So:

- small plans (<= BOOLEAN_MAX_VERTICES, e.g. a sketched house): the footprint prism minus the
  cut prisms in one boolean: one solid, as a CAD user expects (0.2-0.3 s at 150 vertices);
- larger plans: *stacked slabs*. The solid's z range is split at every cut's z0/z1 (walls:
  floor, sill, head, top); in each slab a cut either spans it fully or misses it, so the slab is
  the 2D footprint minus the cuts active there (shapely, exact), extruded. No 3D boolean at all,
  linear in the vertex count: 0.07-0.2 s for 1080 vertices, ~0.45 s for 4320. The result is a
  Compound of solids stacked face to face (seams at sill and head height; openings split a slab
  into pieces); its volume is exact and every solid is valid.

Validity without `isValid()` (it dominates the cost): a shapely-valid polygon gives a valid OCC
face unless it touches itself at a point (a pinch: valid for shapely, not for OCC; traced
outlines have them). Pinched polygons are checked and repaired with OCC's shape fixer.
"""

from __future__ import annotations

from collections.abc import Iterable
from itertools import pairwise

import numpy as np
import shapely
from shapely.geometry.polygon import orient

from cad3d.plan import Area, Plan, Solid

MM = 1000.0  # millimetres per meter: the one conversion between the engine and FreeCAD
MAX_VERTICES = 20_000  # above this a plan is too detailed to be exact: no B-rep for it
BOOLEAN_MAX_VERTICES = 150  # up to this many vertices one solid by a boolean (~0.3 s); above: slabs


def _polygons(area: Area) -> list:
    """The polygons of a Polygon or MultiPolygon (empty ones dropped)."""
    geoms = getattr(area, "geoms", None)
    polys = list(geoms) if geoms is not None else [area]
    return [p for p in polys if p.geom_type == "Polygon" and not p.is_empty and p.area > 0]


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


def _pinched(poly) -> bool:
    """Whether a (shapely-valid) polygon touches itself at a point: a repeated vertex, or two
    rings that meet. OCC rejects those faces."""
    rings = [poly.exterior, *poly.interiors]
    pts = np.concatenate([np.asarray(r.coords)[:-1, :2] for r in rings])
    if len(np.unique(pts, axis=0)) < len(pts):
        return True
    if len(rings) == 1:
        return False
    a, b = shapely.STRtree(rings).query(rings, predicate="intersects")
    return bool(np.any(a != b))


def _face(poly, z_mm: float):
    """A planar face (mm) of a polygon at height z_mm, holes kept."""
    import FreeCAD as App
    import Part

    # exactly collinear vertices dropped (fewer faces, same area); outer ring CCW, holes CW:
    # what a face on a +z plane needs, as no face maker fixes it here
    poly = orient(shapely.simplify(poly, 0.0), 1.0)
    wires = [_wire(poly.exterior.coords, z_mm)]
    wires += [_wire(r.coords, z_mm) for r in poly.interiors]
    # straight on the plane: 50x faster than Part.FaceMakerBullseye for 1000 edges, same face
    return Part.Face(Part.Plane(App.Vector(0, 0, z_mm), App.Vector(0, 0, 1)), wires)


def prism(area: Area, z0: float, z1: float) -> list:
    """Solids (mm) of `area` (meters) extruded from z0 to z1 (meters); holes kept."""
    import FreeCAD as App

    out = []
    for poly in _polygons(area):
        if not poly.is_valid:
            poly = shapely.make_valid(poly)
            out += prism(poly, z0, z1)
            continue
        solid = _face(poly, z0 * MM).extrude(App.Vector(0, 0, (z1 - z0) * MM))
        out.append(_valid(solid) if _pinched(poly) else solid)
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


def _boolean(solids: list[Solid], cuts: list) -> list:
    """Every prism of `solids` minus the cut prisms it meets, in one boolean each (mm)."""
    bodies = [b for s in solids for b in prism(s.footprint, s.z0, s.z1)]
    tools = [t for c in cuts for t in prism(c.footprint, c.z0, c.z1)]
    out = []
    for body in bodies:
        hits = [t for t in tools if t.BoundBox.intersect(body.BoundBox)]
        cut = _valid(body.cut(hits)) if hits else body
        if cut is None:
            raise ValueError("the boolean gave an invalid solid")
        out += cut.Solids
    return out


def _slabs(solids: list[Solid], cuts: list) -> list:
    """Stacked-slab solids (mm) of `solids` minus `cuts`: 2D differences extruded (module doc)."""
    out = []
    for s in solids:
        met = [c for c in cuts if c.z0 < s.z1 and c.z1 > s.z0]
        if met:
            hit = shapely.intersects(s.footprint, [c.footprint for c in met])
            met = [c for c, h in zip(met, hit, strict=True) if h]
        zs = sorted({float(s.z0), float(s.z1)} | {float(z) for c in met for z in (c.z0, c.z1)})
        zs = [z for z in zs if s.z0 <= z <= s.z1]
        for za, zb in pairwise(zs):
            active = [c.footprint for c in met if c.z0 <= za and c.z1 >= zb]
            area = s.footprint.difference(shapely.union_all(active)) if active else s.footprint
            out += prism(area, za, zb)
    return out


def _count(area: Area) -> int:
    return sum(
        len(p.exterior.coords) + sum(len(r.coords) for r in p.interiors) for p in _polygons(area)
    )


def plan_vertices(plan: Plan) -> int:
    """Vertices of every solid and cut footprint in `plan`: what the solids' cost grows with."""
    return sum(_count(s.footprint) for s in plan.solids) + sum(
        _count(c.footprint) for c in plan.cuts
    )


def class_solid(plan: Plan, cls: str, method: str = "auto"):
    """One `Part.Shape` (mm) for class `cls`: its prisms minus every cut hosted by `cls`.

    method: "boolean" (one solid per body), "slabs" (stacked solids, fast), or "auto"
    (boolean up to BOOLEAN_MAX_VERTICES, slabs above; see the module doc). Returns a Solid
    when there is one, a Compound of solids otherwise, None when `cls` has no solid.
    """
    import FreeCAD  # noqa: F401 - Part needs FreeCAD loaded first
    import Part

    solids = [s for s in plan.solids if s.cls == cls and s.z1 > s.z0]
    cuts = [c for c in plan.cuts if c.host == cls and c.z1 > c.z0]
    if method == "auto":
        n = sum(_count(s.footprint) for s in solids) + sum(_count(c.footprint) for c in cuts)
        method = "boolean" if n <= BOOLEAN_MAX_VERTICES else "slabs"
    shapes = _boolean(solids, cuts) if method == "boolean" else _slabs(solids, cuts)
    if not shapes:
        return None
    return shapes[0] if len(shapes) == 1 else Part.makeCompound(shapes)


def plan_solids(plan: Plan | None, method: str = "auto") -> dict:
    """Class name -> exact shape (mm) for every class that has solids in `plan`.

    Raises ValueError for plans too detailed to be exact (MAX_VERTICES); the caller keeps the
    meshes then.
    """
    if plan is None:
        return {}
    n = plan_vertices(plan)
    if n > MAX_VERTICES:
        raise ValueError(f"the plan has {n} vertices; exact solids are built up to {MAX_VERTICES}")
    out = {}
    for cls in dict.fromkeys(s.cls for s in plan.solids):
        try:
            shape = class_solid(plan, cls, method)
        except ValueError as exc:  # one class failing leaves the others (and all meshes)
            import FreeCAD as App

            App.Console.PrintWarning(f"CAD3D: no exact {cls} solid: {exc}\n")
            continue
        if shape is not None:
            out[cls] = shape
    return out
