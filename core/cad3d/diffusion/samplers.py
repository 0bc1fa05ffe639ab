"""Samplers: DDPM ancestral, DDIM (eta), DPM-Solver++(2M). Each step is its own function.

Shape-agnostic: `shape` is `(B, ...)`, e.g. `(B, N, 3)` points. Every loop takes
`noise` (the start x_T) or a torch `generator`, `progress` (a tqdm bar), `callback(i, x, x0)`
after each step (the live preview), classifier-free guidance (`guidance_scale`, `null_cond`)
and `clip_x0` (clamp predicted x0 to [-c, c]; None = off).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np
import torch

from .process import GaussianDiffusion, ModelFn, extract, guided
from .schedules import spaced_timesteps

Callback = Callable[[int, torch.Tensor, torch.Tensor], None]
StepFn = Callable[[torch.Tensor, torch.Tensor], torch.Tensor]


def _start(shape, noise, generator, device) -> torch.Tensor:
    if noise is not None:
        return noise.to(device) if device is not None else noise
    return torch.randn(*shape, generator=generator, device=device or "cpu")


def _tvec(t: int, x: torch.Tensor) -> torch.Tensor:
    return torch.full((x.shape[0],), int(t), dtype=torch.long, device=x.device)


def _predict(
    diffusion: GaussianDiffusion, fn: StepFn, x: torch.Tensor, t: int, clip_x0: float | None
) -> tuple[torch.Tensor, torch.Tensor]:
    """(eps, x0) at integer timestep t; eps recomputed from clipped x0 when clipping."""
    tv = _tvec(t, x)
    eps, x0 = diffusion.split_output(x, tv, fn(x, tv))
    if clip_x0 is not None:
        x0 = x0.clamp(-clip_x0, clip_x0)
        a = extract(diffusion.sqrt_alphas_cumprod, tv, x)
        s = extract(diffusion.sqrt_one_minus_alphas_cumprod, tv, x)
        eps = (x - a * x0) / s
    return eps, x0


def _bar(iterable, progress: bool, desc: str):
    if not progress:
        return iterable
    from tqdm.auto import tqdm

    return tqdm(iterable, desc=desc, leave=False)


# DDPM --------------------------------------------------------------------------------------------
def ddpm_step(
    diffusion: GaussianDiffusion,
    fn: StepFn,
    x: torch.Tensor,
    t: int,
    generator: torch.Generator | None = None,
    clip_x0: float | None = None,
) -> tuple[torch.Tensor, torch.Tensor]:
    """One ancestral step x_t -> x_{t-1} ~ p(x_{t-1} | x_t); no noise at t = 0. Returns (x, x0)."""
    _, x0 = _predict(diffusion, fn, x, t, clip_x0)
    mean, log_var = diffusion.q_posterior_mean_variance(x0, x, _tvec(t, x))
    if t == 0:
        return mean, x0
    z = torch.randn(x.shape, generator=generator, device=x.device, dtype=x.dtype)
    return mean + torch.exp(0.5 * log_var) * z, x0


def ddpm_sample(
    diffusion: GaussianDiffusion,
    model: ModelFn,
    shape: tuple[int, ...],
    cond: Any = None,
    *,
    noise: torch.Tensor | None = None,
    generator: torch.Generator | None = None,
    device: torch.device | str | None = None,
    progress: bool = False,
    callback: Callback | None = None,
    guidance_scale: float = 1.0,
    null_cond: Any = None,
    clip_x0: float | None = None,
) -> torch.Tensor:
    """Full ancestral sampling over all T steps: T model calls."""
    fn = guided(model, cond, guidance_scale, null_cond)
    x = _start(shape, noise, generator, device)
    for i, t in enumerate(_bar(range(diffusion.num_timesteps - 1, -1, -1), progress, "DDPM")):
        x, x0 = ddpm_step(diffusion, fn, x, t, generator, clip_x0)
        if callback is not None:
            callback(i, x, x0)
    return x


# DDIM --------------------------------------------------------------------------------------------
def ddim_step(
    diffusion: GaussianDiffusion,
    fn: StepFn,
    x: torch.Tensor,
    t: int,
    t_prev: int,
    eta: float = 0.0,
    generator: torch.Generator | None = None,
    clip_x0: float | None = None,
) -> tuple[torch.Tensor, torch.Tensor]:
    """DDIM x_t -> x_{t_prev} (t_prev = -1 means the clean sample). Returns (x, x0)."""
    eps, x0 = _predict(diffusion, fn, x, t, clip_x0)
    ab = float(diffusion.alphas_cumprod[t])
    ab_prev = float(diffusion.alphas_cumprod[t_prev]) if t_prev >= 0 else 1.0
    sigma = eta * math.sqrt((1 - ab_prev) / (1 - ab) * (1 - ab / ab_prev))
    x_prev = math.sqrt(ab_prev) * x0 + math.sqrt(max(1 - ab_prev - sigma**2, 0.0)) * eps
    if sigma > 0:
        z = torch.randn(x.shape, generator=generator, device=x.device, dtype=x.dtype)
        x_prev = x_prev + sigma * z
    return x_prev, x0


def ddim_sample(
    diffusion: GaussianDiffusion,
    model: ModelFn,
    shape: tuple[int, ...],
    cond: Any = None,
    *,
    steps: int = 50,
    eta: float = 0.0,
    noise: torch.Tensor | None = None,
    generator: torch.Generator | None = None,
    device: torch.device | str | None = None,
    progress: bool = False,
    callback: Callback | None = None,
    guidance_scale: float = 1.0,
    null_cond: Any = None,
    clip_x0: float | None = None,
) -> torch.Tensor:
    """DDIM with `steps` model calls at trailing-spaced timesteps, ending on the clean sample."""
    fn = guided(model, cond, guidance_scale, null_cond)
    ts = spaced_timesteps(diffusion.num_timesteps, steps)
    prev = np.append(ts[1:], -1)
    x = _start(shape, noise, generator, device)
    for i in _bar(range(len(ts)), progress, f"DDIM-{steps}"):
        x, x0 = ddim_step(diffusion, fn, x, int(ts[i]), int(prev[i]), eta, generator, clip_x0)
        if callback is not None:
            callback(i, x, x0)
    return x


# DPM-Solver++(2M) --------------------------------------------------------------------------------
def _alpha_sigma_lambda(diffusion: GaussianDiffusion, t: int) -> tuple[float, float, float]:
    """alpha_t, sigma_t, lambda_t = log(alpha/sigma); t = -1 is the clean end (lambda = inf)."""
    if t < 0:
        return 1.0, 0.0, math.inf
    ab = float(diffusion.alphas_cumprod[t])
    a, s = math.sqrt(ab), math.sqrt(1 - ab)
    return a, s, math.log(a) - math.log(s)


def dpm_solver_step(
    diffusion: GaussianDiffusion,
    x: torch.Tensor,
    x0: torch.Tensor,
    x0_prev: torch.Tensor | None,
    t: int,
    t_next: int,
    h_prev: float | None,
) -> tuple[torch.Tensor, float]:
    """One DPM-Solver++ multistep update x_t -> x_{t_next} from the data predictions x0 (at t)
    and x0_prev (at the previous step; None = first order). Returns (x_next, h)."""
    _, s_t, lam_t = _alpha_sigma_lambda(diffusion, t)
    a_n, s_n, lam_n = _alpha_sigma_lambda(diffusion, t_next)
    if t_next < 0:  # to the clean end: the update is the data prediction itself
        return x0, math.inf
    h = lam_n - lam_t
    d = x0
    if x0_prev is not None and h_prev is not None and math.isfinite(h_prev):
        r = h_prev / h
        d = (1 + 1 / (2 * r)) * x0 - (1 / (2 * r)) * x0_prev
    return (s_n / s_t) * x - a_n * math.expm1(-h) * d, h


def dpm_solver_sample(
    diffusion: GaussianDiffusion,
    model: ModelFn,
    shape: tuple[int, ...],
    cond: Any = None,
    *,
    steps: int = 20,
    noise: torch.Tensor | None = None,
    generator: torch.Generator | None = None,
    device: torch.device | str | None = None,
    progress: bool = False,
    callback: Callback | None = None,
    guidance_scale: float = 1.0,
    null_cond: Any = None,
    clip_x0: float | None = None,
) -> torch.Tensor:
    """DPM-Solver++(2M) (Lu et al. 2022): `steps` model calls, second order after the first,
    the last step first order onto the clean sample."""
    fn = guided(model, cond, guidance_scale, null_cond)
    ts = spaced_timesteps(diffusion.num_timesteps, steps)
    nxt = np.append(ts[1:], -1)
    x = _start(shape, noise, generator, device)
    x0_prev, h_prev = None, None
    for i in _bar(range(len(ts)), progress, f"DPM++2M-{steps}"):
        _, x0 = _predict(diffusion, fn, x, int(ts[i]), clip_x0)
        order2 = x0_prev if (i > 0 and nxt[i] >= 0) else None
        x, h = dpm_solver_step(diffusion, x, x0, order2, int(ts[i]), int(nxt[i]), h_prev)
        x0_prev, h_prev = x0, h
        if callback is not None:
            callback(i, x, x0)
    return x
