"""The hybrid converter: xy from the vectorised drawing, z from the diffusion model's cloud.

A plan fixes xy exactly (the extrude converter's vectoriser); what it cannot say is how high
things are (sills, lintels, pocket depths, buildings). The diffusion cloud says that: each
element's heights are fitted to the points over it (`fit_plan_heights`, points classed by the
drawing), then lifted exactly (`lift_fitted`), except where the cloud measured worse than
the drawing's own or default value (KEEP_TOP, KEEP_TREES). Drawings the vectoriser finds
nothing in fall back to the diffusion converter's meshes (xy and z from the points).
"""

from __future__ import annotations

import dataclasses
import time

import numpy as np

from ..errors import NoGeometry
from .base import Conversion, Drawing, ProgressFn
from .diffusion import DiffusionConverter

# solids whose top the learned cloud does not move: a part's thickness stays the plan's (its
# note, else DESIGN.md's default). Measured (cad3d eval --method hybrid --domain part --n 5):
# refitting it lowered F from 0.986 / 0.983 (clean / scanned) to 0.70 / 0.83, and refitting
# only where the cloud said 25 % more or less still to 0.91 / 0.83: the cloud misjudges whole
# plates (its part heights are right to 0.5 mm for half its points). Pocket floors are fitted.
KEEP_TOP = ("PART",)
# trees keep the plan's heights (DESIGN.md: from the crown's diameter): fitting crown spheres to
# the cloud lowered site F from 0.346 / 0.081 to 0.285 / 0.062 (clean / scanned, cad3d eval
# --method hybrid --domain landscape --n 5); the cloud still gives the ground between contours
KEEP_TREES = True


class HybridConverter:
    name = "hybrid"

    def __init__(self, **opts: object) -> None:
        """Options as `DiffusionConverter` (steps, device, sampler, num_points, weights, ...)."""
        self.diffusion = DiffusionConverter(**opts)

    @property
    def steps(self) -> int:
        return self.diffusion.steps

    @steps.setter
    def steps(self, value: int) -> None:
        self.diffusion.steps = value

    def _vectorize(self, drawing: Drawing, domain: str):
        """The drawing's Plan, or None when the vectoriser finds no geometry."""
        if drawing.vectors is not None:
            return drawing.vectors
        from ..geometry.vectorize import vectorize

        try:
            plan = vectorize(drawing.image, drawing.scale, domain, drawing.notes)
        except NoGeometry:
            return None
        return plan

    @staticmethod
    def _with_ground_base(drawing: Drawing, domain: str, plan) -> Drawing:
        """For domains whose model z is relative (models.config.Z_RELATIVE: sites), give the
        model the lowest ground elevation of the vectorised terrain as `notes["z_base"]`:
        sites sit hundreds of meters up, a datum the points cannot learn from linework."""
        from ..geometry.terrain import _grid, ground_function, has_terrain
        from ..models.config import Z_RELATIVE

        if domain not in Z_RELATIVE or "z_base" in drawing.notes or plan is None:
            return drawing
        if not has_terrain(plan):
            return drawing
        xs, ys, _ = _grid(plan)
        gx, gy = np.meshgrid(xs, ys)
        base = float(np.min(ground_function(plan)(gx, gy)))
        return dataclasses.replace(drawing, notes={**drawing.notes, "z_base": base})

    @staticmethod
    def _keep_contours(plan, fitted) -> None:
        """Drop a fitted ground grid that leaves the drawing's contour lines (in place).

        Contours are the drawing's own statement of the ground's elevation; the cloud may only
        refine the ground between them. A fit whose median miss along the contours exceeds half
        the contour interval is the model's error, not the site's: the contour ground is kept."""
        from ..geometry.from_points import fitted_ground

        fn = fitted_ground(fitted) if plan.contours else None
        if fn is None:
            return
        levels = np.unique([c.elevation for c in plan.contours])
        interval = float(np.diff(levels).min()) if len(levels) > 1 else 1.0
        pts = np.concatenate(
            [
                np.asarray(c.line.interpolate(np.linspace(0, 1, 16), normalized=True))
                for c in plan.contours
            ]
        )
        xy = np.array([[p.x, p.y] for p in pts])
        z = np.concatenate([np.full(16, c.elevation) for c in plan.contours])
        miss = float(np.median(np.abs(fn(xy[:, 0], xy[:, 1]) - z)))
        if miss > interval / 2:
            fitted.meta.pop("ground_grid", None)
            fitted.meta["ground_fit_rejected"] = miss

    def convert(self, drawing: Drawing, progress: ProgressFn | None = None) -> Conversion:
        from ..geometry.from_points import (
            fit_plan_heights,
            lift_fitted,
            meshes_from_points,
        )

        timings: dict[str, float] = {}
        domain = self.diffusion._domain(drawing)
        t = time.perf_counter()
        plan = self._vectorize(drawing, domain)
        timings["vectorize"] = time.perf_counter() - t
        if progress is not None:
            progress(0.05, "vectorised" if plan is not None else "no vector geometry")
        t = time.perf_counter()
        _ = self.diffusion.model
        timings["load"] = time.perf_counter() - t
        t = time.perf_counter()
        model_drawing = self._with_ground_base(drawing, domain, plan)
        cloud, steps = self.diffusion.sample_cloud(model_drawing, domain, progress)
        timings["sample"] = time.perf_counter() - t
        t = time.perf_counter()
        meshes, fitted = None, None
        if plan is not None:
            fitted = fit_plan_heights(
                plan, cloud, label_source="drawing", keep_tops=KEEP_TOP, keep_trees=KEEP_TREES
            )
            self._keep_contours(plan, fitted)
            meshes = lift_fitted(fitted)
        fallback = not meshes
        if fallback:  # no vector geometry: xy and z from the points, as method "diffusion"
            meshes, fitted = meshes_from_points(cloud, plan=None, extent=drawing.extent), None
        timings["fit"] = time.perf_counter() - t
        if progress is not None:
            progress(1.0, "done (diffusion fallback)" if fallback else "done")
        return Conversion(
            meshes=meshes,
            domain=domain,
            method=self.name,
            plan=fitted,
            steps=steps,
            points=cloud,
            timings=timings,
        )
