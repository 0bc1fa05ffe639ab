"""The semantic classes: names, ids, colours and domains.

One class per DXF layer and per FreeCAD object; the colour of a class is the same everywhere.
"""

from __future__ import annotations

from dataclasses import dataclass

DOMAINS = ("floorplan", "part", "landscape")


@dataclass(frozen=True)
class ClassInfo:
    name: str
    id: int
    domain: str
    rgb: tuple[int, int, int]
    aci: int  # AutoCAD colour index used on the DXF layer


_TABLE = (
    ClassInfo("WALL", 1, "floorplan", (200, 200, 200), 8),
    ClassInfo("DOOR", 2, "floorplan", (166, 104, 41), 32),
    ClassInfo("WINDOW", 3, "floorplan", (80, 160, 230), 5),
    ClassInfo("FLOOR", 4, "floorplan", (225, 215, 190), 51),
    ClassInfo("PART", 5, "part", (150, 165, 185), 9),
    ClassInfo("HOLE", 6, "part", (220, 60, 60), 1),
    ClassInfo("POCKET", 7, "part", (240, 160, 40), 30),
    ClassInfo("BOSS", 8, "part", (90, 110, 200), 150),
    ClassInfo("TERRAIN", 9, "landscape", (150, 190, 110), 82),
    ClassInfo("TREE", 10, "landscape", (40, 130, 50), 3),
    ClassInfo("PATH", 11, "landscape", (190, 170, 140), 42),
    ClassInfo("WATER", 12, "landscape", (60, 120, 220), 4),
    ClassInfo("BUILDING", 13, "landscape", (190, 120, 100), 14),
    ClassInfo("POINTS", 14, "any", (240, 0, 200), 6),
)

BACKGROUND = 0
NUM_CLASSES = len(_TABLE) + 1  # + background (id 0)
BY_NAME: dict[str, ClassInfo] = {c.name: c for c in _TABLE}
BY_ID: dict[int, ClassInfo] = {c.id: c for c in _TABLE}
NAMES: tuple[str, ...] = tuple(c.name for c in _TABLE)


def class_id(name: str) -> int:
    """Id of a class name (`WALL` -> 1)."""
    return BY_NAME[name].id


def class_name(cid: int) -> str:
    """Name of a class id; 0 is `BACKGROUND`."""
    return "BACKGROUND" if cid == BACKGROUND else BY_ID[cid].name


def domain_classes(domain: str) -> tuple[str, ...]:
    """Class names that a domain's models produce."""
    return tuple(c.name for c in _TABLE if c.domain == domain)
