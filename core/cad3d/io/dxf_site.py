"""A site plan from a 2D DXF's layers: buildings, water, paths, trees and contour lines.

Layer classes come from dxf_layers.classify_layer (TREE/BAUM/ARBRE/ARBOL, BUILDING/GEBAEUDE/
BATIMENT, WATER/WASSER/EAU/AGUA, PATH/WEG/CHEMIN/SENDERO, CONTOUR/HOEHENLINIE/COURBE/CURVA...).
Footprints are the entities' own outlines (exact). A contour's elevation is its polyline's
elevation / z when not zero, else the numeric TEXT label nearest to it; the terrain, building
bases and water levels then follow from the contours (geometry/terrain.py).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
import shapely
from shapely.geometry import LineString, Polygon
from shapely.ops import unary_union

from ..defaults import BUILDING_HEIGHT, TREE_HEIGHT_PER_CROWN_DIAMETER
from ..plan import Contour, Plan, Solid, Surface, Tree
from .dxf_layers import Edge, _area_of, _polys, classify_layer

PATH_WIDTH = 1.5  # meters: a path drawn as a single centre line is this wide
LABEL_REACH = 0.02  # a label names the contour within this share of the drawing's size
_NUMBER = re.compile(r"\s*([-+]?\d+(?:[.,]\d+)?)\s*(?:m|M|müNN|mNN|NN)?\s*")


@dataclass
class Label:
    """A TEXT / MTEXT: insertion point (meters, drawing coordinates), plain text, layer."""

    x: float
    y: float
    text: str
    layer: str


def label_value(text: str) -> float | None:
    """The number a label states ('105.5', '105,5 m', '+12') or None."""
    m = _NUMBER.fullmatch(text)
    return float(m.group(1).replace(",", ".")) if m else None


def _line(e: Edge) -> LineString:
    pts = np.vstack([e.points, e.points[:1]]) if e.closed else e.points
    return LineString(pts)


def _contours(edges: list[Edge], labels: list[Label], reach: float, table) -> list[Contour]:
    """Contours with an elevation from their own z, else the nearest numeric label; lines
    whose elevation is unknown are dropped unless none is known (then a flat site at 0)."""
    numeric = [
        (shapely.Point(lb.x, lb.y), v, lb.layer)
        for lb in labels
        if (v := label_value(lb.text)) is not None
    ]
    numeric = [n for n in numeric if classify_layer(n[2], table) == "CONTOUR"] or numeric
    out: list[tuple[LineString, float | None]] = []
    for e in edges:
        if len(e.points) < 2:
            continue
        line = _line(e)
        z = e.z if e.z != 0 else None
        if z is None and numeric:
            d = [line.distance(p) for p, _, _ in numeric]
            k = int(np.argmin(d))
            if d[k] <= reach:
                z = numeric[k][1]
        out.append((line, z))
    if all(z is None for _, z in out):
        return [Contour(line, 0.0) for line, _ in out]
    return [Contour(line, float(z)) for line, z in out if z is not None]


def _trees(edges: list[Edge]) -> list[Tree]:
    """One tree per crown symbol: an INSERT's points (centre of its hull, farthest point), or a
    loose closed outline (a CIRCLE: centroid, mean radius) not inside another one."""
    groups: dict[int, list[np.ndarray]] = {}
    loose = []
    for e in edges:
        if e.group >= 0:
            groups.setdefault(e.group, []).append(e.points)
        elif e.closed and len(e.points) >= 3:
            p = shapely.make_valid(Polygon(e.points))
            if p.area > 0:
                loose.append((p, e.points))
    crowns = []
    for pts in groups.values():
        allp = np.concatenate(pts)
        c = np.asarray(shapely.MultiPoint(allp).convex_hull.centroid.coords[0])
        crowns.append((c, float(np.linalg.norm(allp - c, axis=1).max())))
    for i, (p, pts) in enumerate(loose):
        if any(j != i and q.area > p.area and q.contains(p) for j, (q, _) in enumerate(loose)):
            continue  # a trunk dot inside its crown
        c = np.asarray(p.centroid.coords[0])
        crowns.append((c, float(np.linalg.norm(pts - c, axis=1).mean())))
    return [
        Tree(float(c[0]), float(c[1]), r, TREE_HEIGHT_PER_CROWN_DIAMETER * 2 * r)
        for c, r in crowns
        if r > 0
    ]


def site_plan(
    by_cls: dict[str, list[Edge]], extent: tuple[float, float], labels: list[Label], table=None
) -> Plan:
    """A landscape Plan from classed edges: BUILDING solids from the lowest ground under them,
    WATER at the lowest ground on its shore, PATH draped on the terrain, TREEs, contours."""
    from ..geometry.terrain import ground_function

    plan = Plan(domain="landscape", extent=extent)
    plan.meta["source"] = "dxf layers"
    reach = LABEL_REACH * max(extent)
    plan.contours = _contours(by_cls.get("CONTOUR", []), labels, reach, table)
    ground = ground_function(plan)

    def lowest(poly: Polygon) -> float:
        xy = np.asarray(poly.exterior.coords)
        return float(np.min(ground(xy[:, 0], xy[:, 1])))

    for poly in _polys(_area_of(by_cls.get("BUILDING", []), None)):
        z0 = lowest(poly)
        plan.solids.append(Solid("BUILDING", poly, z0, z0 + BUILDING_HEIGHT))
    for poly in _polys(_area_of(by_cls.get("WATER", []), None)):
        plan.surfaces.append(Surface("WATER", poly, lowest(poly)))
    paths = by_cls.get("PATH", [])
    area = _area_of(paths, None)
    lines = [LineString(e.points) for e in paths if not e.closed and len(e.points) >= 2]
    if lines:
        area = unary_union([area, *[ln.buffer(PATH_WIDTH / 2, cap_style="flat") for ln in lines]])
    for poly in _polys(area):
        plan.surfaces.append(Surface("PATH", poly, None))
    plan.trees = _trees(by_cls.get("TREE", []))
    return plan
