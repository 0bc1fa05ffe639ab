"""The hybrid converter: xy from the vectorised drawing, z from the diffusion model's cloud.

A plan fixes xy exactly (the extrude converter's vectoriser); what it cannot say is how high
things are (sills, lintels, tree crowns, part depths). The diffusion cloud says that: each
element's heights are fitted to the points over it (`fit_plan_heights`, points classed by the
drawing), then lifted exactly (`lift_fitted`). Drawings the vectoriser finds nothing in fall
back to the diffusion converter's meshes (xy and z from the points).
"""

from __future__ import annotations

import time
from pathlib import Path

from ..errors import NoGeometry
from .base import Conversion, Drawing, ProgressFn
from .diffusion import DiffusionConverter


class HybridConverter:
    name = "hybrid"

    def __init__(
        self,
        steps: int = 50,
        device: str = "cpu",
        sampler: str = "ddim",
        num_points: int = 4096,
        preset: str = "default",
        weights: str | Path | None = None,
        guidance_scale: float = 1.0,
        eta: float = 0.0,
        seed: int = 0,
        model=None,
        **_: object,
    ) -> None:
        self.diffusion = DiffusionConverter(
            steps=steps,
            device=device,
            sampler=sampler,
            num_points=num_points,
            preset=preset,
            weights=weights,
            guidance_scale=guidance_scale,
            eta=eta,
            seed=seed,
            model=model,
        )

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
        cloud, steps = self.diffusion.sample_cloud(drawing, domain, progress)
        timings["sample"] = time.perf_counter() - t
        t = time.perf_counter()
        meshes, fitted = None, None
        if plan is not None:
            fitted = fit_plan_heights(plan, cloud, label_source="drawing")
            meshes = lift_fitted(fitted)
        fallback = not meshes
        if fallback:  # no vector geometry: xy and z from the points, as method "diffusion"
            meshes, fitted = meshes_from_points(cloud, plan=None, extent=drawing.extent), None
        timings["fit"] = time.perf_counter() - t
        if not meshes:
            raise NoGeometry(f"no {domain} geometry found in {drawing.source or 'the drawing'}")
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
