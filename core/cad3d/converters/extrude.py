"""The geometric baseline: vectorise the drawing, lift it with the default heights.

xy come from the vectorised drawing, z from DESIGN.md's defaults. Exact on clean drawings.
"""

from __future__ import annotations

import time

from ..errors import NoGeometry
from ..geometry.lift import lift_plan
from ..geometry.vectorize import vectorize
from .base import Conversion, Drawing, ProgressFn
from .kind import detect_kind


class ExtrudeConverter:
    name = "extrude"

    def __init__(self, **_: object) -> None:
        pass

    def convert(self, drawing: Drawing, progress: ProgressFn | None = None) -> Conversion:
        timings: dict[str, float] = {}
        t = time.perf_counter()
        domain = drawing.kind or detect_kind(drawing.image, drawing.scale)
        plan = drawing.vectors or vectorize(drawing.image, drawing.scale, domain, drawing.notes)
        timings["vectorize"] = time.perf_counter() - t
        if progress:
            progress(0.5, "vectorised")
        t = time.perf_counter()
        meshes = lift_plan(plan)
        timings["lift"] = time.perf_counter() - t
        if not meshes:
            raise NoGeometry(f"no {domain} geometry found in {drawing.source or 'the drawing'}")
        if progress:
            progress(1.0, "done")
        return Conversion(
            meshes=meshes, domain=domain, method=self.name, plan=plan, timings=timings
        )
