"""What a 2D DXF's layer names say: layer -> class, and the exact `Plan` built from classed entities.

CAD users name layers in their own language and office standard ("A-WALL", "MAUERWERK", "MURS",
"Tür"), so classes are found by keyword: a layer is a class when one of its name's tokens starts
with one of that class's keywords. Users extend the table with a JSON file
`{"WALL": ["BETON"], "WINDOW": ["VERGLASUNG"]}` (keywords are matched case- and accent-free).
"""

from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import shapely
from shapely.geometry import LineString, MultiPolygon, Polygon
from shapely.ops import polygonize, unary_union

from ..defaults import (
    DOOR_HEAD,
    PART_CUT_MARGIN,
    PART_THICKNESS,
    WALL_HEIGHT,
    WINDOW_HEAD,
    WINDOW_SILL,
)
from ..errors import UsageError
from ..plan import Cut, Plan, Solid, Surface

# class -> keywords (upper case, ASCII; umlauts spelled AE OE UE). English, German, French,
# Spanish, Italian, Dutch, and the AIA / ISO 13567 codes offices use.
LAYER_KEYWORDS: dict[str, tuple[str, ...]] = {
    "WALL": ("WALL", "WAND", "WAENDE", "MAUER", "MUR", "CLOISON", "MURO", "PARED", "TABIQUE",
             "PARETE", "PARETI", "MUUR", "MUREN"),
    "DOOR": ("DOOR", "TUER", "TUR", "PORTE", "PUERTA", "PORTA", "DEUR"),
    "WINDOW": ("WINDOW", "WIND", "GLAZ", "FENSTER", "FENETRE", "VENTANA", "FINESTR", "RAAM",
               "VENSTER"),
    "FLOOR": ("FLOOR", "FLOR", "SLAB", "BODEN", "DECKE", "PLANCHER", "SUELO", "PAVIMENT", "VLOER"),
    "PART": ("PART", "OUTLINE", "CONTOUR_PART", "KONTUR", "BAUTEIL", "PIECE", "PIEZA", "PEZZO",
             "ONDERDEEL"),
    "HOLE": ("HOLE", "BOHRUNG", "LOCH", "TROU", "PERCAGE", "AGUJERO", "TALADRO", "FORO", "GAT"),
}
_THIN_WALL = 0.45  # meters: a face of open wall linework thinner than this is a wall strip
_MAX_OPENING = 3.0  # meters: wall gaps up to this wide can be a door / window opening
_CUT_REACH = 0.05  # meters a door / window cut reaches past the wall faces


def _fold(text: str) -> str:
    """Upper case ASCII with umlauts spelled out: 'Tür' -> 'TUER', 'Fenêtre' -> 'FENETRE'."""
    text = text.upper()
    for a, b in (("Ä", "AE"), ("Ö", "OE"), ("Ü", "UE"), ("ß", "SS"), ("ẞ", "SS")):
        text = text.replace(a, b)
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()


def load_layer_table(extra: str | Path | dict | None = None) -> dict[str, tuple[str, ...]]:
    """The built-in table plus a user's (a dict or a JSON file of class -> keywords)."""
    table = {k: tuple(v) for k, v in LAYER_KEYWORDS.items()}
    if extra is None:
        return table
    if not isinstance(extra, dict):
        try:
            extra = json.loads(Path(extra).read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise UsageError(f"layer table {extra}: cannot read it as JSON ({exc})") from None
    if not isinstance(extra, dict):
        raise UsageError("layer table must be a JSON object of class -> list of keywords")
    for cls, words in extra.items():
        if cls not in table or not isinstance(words, list):
            raise UsageError(f"layer table: unknown class {cls!r} or keywords not a list")
        table[cls] = table[cls] + tuple(_fold(str(w)) for w in words)
    return table


def classify_layer(name: str, table: dict[str, tuple[str, ...]] | None = None) -> str | None:
    """The class a layer name says ('A-WALL-EXT' -> 'WALL', 'Fenster' -> 'WINDOW'), or None."""
    table = table or LAYER_KEYWORDS
    tokens = [t for t in re.split(r"[^A-Z0-9]+", _fold(name)) if t]
    for cls in ("WINDOW", "DOOR", "WALL", "HOLE", "PART", "FLOOR"):  # most specific first
        for tok in tokens:
            if any(tok.startswith(k) for k in table[cls]):
                return cls
    return None


@dataclass
class Edge:
    """One flattened entity: points (N, 2) float64 meters (drawing coordinates)."""

    points: np.ndarray
    layer: str
    closed: bool
    hatch: bool = False
    group: int = -1  # index of the top-level INSERT it came from, -1 for model space


def _even_odd(rings: list[Polygon]) -> Polygon | MultiPolygon:
    """Nested closed outlines as an area by the even-odd rule (an outline inside another is a hole)."""
    area = Polygon()
    for ring in sorted(rings, key=lambda p: -p.area):
        area = area.symmetric_difference(ring)
    return area


def _rings(edges: list[Edge]) -> list[Polygon]:
    out = []
    for e in edges:
        if e.closed and len(e.points) >= 3:
            p = shapely.make_valid(Polygon(e.points))
            if p.area > 0:
                out.extend(g for g in getattr(p, "geoms", [p]) if isinstance(g, Polygon) and g.area > 0)
    return out


def _area_of(edges: list[Edge], thin: float | None) -> Polygon | MultiPolygon:
    """Closed outlines and hatches by even-odd; open linework's thin faces (wall strips) added."""
    area = _even_odd(_rings(edges))
    open_lines = [LineString(e.points) for e in edges if not e.closed and len(e.points) >= 2]
    if thin and open_lines:
        faces = [f for f in polygonize(unary_union(open_lines)) if f.area > 0]
        strips = [f for f in faces if f.area / (0.5 * f.length) < thin]
        if strips:
            area = area.union(unary_union(strips))
    return area


def _polys(area) -> list[Polygon]:
    return [g for g in getattr(area, "geoms", [area]) if isinstance(g, Polygon) and not g.is_empty]


def _openings(walls, edges: list[Edge], cls: str) -> list[Polygon]:
    """Each door / window (an INSERT or a connected piece of its layer) -> its wall opening.

    A wall gap next to the symbol (found by closing the walls with square joins, exact for straight
    walls) is the opening; a symbol drawn over a continuous wall cuts where it overlaps the wall.
    """
    closed = walls.buffer(_MAX_OPENING / 2, join_style="mitre").buffer(-_MAX_OPENING / 2, join_style="mitre")
    gaps = [g for g in _polys(closed.difference(walls)) if g.area > 1e-8]
    groups: dict[object, list[np.ndarray]] = {}
    for k, e in enumerate(edges):
        groups.setdefault(e.group if e.group >= 0 else ("e", k), []).append(e.points)
    symbols = [shapely.MultiPoint(np.concatenate(p)).convex_hull for p in groups.values()]
    if any(g < 0 for g in (e.group for e in edges)):  # loose entities: merge touching symbols
        symbols = _polys(unary_union([s.buffer(1e-6) for s in symbols]))
    out = []
    for s in symbols:
        hit = [g for g in gaps if g.intersects(s)]
        if hit:
            out.extend(hit)
            continue
        over = s.intersection(walls)
        if over.area > 1e-8:
            out.extend(_polys(over))
    return out


def _reach(opening: Polygon) -> Polygon:
    """The opening stretched across the wall's thickness (its rectangle's short axis) so a cut
    never meets the wall faces coplanar."""
    rect = np.asarray(opening.minimum_rotated_rectangle.exterior.coords)[:4]
    a, b = rect[1] - rect[0], rect[2] - rect[1]
    short = a if np.linalg.norm(a) < np.linalg.norm(b) else b
    n = short / (np.linalg.norm(short) or 1.0) * _CUT_REACH
    return shapely.union_all([opening, shapely.affinity.translate(opening, *n),
                              shapely.affinity.translate(opening, *-n)]).convex_hull


def plan_from_layers(edges: list[Edge], extent: tuple[float, float], table=None) -> Plan | None:
    """An exact Plan when layer names say what the entities are (walls, or a part), else None."""
    import shapely.affinity  # noqa: F401  (used by _reach)

    by_cls: dict[str, list[Edge]] = {}
    for e in edges:
        cls = classify_layer(e.layer, table)
        if cls:
            by_cls.setdefault(cls, []).append(e)
    walls = _area_of(by_cls.get("WALL", []), _THIN_WALL) if "WALL" in by_cls else Polygon()
    if not walls.is_empty and walls.area > 0:
        plan = Plan(domain="floorplan", extent=extent, solids=[Solid("WALL", walls, 0.0, WALL_HEIGHT)])
        plan.meta["source"] = "dxf layers"
        for cls, z0, z1 in (("DOOR", 0.0, DOOR_HEAD), ("WINDOW", WINDOW_SILL, WINDOW_HEAD)):
            for o in _openings(walls, by_cls.get(cls, []), cls):
                if not o.within(walls.buffer(1e-9)):
                    plan.solids.append(Solid("WALL", o, 0.0, WALL_HEIGHT))  # fill the gap, then cut it
                plan.cuts.append(Cut(cls, _reach(o), z0, z1, "WALL"))
        floor = _area_of(by_cls.get("FLOOR", []), None)
        if floor.is_empty:
            floor = unary_union([Polygon(p.exterior) for p in _polys(walls)])
        plan.surfaces.append(Surface("FLOOR", floor, 0.0))
        return plan
    part = _area_of(by_cls.get("PART", []), None) if "PART" in by_cls else Polygon()
    if not part.is_empty and part.area > 0:
        t, m = PART_THICKNESS, PART_CUT_MARGIN
        plan = Plan(domain="part", extent=extent, solids=[Solid("PART", part, 0.0, t)])
        plan.meta["source"] = "dxf layers"
        for ring in _rings(by_cls.get("HOLE", [])):
            plan.cuts.append(Cut("HOLE", ring, -m, t + m, "PART"))
        return plan
    return None
