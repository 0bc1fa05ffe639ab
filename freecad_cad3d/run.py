"""Run a conversion in this process: the seam between FreeCAD-side code and the engine.

The GUI runs the same call in a worker process (engineer G's `freecad_cad3d.engine`); the macro
API and the `.FCStd` writer call `compute` directly. No FreeCAD import here.
"""

from __future__ import annotations

from cad3d.converters.base import Conversion, Drawing, ProgressFn
from cad3d.converters.registry import METHODS, available_methods, create_converter
from cad3d.errors import UsageError

# best first: what `resolve_method` falls back to when the requested method cannot run here
PREFERENCE = ("hybrid", "diffusion", "vit", "extrude")


def resolve_method(method: str) -> tuple[str, str | None]:
    """(method to run, warning or None): the requested method, or the best available one."""
    if method not in METHODS:
        raise UsageError(f"unknown method {method!r}; choose one of {', '.join(METHODS)}")
    available = available_methods()
    if method in available:
        return method, None
    best = next((m for m in PREFERENCE if m in available), None)
    if best is None:
        raise UsageError("no conversion method is available here")
    return best, f"method {method!r} is not available here; using {best!r}"


def compute(
    drawing: Drawing, method: str, steps: int, progress: ProgressFn | None = None
) -> Conversion:
    """Convert `drawing` with `method` in-process; the Conversion is in meters."""
    conversion = create_converter(method, steps=steps).convert(drawing, progress=progress)
    if conversion.steps is None and method != "extrude":
        conversion.steps = steps
    return conversion
