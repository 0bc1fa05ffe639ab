"""Small shapes that several test files build their cases from (on pytest's pythonpath)."""

import numpy as np
import trimesh
from shapely.geometry import Point, box

from cad3d.plan import Cut, Plan, Solid


def box_mesh(lo, hi) -> trimesh.Trimesh:
    """An axis-aligned box mesh from corner lo (3,) to corner hi (3,), meters."""
    b = trimesh.creation.box(np.subtract(hi, lo))
    b.apply_translation(np.add(lo, hi) / 2)
    return b


def part_plate() -> Plan:
    """A 10 mm plate (100 x 60 mm) with a 10 mm hole, a 5 mm deep pocket and a boss on top."""
    return Plan(
        "part",
        (0.15, 0.1),
        solids=[
            Solid("PART", box(0.02, 0.02, 0.12, 0.08), 0.0, 0.01),
            Solid("BOSS", Point(0.1, 0.05).buffer(0.008, 64), 0.01, 0.02),
        ],
        cuts=[
            Cut("HOLE", Point(0.04, 0.05).buffer(0.005, 64), 0.0, 0.01, "PART"),
            Cut("POCKET", box(0.06, 0.03, 0.08, 0.07), 0.005, 0.01, "PART"),
        ],
    )
