"""Share of door and window openings a result gets right (floor plans).

For each true DOOR/WINDOW cut in a WALL, vertical probes go down through the predicted wall
inside the opening (its footprint within the true wall, shrunk by `margin` so the jambs and the
wall faces are left out). Along each probe the predicted WALL surfaces are where the ray meets
WALL triangles (or, for a bare point cloud, WALL points within `radius` of the ray). A probe is
right when no wall surface lies in (sill + 5 cm, head - 5 cm), the lowest surface above the
opening is within 10 cm of the true head (the lintel's soffit) and, for windows, the highest
surface below is within 10 cm of the true sill (the sill's top). An opening is right when at
least half its probes are.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import shapely
from shapely.ops import unary_union

from ..classes import class_id
from ..geometry.meshset import MeshSet, PointCloud
from ..plan import Cut, Plan

CLEAR = 0.05  # meters: the open band is (sill + CLEAR, head - CLEAR)
HEIGHT_TOL = 0.10  # meters: lintel / sill heights within this of the truth


@dataclass
class OpeningScore:
    cls: str
    right: bool
    probes_right: float  # share of probes right, [0, 1]
    head: float | None  # median predicted soffit height over the probes, meters
    sill: float | None  # median predicted sill height (windows), meters


def probe_points(cut: Cut, walls, margin: float = 0.04, n: int = 9) -> np.ndarray:
    """(K, 2) probe xy inside the opening: the cut within the true walls, shrunk by `margin`."""
    region = cut.footprint.intersection(walls) if walls is not None else cut.footprint
    if region.is_empty:
        region = cut.footprint
    inner = region.buffer(-margin)
    if inner.is_empty:
        inner = region
    centre = inner.representative_point()
    # points along the opening's long axis through the centre (minimum rotated rectangle)
    rect = np.asarray(inner.minimum_rotated_rectangle.exterior.coords)[:4]
    e1, e2 = rect[1] - rect[0], rect[2] - rect[1]
    axis = e1 if np.linalg.norm(e1) >= np.linalg.norm(e2) else e2
    ts = np.linspace(-0.4, 0.4, n)
    cand = np.array([centre.x, centre.y]) + ts[:, None] * axis[None, :]
    keep = shapely.contains_xy(inner, cand[:, 0], cand[:, 1])
    pts = cand[keep]
    return pts if len(pts) else np.array([[centre.x, centre.y]])


def _ray_hits_mesh(xy: np.ndarray, tri: np.ndarray) -> list[np.ndarray]:
    """z of every non-vertical triangle under each vertical ray at xy (K, 2); tri (F, 3, 3)."""
    hits = []
    lo, hi = tri[:, :, :2].min(1), tri[:, :, :2].max(1)
    for x, y in xy:
        sel = np.flatnonzero((lo[:, 0] <= x) & (hi[:, 0] >= x) & (lo[:, 1] <= y) & (hi[:, 1] >= y))
        if len(sel) == 0:
            hits.append(np.zeros(0))
            continue
        t = tri[sel]
        a, b, c = t[:, 0], t[:, 1], t[:, 2]
        det = (b[:, 0] - a[:, 0]) * (c[:, 1] - a[:, 1]) - (c[:, 0] - a[:, 0]) * (b[:, 1] - a[:, 1])
        ok = np.abs(det) > 1e-12  # vertical faces are parallel to the ray: skipped
        det = np.where(ok, det, 1.0)
        u = ((x - a[:, 0]) * (c[:, 1] - a[:, 1]) - (c[:, 0] - a[:, 0]) * (y - a[:, 1])) / det
        v = ((b[:, 0] - a[:, 0]) * (y - a[:, 1]) - (x - a[:, 0]) * (b[:, 1] - a[:, 1])) / det
        inside = ok & (u >= -1e-9) & (v >= -1e-9) & (u + v <= 1 + 1e-9)
        z = a[:, 2] + u * (b[:, 2] - a[:, 2]) + v * (c[:, 2] - a[:, 2])
        hits.append(z[inside])
    return hits


def _ray_hits_points(xy: np.ndarray, points: np.ndarray, radius: float) -> list[np.ndarray]:
    out = []
    for x, y in xy:
        near = (points[:, 0] - x) ** 2 + (points[:, 1] - y) ** 2 <= radius**2
        out.append(points[near, 2])
    return out


def _judge(z: np.ndarray, cut: Cut) -> tuple[bool, float | None, float | None]:
    sill, head = cut.z0, cut.z1
    inside = (z > sill + CLEAR) & (z < head - CLEAR)
    mid = (sill + head) / 2
    above, below = z[z >= mid], z[z <= mid]
    got_head = float(above.min()) if len(above) else None
    got_sill = float(below.max()) if len(below) else None
    ok = not inside.any() and got_head is not None and abs(got_head - head) <= HEIGHT_TOL
    if cut.cls == "WINDOW":
        ok = ok and got_sill is not None and abs(got_sill - sill) <= HEIGHT_TOL
    return ok, got_head, got_sill


def score_openings(
    plan: Plan, pred: MeshSet | PointCloud, radius: float = 0.03
) -> list[OpeningScore]:
    """One score per true DOOR/WINDOW cut hosted by WALL in `plan` (meters throughout).

    pred: the result's meshes (WALL class used), or a point cloud whose labels are class ids.
    """
    cuts = [c for c in plan.cuts if c.cls in ("DOOR", "WINDOW") and c.host == "WALL"]
    walls = (
        unary_union([s.footprint for s in plan.solids if s.cls == "WALL"]) if plan.solids else None
    )
    if isinstance(pred, MeshSet):
        wall = pred.meshes.get("WALL")
        tri = (
            np.asarray(wall.triangles, dtype=np.float64)
            if wall is not None
            else np.zeros((0, 3, 3))
        )
        source = ("mesh", tri)
    else:
        labels = pred.labels if pred.labels is not None else np.zeros(len(pred), dtype=np.int64)
        source = ("points", np.asarray(pred.points, dtype=np.float64)[labels == class_id("WALL")])
    scores = []
    for cut in cuts:
        xy = probe_points(cut, walls)
        hits = (
            _ray_hits_mesh(xy, source[1])
            if source[0] == "mesh"
            else _ray_hits_points(xy, source[1], radius)
        )
        verdicts = [_judge(np.asarray(z), cut) for z in hits]
        share = float(np.mean([v[0] for v in verdicts]))
        heads = [v[1] for v in verdicts if v[1] is not None]
        sills = [v[2] for v in verdicts if v[2] is not None]
        scores.append(
            OpeningScore(
                cls=cut.cls,
                right=share >= 0.5,
                probes_right=share,
                head=float(np.median(heads)) if heads else None,
                sill=float(np.median(sills)) if sills else None,
            )
        )
    return scores


def openings_right(plan: Plan, pred: MeshSet | PointCloud) -> dict[str, float]:
    """{'n': openings, 'right': how many right, 'share': right / n (nan when n = 0)}."""
    scores = score_openings(plan, pred)
    n = len(scores)
    right = sum(s.right for s in scores)
    return {"n": n, "right": right, "share": right / n if n else float("nan")}


__all__ = ["OpeningScore", "openings_right", "probe_points", "score_openings"]


def share_in_openings(plan: Plan, points: np.ndarray, margin: float = 0.02) -> float:
    """Share of points (N, 3) meters inside a door or window opening: within the opening's
    footprint inside the true walls, shrunk by `margin` (the wall faces and jambs stay out),
    and between sill + CLEAR and head - CLEAR. A plan view shows the opening; a point there
    is a hole filled in."""
    pts = np.asarray(points, np.float64).reshape(-1, 3)
    if not len(pts):
        return 0.0
    walls = [s.footprint for s in plan.solids if s.cls == "WALL"]
    walls = unary_union(walls) if walls else None
    inside = np.zeros(len(pts), bool)
    for cut in plan.cuts:
        if cut.cls not in ("DOOR", "WINDOW") or cut.host != "WALL":
            continue
        region = cut.footprint.intersection(walls) if walls is not None else cut.footprint
        region = region.buffer(-margin) if not region.is_empty else region
        if region.is_empty:
            continue
        zin = (pts[:, 2] > cut.z0 + CLEAR) & (pts[:, 2] < cut.z1 - CLEAR)
        inside |= zin & shapely.contains_xy(region, pts[:, 0], pts[:, 1])
    return float(inside.mean())
