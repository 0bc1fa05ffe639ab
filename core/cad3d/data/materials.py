"""Material ids for the per-pixel `material` map, and each class's default material.

A plan may name other materials per class in `plan.meta["materials"]` ({"WALL": "brick"}).
"""

from __future__ import annotations

MATERIALS: tuple[str, ...] = (
    "none",  # 0: nothing drawn (background)
    "concrete",
    "wood",
    "glass",
    "metal",
    "soil",
    "grass",
    "water",
    "paving",
    "brick",
    "foliage",
    "plaster",
    "tile",
    "gravel",
)
MATERIAL_ID: dict[str, int] = {name: i for i, name in enumerate(MATERIALS)}

DEFAULT_MATERIAL: dict[str, str] = {
    "WALL": "concrete",
    "DOOR": "wood",
    "WINDOW": "glass",
    "FLOOR": "tile",
    "PART": "metal",
    "HOLE": "metal",
    "POCKET": "metal",
    "BOSS": "metal",
    "TERRAIN": "grass",
    "TREE": "foliage",
    "PATH": "paving",
    "WATER": "water",
    "BUILDING": "concrete",
}


def material_id(name: str) -> int:
    """Id of a material name (`concrete` -> 1); unknown names raise KeyError."""
    return MATERIAL_ID[name]


def class_material(cls: str, overrides: dict[str, str] | None = None) -> int:
    """Material id of a class, from `overrides` (plan.meta["materials"]) or the defaults."""
    name = (overrides or {}).get(cls) or DEFAULT_MATERIAL.get(cls, "none")
    return MATERIAL_ID.get(name, 0)
