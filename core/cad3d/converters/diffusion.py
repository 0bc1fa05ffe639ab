"""The diffusion converter: sample a point cloud of the drawing's 3D surfaces.

Method "diffusion" (DESIGN.md): xy and z both come from the sampled points. Each point is
classed by the encoder's dense semantic head read under it (`PointModel.label_points`), and
`geometry.from_points.meshes_from_points` turns the labelled cloud into per-class meshes over
the drawing's extent. The Conversion keeps the cloud in `points`. With a progress callable
that has a `points` attribute (the FreeCAD worker's Reporter), the current x0 prediction is
streamed to the preview every PREVIEW_EVERY steps.
"""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np

from ..geometry.meshset import PointCloud
from .base import Conversion, Drawing, ProgressFn

PREVIEW_EVERY = 5  # denoising steps between preview clouds (the worker rate-limits too)


class DiffusionConverter:
    name = "diffusion"

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
        self.steps, self.device, self.sampler = steps, device, sampler
        self.num_points, self.preset, self.weights = num_points, preset, weights
        self.guidance_scale, self.eta, self.seed = guidance_scale, eta, seed
        self._model = model

    @property
    def model(self):
        """The PointModel, loaded on first use (torch is imported only then)."""
        if self._model is None:
            from ..diffusion_3d_model import create_diffusion_model

            self._model = create_diffusion_model(
                self.num_points, device=self.device, preset=self.preset, weights=self.weights
            )
        return self._model

    def _domain(self, drawing: Drawing) -> str:
        if drawing.kind:
            return drawing.kind
        try:
            from .kind import detect_kind
        except ImportError:
            return "floorplan"
        return detect_kind(drawing.image, drawing.scale)

    def _callback(self, progress: ProgressFn | None, steps: int):
        """The sampler callback: progress ticks and, when the reporter takes them, x0 clouds."""
        if progress is None:
            return None
        preview = getattr(progress, "points", None)

        def cb(i: int, x, x0) -> None:
            progress((i + 1) / steps * 0.9, f"denoising {i + 1}/{steps}")
            if callable(preview) and (i % PREVIEW_EVERY == 0 or i + 1 == steps):
                preview(x0[0].numpy().astype(np.float32), None)

        return cb

    @staticmethod
    def condition(drawing: Drawing, domain: str) -> dict:
        """What the model is conditioned on: the drawing, its scale and domain, and the base
        elevation for domains whose z is relative (`notes["z_base"]`, see models.config)."""
        return {
            "image": drawing.image,
            "scale": drawing.scale,
            "domain": domain,
            "z_base": float(drawing.notes.get("z_base", 0.0)),
        }

    def sample_cloud(
        self, drawing: Drawing, domain: str, progress: ProgressFn | None = None
    ) -> tuple[PointCloud, int]:
        """The labelled cloud (N points, meters, class ids) and the number of model calls."""
        model = self.model
        cond = self.condition(drawing, domain)
        steps = model.process.num_timesteps if self.sampler == "ddpm" else self.steps
        pts, labels = model.sample(
            (1, self.num_points, 3),
            cond,
            sampler=self.sampler,
            steps=self.steps,
            eta=self.eta,
            guidance_scale=self.guidance_scale,
            seed=self.seed,
            callback=self._callback(progress, steps),
            with_labels=True,
        )
        cloud = PointCloud(
            points=pts[0].numpy().astype(np.float32), labels=labels[0].numpy().astype(np.int32)
        )
        return cloud, steps

    def convert(self, drawing: Drawing, progress: ProgressFn | None = None) -> Conversion:
        from ..geometry.from_points import meshes_from_points

        timings: dict[str, float] = {}
        t = time.perf_counter()
        _ = self.model
        timings["load"] = time.perf_counter() - t
        domain = self._domain(drawing)
        t = time.perf_counter()
        cloud, steps = self.sample_cloud(drawing, domain, progress)
        timings["sample"] = time.perf_counter() - t
        t = time.perf_counter()
        meshes = meshes_from_points(cloud, plan=None, extent=drawing.extent)
        timings["mesh"] = time.perf_counter() - t
        if progress is not None:
            progress(1.0, "done")
        return Conversion(
            meshes=meshes,
            domain=domain,
            method=self.name,
            steps=steps,
            points=cloud,
            timings=timings,
        )
