"""The diffusion converter: sample a point cloud of the drawing's 3D surfaces.

Points only for now: the Conversion carries `points` (class POINTS) and an empty MeshSet;
meshing the points per class is issue 9 item 7 (later).
"""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np

from ..classes import class_id
from ..geometry.meshset import MeshSet, PointCloud
from .base import Conversion, Drawing, ProgressFn


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

    def convert(self, drawing: Drawing, progress: ProgressFn | None = None) -> Conversion:
        timings: dict[str, float] = {}
        t = time.perf_counter()
        model = self.model
        timings["load"] = time.perf_counter() - t
        domain = self._domain(drawing)
        cond = {"image": drawing.image, "scale": drawing.scale, "domain": domain}
        steps = model.process.num_timesteps if self.sampler == "ddpm" else self.steps
        cb = None
        if progress is not None:
            cb = lambda i, x, x0: progress((i + 1) / steps, f"denoising {i + 1}/{steps}")  # noqa: E731
        t = time.perf_counter()
        pts = model.sample(
            (1, self.num_points, 3),
            cond,
            sampler=self.sampler,
            steps=self.steps,
            eta=self.eta,
            guidance_scale=self.guidance_scale,
            seed=self.seed,
            callback=cb,
        )[0].numpy()
        timings["sample"] = time.perf_counter() - t
        labels = np.full(len(pts), class_id("POINTS"), np.int32)
        return Conversion(
            meshes=MeshSet(),
            domain=domain,
            method=self.name,
            steps=steps,
            points=PointCloud(points=pts.astype(np.float32), labels=labels),
            timings=timings,
        )
