"""The point denoiser: a small PointNet++-style U-Net over points, conditioned on the drawing.

    x (B, N, 3) noisy (dx, dy, z) around the anchors (models.anchors), t (B,) timesteps,
    cond (fusion.Condition with anchors)
      -> per point: static part, from the anchor only (computed once per drawing by
         `precompute`): Fourier(anchor), feature map and raw-ink patch sampled under it;
         plus Fourier(x) and, when configured, a fine-ink patch read where the point is now
         (at every step: late in sampling it shows the face the point must sit on) -> width W
      -> residual MLP blocks (FiLM from timestep + drawing embedding)
      -> set abstraction: the first M points are the centres (points come in random order, so
         this is random subsampling, and deterministic), their k nearest points in plan grouped
         with their 3D offsets and max-pooled
      -> self-attention among the M centres (AdaLN): the only place points talk globally
      -> feature propagation: 3-NN interpolation (in plan) back to all N points
      -> residual MLP blocks -> epsilon or v (B, N, 3)
Neighbourhoods are taken in plan, over the anchors: they do not move while sampling, so one
(B, M, N) distance matrix per drawing serves every step. Cost per step is O(N * M).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

import torch
import torch.nn.functional as F
from torch import nn

from .anchors import to_points
from .config import DenoiserConfig
from .fusion import Condition, patch_offsets, sample_map, sample_patch
from .pointnet import SetAbstraction, interpolate, knn_group, square_distances, three_nn


def timestep_embedding(t: torch.Tensor, dim: int, max_period: float = 10000.0) -> torch.Tensor:
    """t: (B,) -> (B, dim) sinusoidal embedding."""
    half = dim // 2
    freqs = torch.exp(-math.log(max_period) * torch.arange(half, device=t.device) / half)
    args = t.float()[:, None] * freqs[None]
    return torch.cat([torch.cos(args), torch.sin(args)], -1)


def fourier(x: torch.Tensor, bands: int) -> torch.Tensor:
    """x: (B, N, D) -> (B, N, D * (1 + 2 * bands)): x and sin/cos at 2^k pi."""
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


@dataclass
class Static:
    """What the denoiser derives from the anchors alone: reused by every sampling step."""

    h: torch.Tensor  # (B, N, W) input features of the drawing under each anchor
    groups: torch.Tensor  # (B, M, k) each centre's nearest points in plan
    nn_idx: torch.Tensor  # (B, N, 3) each point's nearest centres in plan
    nn_w: torch.Tensor  # (B, N, 3) and their interpolation weights


class PointDenoiser(nn.Module):
    """(x (B, N, 3), t (B,), cond: Condition) -> (B, N, 3) epsilon / v / x0 prediction."""

    def __init__(self, cfg: DenoiserConfig, image_size: int):
        super().__init__()
        self.cfg = cfg
        w, cw, e = cfg.width, cfg.coarse_width, cfg.time_dim
        self.register_buffer(
            "offsets", patch_offsets(cfg.patch_size, cfg.patch_step, image_size), persistent=False
        )
        static_dim = 2 * (1 + 2 * cfg.fourier_bands) + cfg.feat_dim + cfg.patch_size**2
        self.inp = nn.Linear(static_dim, w)
        self.inp_x = nn.Linear(3 * (1 + 2 * cfg.fourier_bands), w, bias=False)
        self.inp_fine = None
        if cfg.fine_patch_size:
            self.register_buffer(
                "fine_offsets",
                patch_offsets(cfg.fine_patch_size, cfg.fine_patch_step, cfg.fine_image_size),
                persistent=False,
            )
            self.inp_fine = nn.Linear(cfg.fine_patch_size**2, w, bias=False)
            nn.init.zeros_(self.inp_fine.weight)  # starts as the model without it (fine-tuning)
        self.time = nn.Sequential(nn.Linear(e, e), nn.SiLU(), nn.Linear(e, e))
        self.glob = nn.Linear(cfg.global_dim, e)
        self.blocks_in = nn.ModuleList(ResBlock(w, e) for _ in range(cfg.blocks_in))
        self.sa = SetAbstraction(w, cw)
        self.attn = nn.ModuleList(AttnBlock(cw, cfg.attn_heads, e) for _ in range(cfg.attn_layers))
        self.fp = nn.Linear(w + cw, w)
        self.blocks_out = nn.ModuleList(ResBlock(w, e) for _ in range(cfg.blocks_out))
        self.out_norm = nn.LayerNorm(w)
        self.out = nn.Linear(w, 3)
        nn.init.zeros_(self.out.weight)
        nn.init.zeros_(self.out.bias)

    def precompute(self, cond: Condition) -> Condition:
        """`cond` with its `static` part filled in (call once per drawing before sampling)."""
        if cond.anchors is None:
            raise ValueError("the denoiser needs anchors: Condition.with_anchors(...)")
        a = cond.anchors
        parts = (
            fourier(a, self.cfg.fourier_bands),
            sample_map(cond.fmap, a),
            sample_patch(cond.image, a, self.offsets),
        )
        # inp(cat(parts)) as slices of one weight: no (B, N, C) concat
        h, start = self.inp.bias, 0
        for part in parts:
            stop = start + part.shape[-1]
            h = h + part @ self.inp.weight[:, start:stop].t()
            start = stop
        n = a.shape[1]
        m = min(self.cfg.coarse_points, n)
        k = max(4, round(self.cfg.knn * n / self.cfg.knn_points))
        d2 = square_distances(a[:, :m], a)  # (B, M, N) in plan
        nn_idx, nn_w = three_nn(d2)
        return replace(cond, static=Static(h, knn_group(d2, k), nn_idx, nn_w))

    def forward(self, x: torch.Tensor, t: torch.Tensor, cond: Condition) -> torch.Tensor:
        cfg = self.cfg
        if cond.static is None:
            cond = self.precompute(cond)
        s = cond.static
        c = F.silu(self.time(timestep_embedding(t, cfg.time_dim)) + self.glob(cond.glob))
        h = s.h + self.inp_x(fourier(x, cfg.fourier_bands))
        pos = to_points(x, cond.anchors, cond.grid)
        if self.inp_fine is not None and cond.fine is not None:
            h = h + self.inp_fine(sample_patch(cond.fine, pos[..., :2], self.fine_offsets))
        for blk in self.blocks_in:
            h = blk(h, c)
        m = s.groups.shape[1]
        hc = self.sa(h, pos, pos[:, :m], s.groups)
        for blk in self.attn:
            hc = blk(hc, c)
        # fp(cat(h, interpolate(hc))): interpolation is linear, so project the M coarse points
        # first and interpolate W-wide rows instead of concatenating N coarse-wide ones
        w = h.shape[-1]
        up = interpolate(hc @ self.fp.weight[:, w:].t(), s.nn_idx, s.nn_w)
        h = h + F.linear(h, self.fp.weight[:, :w], self.fp.bias) + up
        for blk in self.blocks_out:
            h = blk(h, c)
        return self.out(self.out_norm(h))
