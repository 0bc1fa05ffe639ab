"""check_plausible: warns with a usable --scale when a model's size is off for its domain."""

import json
import re
from pathlib import Path

import numpy as np
import pytest
from shapely.geometry import box

from cad3d.api import convert, load
from cad3d.converters.base import Conversion, Drawing
from cad3d.converters.sanity import check_plausible
from cad3d.geometry.lift import lift_plan
from cad3d.plan import Plan, Solid

EXAMPLES = Path(__file__).resolve().parents[3] / "examples"


def _scale(domain: str) -> float:
    return json.loads((EXAMPLES / f"{domain}.json").read_text())["scale"]


def _suggested(msg: str) -> float:
    return float(re.search(r"--scale ([0-9.e+-]+)\?", msg).group(1))


@pytest.mark.parametrize(
    "domain, factor", [("floorplan", 25.0), ("part", 40.0), ("landscape", 0.02)]
)
def test_examples_plausible_at_their_scale_and_warned_when_off(domain, factor):
    true = _scale(domain)
    assert (
        check_plausible(
            convert(EXAMPLES / f"{domain}.png", kind=domain), load(EXAMPLES / f"{domain}.png")
        )
        == []
    )
    drawing = load(EXAMPLES / f"{domain}.png", scale=true * factor, kind=domain)
    warnings = check_plausible(convert(drawing), drawing)
    assert len(warnings) == 1
    # the suggestion is near the drawing's true scale, and converting at it gives no warning
    suggested = _suggested(warnings[0])
    assert 0.3 < suggested / true < 3.0, warnings
    drawing = load(EXAMPLES / f"{domain}.png", scale=suggested, kind=domain)
    assert check_plausible(convert(drawing), drawing) == []


def _walls(t: float, length: float) -> Conversion:
    walls = [box(0, 0, length, t), box(0, 0, t, length / 2), box(length - t, 0, length, length / 2)]
    plan = Plan(
        "floorplan", (length, length / 2), solids=[Solid("WALL", w, 0.0, 3.0) for w in walls]
    )
    return Conversion(lift_plan(plan), "floorplan", "extrude", plan=plan)


def test_floorplan_wall_thickness_rules():
    d = Drawing(np.zeros((10, 10), np.uint8), scale=0.01)
    assert check_plausible(_walls(0.2, 12.0), d) == []
    thin = check_plausible(_walls(0.01, 12.0), d)
    assert (
        len(thin) == 1
        and "walls 0.01 m thick" in thin[0]
        and _suggested(thin[0]) == pytest.approx(0.2, rel=0.1)
    )
    thick = check_plausible(_walls(3.0, 120.0), d)
    assert len(thick) == 1 and "thick" in thick[0] and _suggested(thick[0]) < 0.01
    big = check_plausible(_walls(0.3, 120.0), d)  # plausible walls, 120 m across
    assert len(big) == 1 and "120 m across" in big[0]


def test_dxf_gets_a_units_hint_and_empty_models_no_warning():
    d = Drawing(np.zeros((10, 10), np.uint8), scale=0.01, notes={"dxf_origin": (0.0, 0.0)})
    (msg,) = check_plausible(_walls(0.0002, 0.012), d)  # a plan drawn in mm read as m... x1000
    assert "$INSUNITS" in msg and "x1000" in msg
    empty = Conversion(lift_plan(Plan("part", (1.0, 1.0))), "part", "extrude")
    assert check_plausible(empty, d) == []
