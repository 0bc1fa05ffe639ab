"""2.5D column reconstruction: per-class meshes from a labelled cloud without a plan (meters).

Why columns and not a general surface reconstruction (ball pivoting, Poisson, alpha shapes):
every class here is a prism, a height field or a tree, and a generated cloud is sparse (4-16k
points over a whole building: ~0.2-0.3 m apart), so a general method leaves holes and open
edges, while columns give closed solids by construction (lift.py) and reuse the plan IR.

Per class: points are rasterised on a fine plan grid (half the point spacing) and closed
morphologically (kernel ~ 2 spacings) into a footprint; on a coarse grid (2 spacings) each
column's material z-intervals are found by splitting its sorted z at gaps (> 20 % of the
class's z-span) and pairing lone horizontal faces by parity (`_intervals`); interval ends are snapped to the class's face heights
(peaks of its z histogram) so equal columns merge; equal columns become polygons (cv2.findContours +
shapely simplify) lifted as Solids (WALL, PART, BOSS, BUILDING: closed) or surfaces (FLOOR,
WATER flat at their median z; TERRAIN, PATH height fields); TREE: trunk + crown fitted to
each crown of TREE points (local height maxima as seeds, nearest-seed groups; scipy only).
"""

from __future__ import annotations

import cv2
import numpy as np
import shapely
from scipy import ndimage
from scipy.spatial import cKDTree
from shapely.geometry import Polygon

from ..classes import class_name
from ..plan import Plan, Solid, Tree
from .meshset import MeshSet
from .zfit import grid_sampler, height_grid

SOLID = ("WALL", "PART", "BOSS", "BUILDING")
FLAT = ("FLOOR", "WATER")
FIELD = ("TERRAIN", "PATH")
MERGE = {"HOLE": "PART", "POCKET": "PART", "DOOR": "WALL", "WINDOW": "WALL"}
MIN_POINTS = 10  # a class with fewer points is dropped
MIN_NEIGHBOURS = 2  # points with fewer neighbours within 1.5 spacings are outliers
GAP_FRACTION = 0.2  # a z-gap wider than this share of the class's z-span splits a column
SNAP_FRACTION = 0.02  # z histogram bin (share of the z-span) for the face heights
MAX_FINE = 2048  # fine raster cells along the longer side at most
CLOSE = 1.0  # footprint closing radius, in point spacings
CLOSE_AREA = 2.0  # ... of areas (floors, water, paths): their points are sparse, spread thin


def _spacing(n: int, extent: tuple[float, float]) -> float:
    return float(np.sqrt(extent[0] * extent[1] / max(n, 1)))


def _mask(xy: np.ndarray, shape: tuple[int, int], cell: float, close_px: int) -> np.ndarray:
    """(ny, nx) uint8 footprint: cells holding points, closed with a disc of close_px (on a
    zero-padded raster: OpenCV's erosion treats the border as full, which would glue anything
    within close_px of the sheet's edge to it)."""
    pad = close_px + 1
    m = np.zeros((shape[0] + 2 * pad, shape[1] + 2 * pad), np.uint8)
    j = np.clip((xy[:, 0] / cell).astype(np.int64), 0, shape[1] - 1)
    i = np.clip((xy[:, 1] / cell).astype(np.int64), 0, shape[0] - 1)
    m[i + pad, j + pad] = 1
    k = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * close_px + 1, 2 * close_px + 1))
    return cv2.morphologyEx(m, cv2.MORPH_CLOSE, k)[pad:-pad, pad:-pad]


def _polygons(mask: np.ndarray, cell: float, extent: tuple[float, float]) -> list[Polygon]:
    """Polygons (meters; row i is y = i*cell) of a binary mask, holes kept, simplified, clipped
    to the drawing's extent (the closing and the half-cell offset must not grow past the sheet)."""
    contours, hier = cv2.findContours(mask, cv2.RETR_CCOMP, cv2.CHAIN_APPROX_SIMPLE)
    if hier is None:
        return []
    out = []
    for k, c in enumerate(contours):
        if hier[0][k][3] != -1 or len(c) < 3:
            continue
        holes = [contours[h] for h in range(len(contours)) if hier[0][h][3] == k]
        ring = lambda cc: (cc[:, 0, :].astype(np.float64) + 0.5) * cell  # noqa: E731
        p = Polygon(ring(c), [ring(h) for h in holes if len(h) >= 3]).buffer(0)
        p = p.intersection(shapely.box(0.0, 0.0, *extent))
        p = p.simplify(0.5 * cell, preserve_topology=True)
        out.extend(g for g in getattr(p, "geoms", [p]) if g.area > 4 * cell * cell)
    return out


def _intervals(z: np.ndarray, gap: float, thin: float, base: float) -> list[tuple[float, float]]:
    """Material z-intervals of one column of a closed solid class.

    Sorted z split at gaps > `gap`. A piece longer than `thin` holds vertical-face points: it
    is material. Thin pieces are single horizontal faces; between two successive faces lies
    material (ray-casting parity: a part's bottom and top, a sill's floor and top), so they
    pair up; an unpaired last face (a boss top seen without its walls) stands on `base`.
    """
    z = np.sort(z)
    cut = np.nonzero(np.diff(z) > gap)[0] + 1
    out: list[tuple[float, float]] = []
    face: float | None = None
    for part in np.split(z, cut):
        if len(part) < 2:
            continue
        a, b = float(part[0]), float(part[-1])
        if b - a > thin:
            out.append((a if face is None else face, b))
            face = None
        elif face is None:
            face = a
        else:
            out.append((face, b))
            face = None
    if face is not None:
        out.append((min(base, face), face))
    return out


def _levels(z: np.ndarray, span: float) -> np.ndarray:
    """Heights of the class's horizontal faces: peaks of its z histogram (bins of
    SNAP_FRACTION x span) standing well above the vertical faces' flat level."""
    lo, hi = float(np.percentile(z, 0.5)), float(np.percentile(z, 99.5))
    nb = max(int(np.ceil((hi - lo) / (SNAP_FRACTION * span))), 3)
    counts, edges = np.histogram(z, bins=nb, range=(lo, hi))
    base = max(float(np.median(counts)), 1.0)
    c = np.concatenate([[0], counts, [0]])
    peak = (c[1:-1] >= c[:-2]) & (c[1:-1] >= c[2:]) & (counts > 2.5 * base)
    idx = np.nonzero(peak)[0]
    levels = [float(np.median(z[(z >= edges[i]) & (z <= edges[i + 1])])) for i in idx]
    return np.unique(np.array([lo, hi] if len(levels) < 2 else levels))


def _snap(values: np.ndarray, levels: np.ndarray) -> np.ndarray:
    """Each value replaced by the nearest level."""
    return levels[np.argmin(np.abs(values[:, None] - levels[None, :]), axis=1)]


def _solids(cls: str, p: np.ndarray, extent, s: float) -> list[Solid]:
    """Column Solids of one solid class from its points (N, 3)."""
    fine = max(s / 4, max(extent) / MAX_FINE)
    shape = (int(np.ceil(extent[1] / fine)) + 1, int(np.ceil(extent[0] / fine)) + 1)
    mask = _mask(p[:, :2], shape, fine, max(1, int(round(CLOSE * s / fine))))
    coarse = 2 * s
    cshape = (int(np.ceil(extent[1] / coarse)) + 1, int(np.ceil(extent[0] / coarse)) + 1)
    span = float(np.ptp(p[:, 2])) or 1e-6
    ci, cj = np.mgrid[0 : cshape[0], 0 : cshape[1]]
    centres = np.column_stack([(cj.ravel() + 0.5) * coarse, (ci.ravel() + 0.5) * coarse])
    kd = cKDTree(p[:, :2])
    near = kd.query_ball_point(centres, 0.75 * coarse)
    levels = _levels(p[:, 2], span)
    gap, thin = GAP_FRACTION * span, 0.5 * GAP_FRACTION * span
    ivs = [_intervals(p[idx, 2], gap, thin, levels[0]) if len(idx) >= 3 else [] for idx in near]
    ends = np.array([e for iv in ivs for a in iv for e in a])
    if len(ends) == 0:
        return []
    snapped = iter(_snap(ends, levels))
    keys: dict[tuple, int] = {}
    kmap = np.zeros(len(ivs), np.int32)
    for n, iv in enumerate(ivs):
        key = tuple((next(snapped), next(snapped)) for _ in iv)
        key = tuple((a, b) for a, b in key if b > a)
        if key:
            kmap[n] = keys.setdefault(key, len(keys) + 1)
    kgrid = kmap.reshape(cshape)
    # columns without points take their nearest neighbour's intervals
    _, (ii, jj) = ndimage.distance_transform_edt(kgrid == 0, return_indices=True)
    kgrid = kgrid[ii, jj]
    fi, fj = np.mgrid[0 : shape[0], 0 : shape[1]]
    kfine = kgrid[
        np.minimum((fi * fine / coarse).astype(int), cshape[0] - 1),
        np.minimum((fj * fine / coarse).astype(int), cshape[1] - 1),
    ] * mask.astype(np.int32)
    out = []
    for key, k in keys.items():
        m = (kfine == k).astype(np.uint8)
        if not m.any():
            continue
        polys = _polygons(m, fine, extent)
        for a, b in key:
            out.extend(Solid(cls, poly, a, b) for poly in polys)
    return out


def _trees(p: np.ndarray, s: float, ground, extent: tuple[float, float]) -> list[Tree]:
    """One Tree per crown: seeds are the points highest within 2.5 spacings in x-y (a crown's
    top), every point joins its nearest seed, and each group gives centre, crown radius and
    height. A radius-graph clustering alone merged the touching crowns of dense sites. Crowns
    stay on the sheet: a crown over the edge is moved in (a tree drawn there stands there)."""
    kd = cKDTree(p[:, :2])
    hz = p[:, 2] - ground(p[:, 0], p[:, 1])
    near = kd.query_ball_point(p[:, :2], 2.5 * s)
    seed = np.array([hz[i] >= hz[idx].max() for i, idx in enumerate(near)])
    if not seed.any():
        return []
    _, owner = cKDTree(p[seed, :2]).query(p[:, :2])
    out = []
    for c in range(int(seed.sum())):
        q = p[owner == c]
        if len(q) < MIN_POINTS:
            continue
        x, y = (float(v) for v in np.median(q[:, :2], axis=0))
        h = float(np.percentile(hz[owner == c], 99))
        top = q[:, 2] - hz[owner == c] + h  # ground + height under each point
        # crown: the sphere of radius r whose top is at `top` that the points fit best
        rr = np.linspace(0.5 * s, max(np.ptp(q[:, 0]), np.ptp(q[:, 1]), s), 120)
        d2 = (q[:, 0] - x) ** 2 + (q[:, 1] - y) ** 2
        res = np.abs(
            np.sqrt(d2[None] + (q[None, :, 2] - top[None] + rr[:, None]) ** 2) - rr[:, None]
        )
        r = float(rr[np.argmin(np.minimum(res, s).sum(1))])
        r = min(r, extent[0] / 2, extent[1] / 2)
        x, y = min(max(x, r), extent[0] - r), min(max(y, r), extent[1] - r)
        if r > 0 and h > 0:
            out.append(Tree(x, y, r, h))
    return out


def column_meshes(
    points: np.ndarray, labels: np.ndarray, extent: tuple[float, float] | None = None
) -> MeshSet:
    """Per-class meshes from points (N, 3) meters and their (N,) class ids, no plan needed.

    extent: (width, height) of the drawing (default: the points' maximum x and y).
    """
    from .lift import draped_mesh, flat_mesh, lift_plan
    from .terrain import terrain_mesh
    from .trees import tree_meshes

    points = np.asarray(points, np.float64).reshape(-1, 3)
    labels = np.asarray(labels, np.int64)
    if len(points) < MIN_POINTS:
        return MeshSet()
    if extent is None:
        extent = (float(points[:, 0].max()), float(points[:, 1].max()))
    s_all = _spacing(len(points), extent)
    keep = np.ones(len(points), bool)
    if len(points):  # isolated points are outliers
        cnt = cKDTree(points).query_ball_point(points, 1.5 * s_all, return_length=True)
        keep = cnt > MIN_NEIGHBOURS
    names = np.array([MERGE.get(class_name(int(c)), class_name(int(c))) for c in labels])
    frame = Plan("solids", tuple(extent))
    out = MeshSet()
    solids: list[Solid] = []
    terrain = None
    sel_t = keep & (names == "TERRAIN")
    if sel_t.sum() >= MIN_POINTS:
        cell = max(_spacing(int(sel_t.sum()), extent), max(extent) / 256)
        terrain = grid_sampler(height_grid(points[sel_t, :2], points[sel_t, 2], extent, cell), cell)
        out.add("TERRAIN", terrain_mesh(frame, terrain))
    ground = terrain or (lambda x, y: np.zeros(np.shape(x)))
    for cls in dict.fromkeys(names.tolist()):
        sel = keep & (names == cls)
        if sel.sum() < MIN_POINTS or cls == "TERRAIN":
            continue
        p = points[sel]
        s = _spacing(len(p), extent)
        if cls in SOLID:
            solids.extend(_solids(cls, p, extent, max(s, s_all)))
        elif cls in FLAT or cls in FIELD:
            fine = max(s_all / 4, max(extent) / MAX_FINE)
            shape = (int(np.ceil(extent[1] / fine)) + 1, int(np.ceil(extent[0] / fine)) + 1)
            close = max(1, int(round(CLOSE_AREA * max(s, s_all) / fine)))
            polys = _polygons(_mask(p[:, :2], shape, fine, close), fine, extent)
            if cls in FLAT:
                for poly in polys:
                    inside = p[shapely.contains_xy(poly, p[:, 0], p[:, 1]), 2]
                    mesh = flat_mesh(poly, float(np.median(inside)) if len(inside) else 0.0)
                    if mesh is not None:
                        out.add(cls, mesh)
            else:
                cell = max(s, max(extent) / 256)
                field = grid_sampler(height_grid(p[:, :2], p[:, 2], extent, cell), cell)
                for poly in polys:
                    mesh = draped_mesh(poly, frame, field, 0.0)
                    if mesh is not None:
                        out.add(cls, mesh)
        elif cls == "TREE":
            trees = _trees(p, max(s, s_all), ground, extent)
            gz = ground(np.array([t.x for t in trees]), np.array([t.y for t in trees]))
            mesh = tree_meshes(trees, np.asarray(gz, np.float64)) if trees else None
            if mesh is not None:
                out.add("TREE", mesh)
    if solids:
        for cls, mesh in lift_plan(Plan("solids", tuple(extent), solids=solids)):
            out.add(cls, mesh)
    return out


__all__ = ["column_meshes"]
