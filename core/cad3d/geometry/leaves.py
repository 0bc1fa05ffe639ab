"""Door leaves and window panes: thin closed panels standing in the wall openings.

Optional in `lift_plan(plan, leaves=True)`: the ground truth keeps openings empty (DESIGN.md:
a wall's geometry is WALL only), but a model shown to a user reads better with its doors and
windows in place, on the DOOR and WINDOW classes.
"""

from __future__ import annotations

import numpy as np
import trimesh
from shapely.geometry import Polygon
from shapely.geometry.polygon import orient
from shapely.ops import unary_union

from ..plan import Plan

THICKNESS = {"DOOR": 0.04, "WINDOW": 0.02}  # meters: a door leaf, a glazing unit


def _panel(gap, thickness: float) -> Polygon | None:
    """A thickness-wide strip along the long axis of the opening `gap`, centred across it."""
    rect = gap.minimum_rotated_rectangle
    if rect.geom_type != "Polygon" or rect.area <= 0:
        return None
    p = np.asarray(rect.exterior.coords)[:4]
    e1, e2 = p[1] - p[0], p[2] - p[1]
    if np.linalg.norm(e1) >= np.linalg.norm(e2):
        along, across, start = e1, e2, p[0]  # p0 -> p1 along, p1 -> p2 (= p0 -> p3) across
    else:
        along, across, start = e2, -e1, p[1]  # p1 -> p2 along, p1 -> p0 across
    w = np.linalg.norm(across)
    t = min(thickness, 0.5 * w)
    u = across / w
    a = start + u * (w - t) / 2
    return Polygon([a, a + along, a + along + u * t, a + u * t])


def opening_leaves(plan: Plan) -> list[tuple[str, Polygon, float, float]]:
    """(class, footprint, z0, z1) of a panel in every DOOR / WINDOW cut that meets a wall."""
    out = []
    hosts: dict[str, tuple] = {}  # host class -> (union of footprints, lowest z0, highest z1)
    for c in plan.cuts:
        if c.cls not in THICKNESS:
            continue
        if c.host not in hosts:
            solids = [s for s in plan.solids if s.cls == c.host]
            if not solids:
                continue
            hosts[c.host] = (
                unary_union([s.footprint for s in solids]),
                min(s.z0 for s in solids),
                max(s.z1 for s in solids),
            )
        walls, lo, hi = hosts[c.host]
        gap = c.footprint.intersection(walls)
        if gap.is_empty or gap.area <= 0:
            continue
        z0, z1 = max(c.z0, lo), min(c.z1, hi)
        panel = _panel(gap, THICKNESS[c.cls])
        if panel is not None and z1 > z0:
            out.append((c.cls, panel, float(z0), float(z1)))
    return out


def rect_prism(panel: Polygon, z0: float, z1: float) -> trimesh.Trimesh:
    """A closed box mesh (8 vertices, 12 outward triangles) over a 4-corner footprint."""
    p = np.asarray(orient(panel, 1.0).exterior.coords)[:4]
    v = np.vstack([np.column_stack([p, np.full(4, z0)]), np.column_stack([p, np.full(4, z1)])])
    f = [[0, 2, 1], [0, 3, 2], [4, 5, 6], [4, 6, 7]]
    for i in range(4):
        j = (i + 1) % 4
        f += [[i, j, j + 4], [i, j + 4, i + 4]]
    return trimesh.Trimesh(v, np.array(f), process=False)
