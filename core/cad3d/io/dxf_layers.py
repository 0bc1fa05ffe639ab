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
from typing import TYPE_CHECKING

import numpy as np
import shapely
from shapely import affinity
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

if TYPE_CHECKING:
    from .dxf_site import Label

# class -> keywords (upper case, ASCII; umlauts spelled AE OE UE). English, German, French,
# Spanish, Italian, Dutch, and the AIA / ISO 13567 codes offices use.
LAYER_KEYWORDS: dict[str, tuple[str, ...]] = {
    "WALL": (
        "WALL",
        "WAND",
        "WAENDE",
        "MAUER",
        "MUR",
        "CLOISON",
        "MURO",
        "PARED",
        "TABIQUE",
        "PARETE",
        "PARETI",
        "MUUR",
        "MUREN",
    ),
    "DOOR": ("DOOR", "TUER", "TUR", "PORTE", "PUERTA", "PORTA", "DEUR"),
    "WINDOW": (
        "WINDOW",
        "WIND",
        "GLAZ",
        "FENSTER",
        "FENETRE",
        "VENTANA",
        "FINESTR",
        "RAAM",
        "VENSTER",
    ),
    "FLOOR": ("FLOOR", "FLOR", "SLAB", "BODEN", "DECKE", "PLANCHER", "SUELO", "PAVIMENT", "VLOER"),
    "PART": (
        "PART",
        "OUTLINE",
        "CONTOUR_PART",
        "KONTUR",
        "BAUTEIL",
        "PIECE",
        "PIEZA",
        "PEZZO",
        "ONDERDEEL",
    ),
    "HOLE": ("HOLE", "BOHRUNG", "LOCH", "TROU", "PERCAGE", "AGUJERO", "TALADRO", "FORO", "GAT"),
    # site plans
    "CONTOUR": (
        "CONTOUR",
        "TOPO",
        "HOEHENLINIE",
        "HOHENLINIE",
        "ISOHYPSE",
        "COURBE",
        "CURVA",
        "HOOGTELIJN",
    ),
    "TREE": ("TREE", "BAUM", "BAEUME", "ARBRE", "ARBOL", "ALBER", "BOOM", "BOMEN"),
    "BUILDING": ("BUILDING", "BLDG", "GEBAEUDE", "HAUS", "BATIMENT", "EDIFIC", "GEBOUW"),
    "WATER": ("WATER", "WASSER", "GEWAESSER", "TEICH", "EAU", "AGUA", "ACQUA", "POND", "LAKE"),
    "PATH": ("PATH", "WALKWAY", "WEG", "CHEMIN", "SENDERO", "CAMINO", "SENTIER", "VIALE", "PAD"),
}
LANDSCAPE = ("CONTOUR", "TREE", "BUILDING", "WATER", "PATH")
_THIN_WALL = 0.45  # meters: a face of open wall linework thinner than this is a wall strip
_MAX_OPENING = 3.0  # meters: wall gaps up to this wide can be a door / window opening
_CUT_REACH = 0.05  # meters a door / window cut reaches past the wall faces
_TOUCH = 0.02  # meters: a symbol this close to a wall face touches it
_MAX_WALL = 0.6  # meters: the thickest wall a symbol touching it opens


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
    for cls in ("WINDOW", "DOOR", "WALL", "HOLE", "PART", "FLOOR", *LANDSCAPE):  # specific first
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
    z: float = 0.0  # the entity's elevation (median vertex z), meters


def _even_odd(rings: list[Polygon]) -> Polygon | MultiPolygon:
    """Closed outlines as an area: an outline inside k others is a hole when k is odd (a wall's
    inner face), solid again when even (a wall inside a room); overlapping outlines (walls meeting
    at a junction, a polygon drawn twice) simply unite."""
    if not rings:
        return Polygon()
    tree = shapely.STRtree(rings)
    depth = np.zeros(len(rings), int)
    for i, ring in enumerate(rings):
        around = tree.query(ring, predicate="within")
        depth[i] = sum(1 for j in around if rings[j].area > ring.area * (1 + 1e-9))
    area = Polygon()
    for d in range(int(depth.max()) + 1):
        level = unary_union([r for r, k in zip(rings, depth, strict=True) if k == d])
        area = area.union(level) if d % 2 == 0 else area.difference(level)
    return area


def _rings(edges: list[Edge]) -> list[Polygon]:
    out = []
    for e in edges:
        if e.closed and len(e.points) >= 3:
            p = shapely.make_valid(Polygon(e.points))
            if p.area > 0:
                out.extend(
                    g for g in getattr(p, "geoms", [p]) if isinstance(g, Polygon) and g.area > 0
                )
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


def _thick(g: Polygon) -> bool:
    """More than a sliver: at least 1 cm thick on average (2 area / perimeter)."""
    return g.area > 1e-6 and 2 * g.area / g.length > 0.01


def _openings(walls, edges: list[Edge], cls: str) -> list[Polygon]:
    """Each door / window (an INSERT or a connected piece of its layer) -> its wall opening.

    A wall gap next to the symbol (found by closing the walls with square joins, exact for straight
    walls) is the opening; a symbol drawn over a continuous wall cuts where it overlaps the wall;
    a swing drawn against a continuous wall cuts the wall behind its touching edge.
    """
    groups: dict[object, list[np.ndarray]] = {}
    for k, e in enumerate(edges):
        groups.setdefault(e.group if e.group >= 0 else ("e", k), []).append(e.points)
    symbols = [shapely.MultiPoint(np.concatenate(p)).convex_hull for p in groups.values()]
    if any(e.group < 0 for e in edges):  # loose entities: merge touching ones into symbols
        symbols = [p.convex_hull for p in _polys(unary_union([s.buffer(1e-6) for s in symbols]))]
    out = []
    for s in symbols:
        rect = shapely.get_coordinates(s.minimum_rotated_rectangle)  # a line if s is degenerate
        r = (
            0.55 * float(np.linalg.norm(np.diff(rect, axis=0), axis=1).max())
            if len(rect) > 1
            else 0.0
        )
        if not 0 < r <= _MAX_OPENING / 2:
            continue
        local = walls.intersection(s.buffer(2 * r, join_style="mitre"))
        closed = local.buffer(r, join_style="mitre").buffer(-r, join_style="mitre")
        hit = [g for g in _polys(closed.difference(walls)) if _thick(g) and g.intersects(s)]
        if hit:
            out.extend(hit)
            continue
        over = [g for g in _polys(s.intersection(walls)) if _thick(g)]
        if over:
            out.extend(over)
            continue
        # a swing drawn against the wall: its straight edges lying along a wall face
        near = walls.buffer(_TOUCH)
        ring = np.asarray(s.exterior.coords) if isinstance(s, Polygon) else np.zeros((0, 2))
        edges_along = [
            LineString(ring[k : k + 2])
            for k in range(len(ring) - 1)
            if np.linalg.norm(ring[k + 1] - ring[k]) > 0.3
            and near.contains(LineString(ring[k : k + 2]))
        ]
        for seg in edges_along:
            band = seg.buffer(_MAX_WALL, cap_style="flat")  # across the wall, not along it
            out.extend(g for g in _polys(band.intersection(walls)) if _thick(g))
    return out


def _reach(opening: Polygon) -> Polygon:
    """The opening stretched across the wall's thickness (its rectangle's short axis) so a cut
    never meets the wall faces coplanar."""
    rect = np.asarray(opening.minimum_rotated_rectangle.exterior.coords)[:4]
    a, b = rect[1] - rect[0], rect[2] - rect[1]
    short = a if np.linalg.norm(a) < np.linalg.norm(b) else b
    n = short / (np.linalg.norm(short) or 1.0) * _CUT_REACH
    return shapely.union_all(
        [opening, affinity.translate(opening, *n), affinity.translate(opening, *-n)]
    ).convex_hull


def plan_from_layers(
    edges: list[Edge], extent: tuple[float, float], table=None, texts: list[Label] | None = None
) -> Plan | None:
    """An exact Plan when layer names say what the entities are (walls, a site, or a part), else
    None. `texts`: the drawing's TEXT labels, for contour elevations (dxf_site.py)."""
    by_cls: dict[str, list[Edge]] = {}
    for e in edges:
        cls = classify_layer(e.layer, table)
        if cls:
            by_cls.setdefault(cls, []).append(e)
    walls = _area_of(by_cls.get("WALL", []), _THIN_WALL) if "WALL" in by_cls else Polygon()
    if not walls.is_empty and walls.area > 0:
        plan = Plan(
            domain="floorplan", extent=extent, solids=[Solid("WALL", walls, 0.0, WALL_HEIGHT)]
        )
        plan.meta["source"] = "dxf layers"
        for cls, z0, z1 in (("DOOR", 0.0, DOOR_HEAD), ("WINDOW", WINDOW_SILL, WINDOW_HEAD)):
            for o in _openings(walls, by_cls.get(cls, []), cls):
                if not o.within(walls.buffer(1e-9)):
                    plan.solids.append(
                        Solid("WALL", o, 0.0, WALL_HEIGHT)
                    )  # fill the gap, then cut it
                plan.cuts.append(Cut(cls, _reach(o), z0, z1, "WALL"))
        floor = _area_of(by_cls.get("FLOOR", []), None)
        if floor.is_empty:
            floor = unary_union([Polygon(p.exterior) for p in _polys(walls)])
        plan.surfaces.append(Surface("FLOOR", floor, 0.0))
        return plan
    if any(c in by_cls for c in LANDSCAPE):
        from .dxf_site import site_plan

        return site_plan(by_cls, extent, texts or [], table)
    part = _area_of(by_cls.get("PART", []), None) if "PART" in by_cls else Polygon()
    if not part.is_empty and part.area > 0:
        t, m = PART_THICKNESS, PART_CUT_MARGIN
        plan = Plan(domain="part", extent=extent, solids=[Solid("PART", part, 0.0, t)])
        plan.meta["source"] = "dxf layers"
        for ring in _rings(by_cls.get("HOLE", [])):
            plan.cuts.append(Cut("HOLE", ring, -m, t + m, "PART"))
        return plan
    return None
