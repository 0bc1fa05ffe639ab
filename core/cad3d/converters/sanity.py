"""Is the converted model's size plausible for its domain? Warnings, never errors.

A wrong scale (a scan's DPI guessed, a DXF drawn in mm but tagged m) gives a model that is
geometrically fine but 25x too big; users only notice in the viewer. This looks at the model's
size and, for floor plans, the wall thickness, and says which scale would make it plausible.
"""

from __future__ import annotations

import numpy as np
import shapely

from .base import Conversion, Drawing

# domain -> (smallest, largest) plausible span across in meters, and a typical span
SPAN = {
    "floorplan": (2.0, 80.0, 15.0),
    "part": (0.0005, 2.0, 0.1),
    "landscape": (10.0, 5000.0, 200.0),
}
WALL = (0.04, 1.5, 0.2)  # floor-plan wall thickness: smallest, largest, typical (meters)
NAME = {"floorplan": "floor plan", "part": "part", "landscape": "site plan"}


def _fmt(x: float) -> str:
    return f"{float(f'{x:.2g}'):g}"


def _suggest(drawing: Drawing, factor: float) -> str:
    """How to scale the model by `factor`: a --scale for rasters, a units hint for DXF."""
    if "dxf_origin" in drawing.notes:
        return f"are the DXF's units ($INSUNITS) right? x{_fmt(factor)} would make it plausible"
    return f"did you mean --scale {_fmt(drawing.scale * factor)}?"


def _wall_thickness(conversion: Conversion) -> float | None:
    """Mean wall thickness (meters) as 2 x area / perimeter of the walls' union (thin strips)."""
    plan = conversion.plan
    walls = [s.footprint for s in plan.solids if s.cls == "WALL"] if plan is not None else []
    if not walls:
        return None
    union = shapely.union_all(walls)
    if union.is_empty or union.length <= 0:
        return None
    return 2.0 * union.area / union.length


def _spans(conversion: Conversion) -> tuple[float, float] | None:
    """(longer, shorter) horizontal size of the model in meters; None when there is none."""
    if not conversion.meshes:
        return None
    lo, hi = conversion.meshes.bounds
    size = np.sort(np.asarray(hi[:2] - lo[:2], dtype=np.float64))[::-1]
    return float(size[0]), float(size[1])


def check_plausible(conversion: Conversion, drawing: Drawing) -> list[str]:
    """One-line warnings about an implausible model size; [] when it looks right.

    Floor plan: over ~80 m across, or walls thinner than 4 cm / thicker than 1.5 m. Part: over
    2 m across or under 0.5 mm. Site plan: under 10 m or over 5 km. Each says which scale
    would give a typical size (walls 0.2 m, a part 0.1 m, a site 200 m).
    """
    domain = conversion.domain
    spans = _spans(conversion)
    if domain not in SPAN or spans is None:
        return []
    lo, hi, typical = SPAN[domain]
    big, small = spans
    name = NAME[domain]
    if domain == "floorplan":
        issues, factor = [], None
        if big > hi:  # the span survives a wrong scale better than the vectorised walls do
            issues.append(f"is {big:.3g} m across (expected under {hi:g} m)")
            factor = typical / big
        t = _wall_thickness(conversion)
        if t is not None and not WALL[0] <= t <= WALL[1]:
            issues.append(f"has walls {t:.3g} m thick (expected {WALL[0]:g}-{WALL[1]:g} m)")
            factor = factor or WALL[2] / t
        if not issues:
            return []
        return [f"{name} " + " and ".join(issues) + "; " + _suggest(drawing, factor)]
    if big > hi:
        return [
            f"{name} is {big:.3g} m across (expected under {hi:g} m); "
            + _suggest(drawing, typical / big)
        ]
    size = small if domain == "part" else big
    if size < lo:
        what = "thin" if domain == "part" else "across"
        return [
            f"{name} is {size:.3g} m {what} (expected over {lo:g} m); "
            + _suggest(drawing, typical / big)
        ]
    return []
