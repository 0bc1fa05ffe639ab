"""Ground height of a plan: exact from the generator's terrain, else interpolated from contours.

Lifting (TERRAIN mesh, draped PATHs, trees standing on the ground) and the
per-pixel maps must agree on one ground, so both call `ground_function(plan)`.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import shapely
import trimesh

from ..plan import Plan
from .zfit import grid_sampler

GroundFn = Callable[[np.ndarray, np.ndarray], np.ndarray]
MAX_CELLS = 128  # terrain grid cells along the plan's longer side
FIT_CELLS = 48  # cells of the grid fitted to contours (a smoother fit measured better)
TENSION = 0.05  # membrane term in the contour fit: keeps extrapolation tame
CONTOUR_WEIGHT = 100.0  # weight of the contour points against bending


def _flat(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    return np.zeros(np.broadcast(np.asarray(x), np.asarray(y)).shape, dtype=np.float64)


def _exact_ground(plan: Plan) -> GroundFn | None:
    """The generator's own height function, when the plan carries its terrain parameters."""
    if "terrain" not in plan.meta:
        return None
    try:
        from ..data.landscape_terrain import terrain_height
    except ImportError:
        try:
            from ..data.landscape import terrain_height
        except ImportError:
            return None
    meta = plan.meta
    # a drawing moved after generation (scan skew) keeps its terrain in the original frame
    inv = np.linalg.inv(np.asarray(meta.get("terrain_transform", np.eye(3)), np.float64))

    def fn(x: np.ndarray, y: np.ndarray) -> np.ndarray:
        x, y = np.broadcast_arrays(np.asarray(x, np.float64), np.asarray(y, np.float64))
        u = inv[0, 0] * x + inv[0, 1] * y + inv[0, 2]
        v = inv[1, 0] * x + inv[1, 1] * y + inv[1, 2]
        return np.asarray(terrain_height(meta, u, v), dtype=np.float64).reshape(x.shape)

    return fn


def _contour_samples(plan: Plan, step: float) -> tuple[np.ndarray, np.ndarray]:
    """(K, 2) points along every contour, every `step` meters, and their (K,) elevations."""
    pts, zs = [], []
    for c in plan.contours:
        n = max(2, int(np.ceil(c.line.length / step)) + 1)
        d = np.linspace(0.0, c.line.length, n)
        xy = np.array([c.line.interpolate(t).coords[0] for t in d])
        pts.append(xy)
        zs.append(np.full(len(xy), c.elevation))
    return np.concatenate(pts), np.concatenate(zs)


def _second_differences(nx: int, ny: int):
    """Sparse operators on an ny x nx row-major grid: d2/dx2, d2/dy2, d2/dxdy, d/dx, d/dy."""
    import scipy.sparse as sp

    def d1(n: int):
        return sp.diags([-np.ones(n - 1), np.ones(n - 1)], [0, 1], shape=(n - 1, n))

    def d2(n: int):
        ones = np.ones(n - 2)
        return sp.diags([ones, -2 * ones, ones], [0, 1, 2], shape=(n - 2, n))

    ix, iy = sp.identity(nx), sp.identity(ny)
    return (
        sp.kron(iy, d2(nx)),
        sp.kron(d2(ny), ix),
        sp.kron(d1(ny), d1(nx)),
        sp.kron(iy, d1(nx)),
        sp.kron(d1(ny), ix),
    )


def _contour_ground(plan: Plan) -> GroundFn:
    """A smooth surface through the contours: thin-plate fit on a coarse grid, bilinear between.

    Minimises bending (plus a little tension) subject to passing near points sampled along
    every contour (least squares, CONTOUR_WEIGHT). Unlike linear interpolation between contour
    points it has no terraces, rounds hilltops above the top contour and continues the slope
    gently outside the outermost one. On generated sites (exact ground known, 1 m contours)
    the RMS error is 0.02-0.25 m, half or less that of Delaunay interpolation.
    """
    import scipy.sparse as sp
    from scipy.sparse.linalg import spsolve

    w, h = plan.extent
    d = max(w, h) / FIT_CELLS
    nx, ny = max(3, int(np.ceil(w / d)) + 1), max(3, int(np.ceil(h / d)) + 1)
    dx, dy = w / (nx - 1), h / (ny - 1)
    pts, zs = _contour_samples(plan, min(dx, dy) / 2)
    if len(np.unique(zs)) == 1:
        z0 = float(zs[0])
        return lambda x, y: _flat(x, y) + z0
    fx = np.clip(pts[:, 0] / dx, 0, nx - 1 - 1e-9)
    fy = np.clip(pts[:, 1] / dy, 0, ny - 1 - 1e-9)
    j, i = np.floor(fx).astype(int), np.floor(fy).astype(int)
    u, v = fx - j, fy - i
    rows = np.repeat(np.arange(len(pts)), 4)
    cols = np.stack([i * nx + j, i * nx + j + 1, (i + 1) * nx + j, (i + 1) * nx + j + 1], 1)
    wts = np.stack([(1 - u) * (1 - v), u * (1 - v), (1 - u) * v, u * v], 1)
    a = sp.csr_matrix((wts.ravel(), (rows, cols.ravel())), shape=(len(pts), nx * ny))
    dxx, dyy, dxy, ddx, ddy = _second_differences(nx, ny)
    bend = dxx.T @ dxx + dyy.T @ dyy + 2 * dxy.T @ dxy + TENSION * (ddx.T @ ddx + ddy.T @ ddy)
    z = spsolve((CONTOUR_WEIGHT * (a.T @ a) + bend).tocsc(), CONTOUR_WEIGHT * (a.T @ zs))
    return grid_sampler(np.asarray(z, np.float64).reshape(ny, nx), (dx, dy))


def has_terrain(plan: Plan) -> bool:
    """A landscape plan with anything in it stands on a terrain surface (over a real extent)."""
    if not (len(plan.extent) == 2 and min(plan.extent) > 0):
        return False
    if plan.contours or "terrain" in plan.meta:
        return True
    return plan.domain == "landscape" and bool(plan.solids or plan.surfaces or plan.trees)


def ground_function(plan: Plan) -> GroundFn:
    """`fn(x, y) -> z` ground height in meters for arrays of drawing coordinates.

    Exact (cad3d.data.landscape.terrain_height) when `plan.meta["terrain"]` exists (through
    the inverse of `plan.meta["terrain_transform"]`, 3x3, when the plan was moved), else
    interpolated from the plan's contours, else flat at z = 0.
    """
    exact = _exact_ground(plan)
    if exact is not None:
        return exact
    if plan.contours:
        return _contour_ground(plan)
    return _flat


def grid_spacing(plan: Plan) -> float:
    """Terrain grid spacing in meters: MAX_CELLS cells along the longer side."""
    return max(plan.extent) / MAX_CELLS


def _grid(plan: Plan) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Grid node xs (nx,), ys (ny,) and triangles (T, 3) indexing the ny x nx nodes row-major."""
    w, h = plan.extent
    d = grid_spacing(plan)
    nx = max(2, int(np.ceil(w / d)) + 1)
    ny = max(2, int(np.ceil(h / d)) + 1)
    idx = np.arange(nx * ny).reshape(ny, nx)
    a, b = idx[:-1, :-1].ravel(), idx[:-1, 1:].ravel()
    c, e = idx[1:, :-1].ravel(), idx[1:, 1:].ravel()
    tris = np.concatenate([np.stack([a, b, e], 1), np.stack([a, e, c], 1)])
    return np.linspace(0.0, w, nx), np.linspace(0.0, h, ny), tris


def terrain_mesh(plan: Plan, ground: GroundFn) -> trimesh.Trimesh:
    """The TERRAIN height field over [0, w] x [0, h], triangulated on a regular grid, meters."""
    xs, ys, tris = _grid(plan)
    gx, gy = np.meshgrid(xs, ys)
    gz = ground(gx, gy)
    verts = np.stack([gx.ravel(), gy.ravel(), gz.ravel()], axis=1)
    return trimesh.Trimesh(verts, tris, process=False)


def _cell_classes(area, xs: np.ndarray, ys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(ny-1, nx-1) bool grids of cells: wholly inside `area`, and crossed by its boundary.

    Rasterised with the cell grid as an image (cell (i, j) is pixel row i, column j); cells
    near a boundary line (dilated by one) are left to exact clipping.
    """
    import cv2

    dx, dy = xs[1] - xs[0], ys[1] - ys[0]
    shape = (len(ys) - 1, len(xs) - 1)
    fill = np.zeros(shape, np.uint8)
    edge = np.zeros(shape, np.uint8)
    for poly in getattr(area, "geoms", [area]):
        if poly.geom_type != "Polygon" or poly.is_empty:
            continue
        rings = []
        for ring in [poly.exterior, *poly.interiors]:
            xy = np.asarray(ring.coords)[:, :2]
            cr = np.column_stack([xy[:, 0] / dx - 0.5, xy[:, 1] / dy - 0.5]) * 16
            rings.append(np.round(cr).astype(np.int32))
        m = np.zeros_like(fill)
        cv2.fillPoly(m, rings[:1], 1, shift=4)
        if len(rings) > 1:
            cv2.fillPoly(m, rings[1:], 0, shift=4)
        fill |= m
        cv2.polylines(edge, rings, True, 1, thickness=1, shift=4)
    edge = cv2.dilate(edge, np.ones((3, 3), np.uint8)).astype(bool)
    return fill.astype(bool) & ~edge, edge


def grid_triangles(area, plan: Plan) -> np.ndarray:
    """`area` (shapely) cut along the terrain grid and triangulated: (M, 3, 2) float64 meters.

    Every triangle lies inside one terrain triangle, so lifting its corners onto the ground
    follows the TERRAIN mesh; the part of `area` outside the plan's extent is dropped.
    Cells wholly inside give their two triangles as they are; only cells along the boundary
    are clipped (shapely) and re-triangulated (constrained Delaunay).
    """
    xs, ys, _ = _grid(plan)
    inner, edge = _cell_classes(area, xs, ys)

    def cell_tris(mask: np.ndarray) -> np.ndarray:
        i, j = np.nonzero(mask)
        a = np.stack([xs[j], ys[i]], 1)
        b = np.stack([xs[j + 1], ys[i]], 1)
        c = np.stack([xs[j], ys[i + 1]], 1)
        e = np.stack([xs[j + 1], ys[i + 1]], 1)
        return np.concatenate([np.stack([a, b, e], 1), np.stack([a, e, c], 1)])  # as _grid

    whole = cell_tris(inner)
    corners = cell_tris(edge)
    if len(corners) == 0:
        return whole
    polys = shapely.polygons(corners)
    shapely.prepare(area)
    inside = shapely.contains_properly(area, polys)
    clip = ~inside & shapely.intersects(area, polys)
    parts = shapely.intersection(polys[clip], area)
    cdt = shapely.constrained_delaunay_triangles(parts)
    t = shapely.get_parts(shapely.get_parts(cdt))
    t = t[shapely.get_type_id(t) == 3]
    clipped = shapely.get_coordinates(t).reshape(len(t), 4, 2)[:, :3]
    return np.concatenate([whole, corners[inside], clipped])
