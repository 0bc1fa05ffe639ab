"""Noise schedules: plain functions returning betas (improved-diffusion's `get_named_beta_schedule`).

Betas are float64 numpy arrays of length T; the process turns them into alpha_bar etc.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np


def betas_for_alpha_bar(
    num_timesteps: int, alpha_bar: Callable[[float], float], max_beta: float = 0.999
) -> np.ndarray:
    """Betas whose cumulative product follows `alpha_bar(t)`, t in [0, 1]; clipped at max_beta
    so the last step never divides by zero."""
    betas = []
    for i in range(num_timesteps):
        t1, t2 = i / num_timesteps, (i + 1) / num_timesteps
        betas.append(min(1.0 - alpha_bar(t2) / alpha_bar(t1), max_beta))
    return np.array(betas, dtype=np.float64)


def cosine_alpha_bar(t: float, s: float = 0.008) -> float:
    """Nichol & Dhariwal's cosine alpha_bar(t) (unnormalised; the ratio cancels the constant)."""
    return math.cos((t + s) / (1 + s) * math.pi / 2) ** 2


def get_named_beta_schedule(name: str, num_timesteps: int) -> np.ndarray:
    """(T,) float64 betas for "linear" (DDPM's 1e-4..0.02, rescaled to T) or "cosine"."""
    if name == "linear":
        scale = 1000 / num_timesteps
        return np.linspace(scale * 1e-4, scale * 0.02, num_timesteps, dtype=np.float64)
    if name == "cosine":
        return betas_for_alpha_bar(num_timesteps, cosine_alpha_bar)
    raise ValueError(f"unknown beta schedule {name!r}; use 'linear' or 'cosine'")


def spaced_timesteps(num_timesteps: int, steps: int) -> np.ndarray:
    """(steps,) int64 timesteps, descending, "trailing" spacing: starts at T-1 so few-step
    samplers begin from pure noise (diffusers' default "leading" does not)."""
    if not 1 <= steps <= num_timesteps:
        raise ValueError(f"steps must be in [1, {num_timesteps}], got {steps}")
    ts = np.round(np.arange(num_timesteps, 0, -num_timesteps / steps)).astype(np.int64) - 1
    return ts[:steps]
