"""Seed API: `create_diffusion_model(...)` -> a model whose `.diffusion` samples point clouds.

    >>> model = create_diffusion_model(num_points=4096, device="cpu")
    >>> pts = model.diffusion.ddim_sample((1, 4096, 3), {"image": img, "scale": 0.02}, steps=50, eta=0.0)
    >>> pts.shape  # (1, 4096, 3) float32 meters, drawing coordinates

A thin face over `cad3d.models.point_model`.
"""

from __future__ import annotations

import warnings
from pathlib import Path

from .models.config import get_config
from .models.point_model import PointModel, load_point_model, shipped_weights


def create_diffusion_model(
    num_points: int = 4096,
    timesteps: int = 1000,
    device: str = "cpu",
    preset: str = "default",
    weights: str | Path | None = None,
    clip_tower: str | Path | None = None,
    clip_tower_quick_gelu: bool = False,
) -> PointModel:
    """A PointModel on `device` ("cuda" without a GPU falls back to CPU with one warning).

    weights: a .safetensors file written by `PointModel.save`; None loads the shipped weights of
    `preset` when present (offline, never downloaded), else the model is untrained (warned);
    "none" forces an untrained model. The weights' own timesteps win over `timesteps`.
    clip_tower: a user's own CLIP image tower, a local file (cad3d.vision.clip_tower), added to
    the drawing embedding through a zero-initialised projection: loaded weights sample as
    before until fine-tuned with it (`cad3d train --init W --clip-tower F`).
    """
    from .models.device import resolve_device

    dev = resolve_device(device)
    cfg = get_config(preset)
    if clip_tower is not None:
        cfg.use_clip_tower(clip_tower, clip_tower_quick_gelu)
    path = (
        shipped_weights(preset)
        if weights is None
        else (None if str(weights) == "none" else Path(weights))
    )
    if path is not None:
        model = load_point_model(path, dev, grow_to=cfg if clip_tower is not None else None)
        if model.cfg.diffusion.timesteps != timesteps:
            warnings.warn(
                f"weights were trained with {model.cfg.diffusion.timesteps} timesteps; using those",
                RuntimeWarning,
                stacklevel=2,
            )
    else:
        if weights is None:
            warnings.warn(
                f"no trained weights shipped for preset {preset!r}: the model is untrained",
                RuntimeWarning,
                stacklevel=2,
            )
        cfg.diffusion.timesteps = timesteps
        model = PointModel(cfg, dev)
    model.cfg.num_points = num_points
    return model
