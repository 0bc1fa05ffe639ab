"""The plan: a drawing's content as classed 2D geometry with z-intervals, in meters.

A plan-view drawing observes x and y exactly; the z-intervals are what a converter infers.
Generators write a plan as ground truth; vectorisers read one off a drawing; the geometry
package lifts any plan to per-class meshes. Coordinates are the drawing's (DESIGN.md):
x to the right, y up, origin at the drawing's bottom-left corner, z up, floor at z = 0.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from shapely import wkt
from shapely.geometry import LineString, MultiPolygon, Polygon

Area = Polygon | MultiPolygon


@dataclass
class Solid:
    """A prism: `footprint` extruded from z0 to z1. Walls, part plates, bosses, buildings."""

    cls: str
    footprint: Area
    z0: float
    z1: float


@dataclass
class Cut:
    """A prism removed from the solids of class `host`.

    Doors and windows (host WALL: z0 = sill, z1 = head) leave a sill below and a lintel above;
    holes and pockets (host PART) are drilled from the top. The footprint reaches a little
    beyond the host's faces so the boolean never meets coplanar faces.
    """

    cls: str
    footprint: Area
    z0: float
    z1: float
    host: str = "WALL"


@dataclass
class Surface:
    """A flat or draped surface: floor slab, water, path. `z=None` drapes it on the terrain."""

    cls: str
    footprint: Area
    z: float | None = 0.0


@dataclass
class Contour:
    """A terrain contour line at `elevation` (meters above the site datum)."""

    line: LineString
    elevation: float


@dataclass
class Tree:
    """A tree: crown circle seen from above; height and trunk inferred (defaults.py)."""

    x: float
    y: float
    crown_radius: float
    height: float


@dataclass
class Plan:
    """Everything a converter knows about one drawing, in meters.

    extent: (width, height) of the drawing area; the drawing covers [0, width] x [0, height].
    """

    domain: str
    extent: tuple[float, float]
    solids: list[Solid] = field(default_factory=list)
    cuts: list[Cut] = field(default_factory=list)
    surfaces: list[Surface] = field(default_factory=list)
    contours: list[Contour] = field(default_factory=list)
    trees: list[Tree] = field(default_factory=list)
    meta: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict (geometry as WKT) that `Plan.from_json` reads back."""
        return {
            "domain": self.domain,
            "extent": list(self.extent),
            "solids": [[s.cls, s.footprint.wkt, s.z0, s.z1] for s in self.solids],
            "cuts": [[c.cls, c.footprint.wkt, c.z0, c.z1, c.host] for c in self.cuts],
            "surfaces": [[s.cls, s.footprint.wkt, s.z] for s in self.surfaces],
            "contours": [[c.line.wkt, c.elevation] for c in self.contours],
            "trees": [[t.x, t.y, t.crown_radius, t.height] for t in self.trees],
            "meta": self.meta,
        }

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> Plan:
        return cls(
            domain=d["domain"],
            extent=tuple(d["extent"]),
            solids=[Solid(c, wkt.loads(g), z0, z1) for c, g, z0, z1 in d["solids"]],
            cuts=[Cut(c, wkt.loads(g), z0, z1, h) for c, g, z0, z1, h in d["cuts"]],
            surfaces=[Surface(c, wkt.loads(g), z) for c, g, z in d["surfaces"]],
            contours=[Contour(wkt.loads(g), e) for g, e in d["contours"]],
            trees=[Tree(*t) for t in d["trees"]],
            meta=d.get("meta", {}),
        )
