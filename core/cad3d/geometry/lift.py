"""Lift a `Plan` to exact per-class meshes (meters): the ground truth and the extrude baseline.

Solids are grouped into bodies by host class (BOSS joins PART); each body is the manifold3d
union of its prisms minus its cuts. manifold3d records, for every output triangle, which input
manifold it came from (`Mesh.run_original_id` / `run_index`), so the faces go back to classes:
a DOOR/WINDOW cut's faces (reveals, sill top, lintel soffit) to the host (WALL), a HOLE/POCKET
cut's faces to HOLE/POCKET, a BOSS prism's faces to BOSS. The classes of a body together form
one closed, watertight mesh.

Speed: a cut that removes the full height of every solid it meets (a through hole) is
subtracted from their footprints in 2D instead (exact and several times cheaper than a 3D
boolean with many-sided circles); its wall faces are then found on its outline and relabelled.
"""

from __future__ import annotations

import manifold3d as m3d
import numpy as np
import shapely
import trimesh
from shapely.geometry import MultiPolygon, Polygon
from shapely.geometry.polygon import orient

from .. import defaults
from ..plan import Area, Cut, Plan, Solid
from .leaves import opening_leaves, rect_prism
from .meshset import MeshSet
from .slivers import remove_slivers
from .terrain import (
    GroundFn,
    grid_triangles,
    ground_function,
    has_terrain,
    terrain_mesh,
)
from .trees import tree_meshes

BODY_OF = {"BOSS": "PART"}  # solid class -> body it is unioned with
# cut classes whose faces keep the cut's class; the others (DOOR, WINDOW) give them to the host
OWN_FACES = ("HOLE", "POCKET")
PAD = 1.0  # meters a cut is extended past a host face it is flush with


def _polygons(area: Area) -> list[Polygon]:
    if isinstance(area, Polygon):
        return [area] if not area.is_empty else []
    if isinstance(area, MultiPolygon):
        return [p for p in area.geoms if not p.is_empty]
    return [g for g in getattr(area, "geoms", []) if isinstance(g, Polygon) and not g.is_empty]


def _contours(area: Area, tol: float = 1e-7) -> list[np.ndarray]:
    """Closed rings of `area` as (K, 2) arrays, outer CCW, holes CW, no repeated last point,
    no vertex within `tol` meters of the previous one."""
    rings = []
    for p in _polygons(area):
        p = orient(p, 1.0)
        rings.append(_dedup(np.asarray(p.exterior.coords)[:-1, :2], tol))
        rings.extend(_dedup(np.asarray(r.coords)[:-1, :2], tol) for r in p.interiors)
    return [r for r in rings if len(r) >= 3]


def _dedup(ring: np.ndarray, tol: float = 1e-7) -> np.ndarray:
    """Drop vertices within `tol` meters of the previous kept one: shapely unions leave
    near-duplicates 1e-10 m apart, which become sliver triangles (importers read them as lines)."""
    keep = [0]
    for k in range(1, len(ring)):
        if np.abs(ring[k] - ring[keep[-1]]).max() > tol:
            keep.append(k)
    if len(keep) > 1 and np.abs(ring[keep[-1]] - ring[0]).max() <= tol:
        keep.pop()
    return ring[keep]


def prism(area: Area, z0: float, z1: float) -> m3d.Manifold:
    """`area` extruded from z0 to z1 as a manifold with a fresh original id."""
    rings = _contours(area)
    if not rings or z1 <= z0:
        return m3d.Manifold()
    cs = m3d.CrossSection(rings, m3d.FillRule.Positive)
    return m3d.Manifold.extrude(cs, z1 - z0).translate((0.0, 0.0, z0)).as_original()


def _triangle_classes(man: m3d.Manifold, id_class: dict[int, str]):
    """A manifold's vertices (V, 3), triangles (T, 3) and each triangle's class (T,) object,
    from the input manifold each triangle came from."""
    mesh = man.to_mesh64()
    tris = np.asarray(mesh.tri_verts, dtype=np.int64).reshape(-1, 3)
    if len(tris) == 0:
        return np.zeros((0, 3)), tris, np.empty(0, dtype=object)
    verts = np.asarray(mesh.vert_properties, dtype=np.float64)[:, :3]
    run_idx = np.asarray(mesh.run_index, dtype=np.int64) // 3
    run_ids = np.asarray(mesh.run_original_id, dtype=np.int64)
    tri_cls = np.empty(len(tris), dtype=object)
    for i, oid in enumerate(run_ids):
        tri_cls[run_idx[i] : run_idx[i + 1]] = id_class[int(oid)]
    return verts, tris, tri_cls


def _split(verts: np.ndarray, tris: np.ndarray, tri_cls: np.ndarray) -> dict[str, trimesh.Trimesh]:
    out = {}
    for cls in dict.fromkeys(tri_cls):
        faces = tris[tri_cls == cls]
        used, inv = np.unique(faces, return_inverse=True)
        out[cls] = trimesh.Trimesh(verts[used], inv.reshape(-1, 3), process=False)
    return out


def _meets(c: Cut, s: Solid) -> bool:
    return c.z0 < s.z1 and c.z1 > s.z0 and c.footprint.intersects(s.footprint)


def _through_cuts(solids: list[Solid], cuts: list[Cut]) -> tuple[list[Cut], list[Cut]]:
    """(through, other): a through cut removes the full height of every solid it meets, so it
    can be subtracted from their footprints in 2D (exact, and far cheaper than in 3D)."""
    through, other = [], []
    for c in cuts:
        met = [s for s in solids if _meets(c, s)]
        full = met and all(c.z0 <= s.z0 and c.z1 >= s.z1 for s in met)
        (through if full else other).append(c)
    return through, other


def _relabel_walls(verts, tris, tri_cls, through: list[Cut], solid_classes: set[str]) -> None:
    """Vertical faces lying on a through HOLE / POCKET's outline take that class (in place)."""
    own = [c for c in through if c.cls in OWN_FACES]
    if not own or len(tris) == 0:
        return
    t = verts[tris]
    n = np.cross(t[:, 1] - t[:, 0], t[:, 2] - t[:, 0])
    side = (np.abs(n[:, 2]) < 0.5 * np.linalg.norm(n, axis=1)) & np.isin(
        tri_cls, list(solid_classes)
    )
    if not side.any():
        return
    centre = t[side].mean(axis=1)
    eps = 1e-6 * max(float(np.ptp(verts[:, :2], axis=0).max()), 1e-3)
    idx = np.nonzero(side)[0]
    for cls in dict.fromkeys(c.cls for c in own):
        outline = shapely.union_all([c.footprint.boundary for c in own if c.cls == cls])
        shapely.prepare(outline)
        on = shapely.dwithin(outline, shapely.points(centre[:, :2]), eps)
        tri_cls[idx[on]] = cls


def _body(solids: list[Solid], cuts: list[Cut], host: str) -> dict[str, trimesh.Trimesh]:
    """Union of the body's prisms minus its cuts, split back into classes."""
    through, cuts = _through_cuts(solids, cuts)
    id_class: dict[int, str] = {}
    parts = []
    for s in solids:
        fp = s.footprint
        holes = [c.footprint for c in through if _meets(c, s)]
        if holes:
            fp = fp.difference(shapely.union_all(holes))
        p = prism(fp, float(s.z0), float(s.z1))
        if p.is_empty():
            continue
        id_class[p.original_id()] = s.cls
        parts.append(p)
    if not parts:
        return {}
    body = m3d.Manifold.batch_boolean(parts, m3d.OpType.Add) if len(parts) > 1 else parts[0]
    zmin, zmax = body.bounding_box()[2], body.bounding_box()[5]
    holes = []
    for c in cuts:
        z0 = float(c.z0) - PAD if c.z0 <= zmin + 1e-9 else float(c.z0)
        z1 = float(c.z1) + PAD if c.z1 >= zmax - 1e-9 else float(c.z1)
        p = prism(c.footprint, z0, z1)
        if p.is_empty():
            continue
        id_class[p.original_id()] = c.cls if c.cls in OWN_FACES else host
        holes.append(p)
    if holes:
        body = body - m3d.Manifold.batch_boolean(holes, m3d.OpType.Add)
    verts, tris, tri_cls = _triangle_classes(body, id_class)
    tris, tri_cls = remove_slivers(verts, tris, tri_cls)
    _relabel_walls(verts, tris, tri_cls, through, {s.cls for s in solids})
    return _split(verts, tris, tri_cls)


def flat_mesh(area: Area, z: float) -> trimesh.Trimesh | None:
    """`area` triangulated at height z, normals up; None when empty. Vertices closer than
    1e-5 m are merged (no volume to keep here, and importers read such slivers as lines)."""
    rings = _contours(area, 1e-5)
    if not rings:
        return None
    faces = np.asarray(m3d.triangulate(rings), dtype=np.int64)
    if len(faces) == 0:
        return None
    xy = np.concatenate(rings)
    verts = np.column_stack([xy, np.full(len(xy), float(z))])
    return trimesh.Trimesh(verts, faces, process=False)


def draped_mesh(area: Area, plan: Plan, ground: GroundFn, lift: float) -> trimesh.Trimesh | None:
    """`area` cut along the terrain grid's triangles and laid on the ground + lift (meters)."""
    tri = grid_triangles(area, plan)
    if len(tri) == 0:
        return None
    xy = tri.reshape(-1, 2)
    v = np.column_stack([xy, ground(xy[:, 0], xy[:, 1]) + lift])
    faces = np.arange(len(v)).reshape(-1, 3)
    d1, d2 = tri[:, 1] - tri[:, 0], tri[:, 2] - tri[:, 0]
    down = d1[:, 0] * d2[:, 1] - d1[:, 1] * d2[:, 0] < 0
    faces[down] = faces[down][:, ::-1]  # normals up
    mesh = trimesh.Trimesh(v, faces, process=False)
    mesh.merge_vertices()
    return mesh


def _solid_bodies(plan: Plan) -> MeshSet:
    out = MeshSet()
    bodies: dict[str, list[Solid]] = {}
    for s in plan.solids:
        bodies.setdefault(BODY_OF.get(s.cls, s.cls), []).append(s)
    for host, solids in bodies.items():
        cuts = [c for c in plan.cuts if BODY_OF.get(c.host, c.host) == host]
        for cls, mesh in _body(solids, cuts, host).items():
            out.add(cls, mesh)
    return out


def lift_plan(plan: Plan, *, leaves: bool = False) -> MeshSet:
    """Exact per-class meshes of `plan` in meters, drawing coordinates (an empty plan: empty).

    Solids: closed and watertight per body (see module doc). Surfaces: flat at their z (FLOOR,
    WATER); z=None or PATH: draped on the ground (+ defaults.PATH_LIFT for PATH). TERRAIN: a
    height field over the plan's extent (see terrain.py); trees stand on it. Solid z are
    absolute, BUILDINGs included (the generator sets z0 to the lowest ground under them).
    leaves: also put a door leaf / window pane (leaves.py) on DOOR / WINDOW in each opening
    (off for ground truth, where openings stay empty).
    """
    terrain = has_terrain(plan)
    ground = ground_function(plan) if terrain else None
    out = _solid_bodies(plan)
    if terrain:
        out.add("TERRAIN", terrain_mesh(plan, ground))
    for s in plan.surfaces:
        if s.cls == "PATH" and ground is not None:
            mesh = draped_mesh(s.footprint, plan, ground, defaults.PATH_LIFT)
        elif s.z is None and ground is not None:
            mesh = draped_mesh(s.footprint, plan, ground, 0.0)
        else:
            mesh = flat_mesh(s.footprint, 0.0 if s.z is None else s.z)
        if mesh is not None:
            out.add(s.cls, mesh)
    if plan.trees:
        g = ground or (lambda x, y: np.zeros(np.shape(x)))
        gz = g(np.array([t.x for t in plan.trees]), np.array([t.y for t in plan.trees]))
        mesh = tree_meshes(plan.trees, np.asarray(gz, dtype=np.float64))
        if mesh is not None:
            out.add("TREE", mesh)
    if leaves:
        panels: dict[str, list[trimesh.Trimesh]] = {}
        for cls, panel, z0, z1 in opening_leaves(plan):
            panels.setdefault(cls, []).append(rect_prism(panel, z0, z1))
        for cls, meshes in panels.items():
            out.add(cls, trimesh.util.concatenate(meshes))
    return out
