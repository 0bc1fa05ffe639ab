"""The Gaussian diffusion process: forward noising, training losses, and the samplers' maths.

It knows nothing about networks: a model is any callable `model(x_t, t, cond) -> output` with
`x_t` of any shape `(B, ...)`, `t` a `(B,)` int64 tensor of timesteps, and `cond` passed through
untouched. The output means epsilon, v or x0 according to `model_mean_type`.
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from typing import Any

import numpy as np
import torch

ModelFn = Callable[[torch.Tensor, torch.Tensor, Any], torch.Tensor]


class ModelMeanType(enum.Enum):
    EPSILON = "epsilon"  # the noise added
    V = "v"  # v = sqrt(ab) * eps - sqrt(1 - ab) * x0 (Salimans & Ho)
    X0 = "x0"  # the clean sample


def extract(arr: np.ndarray, t: torch.Tensor, like: torch.Tensor) -> torch.Tensor:
    """arr[t] as a tensor shaped (B, 1, ..., 1) to broadcast against `like`."""
    out = torch.as_tensor(arr, device=t.device)[t].to(like.dtype)
    return out.reshape(-1, *([1] * (like.ndim - 1)))


def guided(
    model: ModelFn, cond: Any, guidance_scale: float = 1.0, null_cond: Any = None
) -> Callable[[torch.Tensor, torch.Tensor], torch.Tensor]:
    """`fn(x, t)` calling `model`, with classifier-free guidance when `guidance_scale != 1`:
    out = uncond + scale * (cond - uncond), uncond computed with `null_cond`."""
    if guidance_scale == 1.0 or null_cond is None:
        return lambda x, t: model(x, t, cond)

    def fn(x: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
        out_c = model(x, t, cond)
        out_u = model(x, t, null_cond)
        return out_u + guidance_scale * (out_c - out_u)

    return fn


class GaussianDiffusion:
    """Schedules and maths of one diffusion process (T steps, fixed small posterior variance).

    betas: (T,) float64. All per-step constants are float64 numpy; tensors keep their dtype.
    """

    def __init__(self, betas: np.ndarray, model_mean_type: ModelMeanType = ModelMeanType.EPSILON):
        betas = np.asarray(betas, dtype=np.float64)
        assert betas.ndim == 1 and (betas > 0).all() and (betas <= 1).all()
        self.betas = betas
        self.model_mean_type = ModelMeanType(model_mean_type)
        self.num_timesteps = len(betas)
        alphas = 1.0 - betas
        self.alphas_cumprod = np.cumprod(alphas)
        self.alphas_cumprod_prev = np.append(1.0, self.alphas_cumprod[:-1])
        self.sqrt_alphas_cumprod = np.sqrt(self.alphas_cumprod)
        self.sqrt_one_minus_alphas_cumprod = np.sqrt(1.0 - self.alphas_cumprod)
        self.posterior_variance = (
            betas * (1.0 - self.alphas_cumprod_prev) / (1.0 - self.alphas_cumprod)
        )
        # log of the variance, clipped: the variance is 0 at t = 0
        self.posterior_log_variance_clipped = np.log(
            np.append(self.posterior_variance[1], self.posterior_variance[1:])
        )
        self.posterior_mean_coef1 = (
            betas * np.sqrt(self.alphas_cumprod_prev) / (1.0 - self.alphas_cumprod)
        )
        self.posterior_mean_coef2 = (
            (1.0 - self.alphas_cumprod_prev) * np.sqrt(alphas) / (1.0 - self.alphas_cumprod)
        )

    # forward process ---------------------------------------------------------------------------
    def q_sample(
        self, x_start: torch.Tensor, t: torch.Tensor, noise: torch.Tensor | None = None
    ) -> torch.Tensor:
        """x_t ~ q(x_t | x_0) = N(sqrt(ab_t) x_0, (1 - ab_t) I). x_start: (B, ...); t: (B,)."""
        if noise is None:
            noise = torch.randn_like(x_start)
        return (
            extract(self.sqrt_alphas_cumprod, t, x_start) * x_start
            + extract(self.sqrt_one_minus_alphas_cumprod, t, x_start) * noise
        )

    def q_posterior_mean_variance(
        self, x_start: torch.Tensor, x_t: torch.Tensor, t: torch.Tensor
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """Mean and log-variance of q(x_{t-1} | x_t, x_0)."""
        mean = (
            extract(self.posterior_mean_coef1, t, x_t) * x_start
            + extract(self.posterior_mean_coef2, t, x_t) * x_t
        )
        return mean, extract(self.posterior_log_variance_clipped, t, x_t)

    # converting model outputs ------------------------------------------------------------------
    def split_output(
        self, x_t: torch.Tensor, t: torch.Tensor, out: torch.Tensor
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """(eps, x0) implied by a model output of this process's mean type."""
        a = extract(self.sqrt_alphas_cumprod, t, x_t)
        s = extract(self.sqrt_one_minus_alphas_cumprod, t, x_t)
        if self.model_mean_type is ModelMeanType.EPSILON:
            eps = out
            x0 = (x_t - s * eps) / a
        elif self.model_mean_type is ModelMeanType.V:
            x0 = a * x_t - s * out
            eps = s * x_t + a * out
        else:
            x0 = out
            eps = (x_t - a * x0) / s
        return eps, x0

    def target(self, x_start: torch.Tensor, t: torch.Tensor, noise: torch.Tensor) -> torch.Tensor:
        """What the model should output for (x_start, t, noise)."""
        if self.model_mean_type is ModelMeanType.EPSILON:
            return noise
        if self.model_mean_type is ModelMeanType.X0:
            return x_start
        a = extract(self.sqrt_alphas_cumprod, t, x_start)
        s = extract(self.sqrt_one_minus_alphas_cumprod, t, x_start)
        return a * noise - s * x_start

    # training ----------------------------------------------------------------------------------
    def training_losses(
        self,
        model: ModelFn,
        x_start: torch.Tensor,
        t: torch.Tensor,
        cond: Any = None,
        noise: torch.Tensor | None = None,
    ) -> dict[str, torch.Tensor]:
        """Per-sample losses: {"loss": (B,), "mse": (B,), "x0": predicted x0 (B, ...)}.

        The loss is the MSE between the model output and its target (eps, v or x0)."""
        if noise is None:
            noise = torch.randn_like(x_start)
        x_t = self.q_sample(x_start, t, noise)
        out = model(x_t, t, cond)
        assert out.shape == x_start.shape, (out.shape, x_start.shape)
        mse = ((out - self.target(x_start, t, noise)) ** 2).flatten(1).mean(1)
        _, x0 = self.split_output(x_t, t, out)
        return {"loss": mse, "mse": mse, "x0": x0}

    # sampling (each step is a function in samplers.py) -----------------------------------------
    def p_sample_loop(self, model: ModelFn, shape: tuple[int, ...], cond: Any = None, **kw):
        """Ancestral DDPM over all T steps; see `samplers.ddpm_sample` for the options."""
        from .samplers import ddpm_sample

        return ddpm_sample(self, model, shape, cond, **kw)

    def ddim_sample(
        self,
        model: ModelFn,
        shape: tuple[int, ...],
        cond: Any = None,
        steps: int = 50,
        eta: float = 0.0,
        **kw,
    ):
        """DDIM with `steps` (trailing spacing) and `eta` (0 deterministic, 1 DDPM-like)."""
        from .samplers import ddim_sample

        return ddim_sample(self, model, shape, cond, steps=steps, eta=eta, **kw)

    def dpm_solver_sample(
        self, model: ModelFn, shape: tuple[int, ...], cond: Any = None, steps: int = 20, **kw
    ):
        """DPM-Solver++(2M), data prediction: good samples in 10-20 model calls."""
        from .samplers import dpm_solver_sample

        return dpm_solver_sample(self, model, shape, cond, steps=steps, **kw)
