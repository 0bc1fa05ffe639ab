"""The point denoiser: a small PointNet++-style U-Net over points, conditioned on the drawing.

    x (B, N, 3) noisy normalised points, t (B,) timesteps, cond (fusion.Condition)
      -> per point: Fourier(x) + feature map and raw-ink patch sampled at (x, y)  -> width W
      -> residual MLP blocks (FiLM from timestep + drawing embedding)
      -> set abstraction: the first M points are the centres (points come in random order, so
         this is random subsampling, and deterministic), k nearest points grouped and max-pooled
      -> self-attention among the M centres (AdaLN): the only place points talk globally
      -> feature propagation: 3-NN interpolation back to all N points
      -> residual MLP blocks -> epsilon or v (B, N, 3)
One (B, M, N) distance matrix serves both grouping and interpolation; cost is O(N * M).
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn

from .config import DenoiserConfig
from .fusion import Condition, patch_offsets, sample_map, sample_patch
from .pointnet import SetAbstraction, square_distances, three_nn_interpolate


def timestep_embedding(t: torch.Tensor, dim: int, max_period: float = 10000.0) -> torch.Tensor:
    """t: (B,) -> (B, dim) sinusoidal embedding."""
    half = dim // 2
    freqs = torch.exp(-math.log(max_period) * torch.arange(half, device=t.device) / half)
    args = t.float()[:, None] * freqs[None]
    return torch.cat([torch.cos(args), torch.sin(args)], -1)


def fourier(x: torch.Tensor, bands: int) -> torch.Tensor:
    """x: (B, N, 3) -> (B, N, 3 + 6 * bands): x and sin/cos at 2^k pi."""
    f = (2.0 ** torch.arange(bands, device=x.device, dtype=x.dtype)) * math.pi
    a = (x.unsqueeze(-1) * f).flatten(-2)
    return torch.cat([x, torch.sin(a), torch.cos(a)], -1)


class ResBlock(nn.Module):
    """Pre-norm residual MLP with FiLM (scale, shift) from the conditioning vector."""

    def __init__(self, width: int, cond_dim: int):
        super().__init__()
        self.norm = nn.LayerNorm(width, elementwise_affine=False)
        self.film = nn.Linear(cond_dim, 2 * width)
        self.mlp = nn.Sequential(
            nn.Linear(width, 2 * width), nn.GELU(), nn.Linear(2 * width, width)
        )
        nn.init.zeros_(self.mlp[-1].weight)
        nn.init.zeros_(self.mlp[-1].bias)

    def forward(self, h: torch.Tensor, c: torch.Tensor) -> torch.Tensor:
        scale, shift = self.film(c).unsqueeze(1).chunk(2, -1)
        return h + self.mlp(self.norm(h) * (1 + scale) + shift)


class AttnBlock(nn.Module):
    """Transformer block with AdaLN over the M coarse points."""

    def __init__(self, width: int, heads: int, cond_dim: int):
        super().__init__()
        self.heads = heads
        self.norm1 = nn.LayerNorm(width, elementwise_affine=False)
        self.norm2 = nn.LayerNorm(width, elementwise_affine=False)
        self.ada = nn.Linear(cond_dim, 4 * width)
        self.qkv = nn.Linear(width, 3 * width)
        self.proj = nn.Linear(width, width)
        self.mlp = nn.Sequential(
            nn.Linear(width, 2 * width), nn.GELU(), nn.Linear(2 * width, width)
        )
        for lin in (self.proj, self.mlp[-1]):
            nn.init.zeros_(lin.weight)
            nn.init.zeros_(lin.bias)

    def forward(self, h: torch.Tensor, c: torch.Tensor) -> torch.Tensor:
        b, m, w = h.shape
        s1, b1, s2, b2 = self.ada(c).unsqueeze(1).chunk(4, -1)
        q, k, v = (
            self.qkv(self.norm1(h) * (1 + s1) + b1)
            .reshape(b, m, 3, self.heads, w // self.heads)
            .permute(2, 0, 3, 1, 4)
        )
        a = F.scaled_dot_product_attention(q, k, v).transpose(1, 2).reshape(b, m, w)
        h = h + self.proj(a)
        return h + self.mlp(self.norm2(h) * (1 + s2) + b2)


class PointDenoiser(nn.Module):
    """(x (B, N, 3), t (B,), cond: Condition) -> (B, N, 3) epsilon / v / x0 prediction."""

    def __init__(self, cfg: DenoiserConfig, image_size: int):
        super().__init__()
        self.cfg = cfg
        w, cw, e = cfg.width, cfg.coarse_width, cfg.time_dim
        self.register_buffer(
            "offsets", patch_offsets(cfg.patch_size, cfg.patch_step, image_size), persistent=False
        )
        in_dim = 3 + 6 * cfg.fourier_bands + cfg.feat_dim + cfg.patch_size**2
        self.inp = nn.Linear(in_dim, w)
        self.time = nn.Sequential(nn.Linear(e, e), nn.SiLU(), nn.Linear(e, e))
        self.glob = nn.Linear(cfg.global_dim, e)
        self.blocks_in = nn.ModuleList(ResBlock(w, e) for _ in range(cfg.blocks_in))
        self.sa = SetAbstraction(w, cw, cfg.knn)
        self.attn = nn.ModuleList(AttnBlock(cw, cfg.attn_heads, e) for _ in range(cfg.attn_layers))
        self.fp = nn.Linear(w + cw, w)
        self.blocks_out = nn.ModuleList(ResBlock(w, e) for _ in range(cfg.blocks_out))
        self.out_norm = nn.LayerNorm(w)
        self.out = nn.Linear(w, 3)
        nn.init.zeros_(self.out.weight)
        nn.init.zeros_(self.out.bias)

    def forward(self, x: torch.Tensor, t: torch.Tensor, cond: Condition) -> torch.Tensor:
        cfg = self.cfg
        xy = x[..., :2]
        # inp(cat(fourier, map, patch)) as three slices of one weight: no (B, N, C) concat
        parts = (
            fourier(x, cfg.fourier_bands),
            sample_map(cond.fmap, xy),
            sample_patch(cond.image, xy, self.offsets),
        )
        c = self.time(timestep_embedding(t, cfg.time_dim)) + self.glob(cond.glob)
        c = F.silu(c)
        h, start = self.inp.bias, 0
        for part in parts:
            stop = start + part.shape[-1]
            h = h + part @ self.inp.weight[:, start:stop].t()
            start = stop
        for blk in self.blocks_in:
            h = blk(h, c)
        m = min(cfg.coarse_points, x.shape[1])
        centres = x[:, :m]
        d2 = square_distances(centres, x)  # (B, M, N)
        hc = self.sa(h, x, centres, d2)
        for blk in self.attn:
            hc = blk(hc, c)
        h = h + self.fp(torch.cat([h, three_nn_interpolate(d2, hc)], -1))
        for blk in self.blocks_out:
            h = blk(h, c)
        return self.out(self.out_norm(h))
