"""Point-set building blocks in pure torch: kNN grouping, 3-NN interpolation, PointNet.

Costs on CPU (ANCHORS.md): farthest-point sampling is a sequential loop, far too slow per
denoising step; a top-k over one (B, M, N) distance matrix is cheap and gives both the kNN groups
of the M centres and the 3 nearest centres of every point.
"""

from __future__ import annotations

import torch
from torch import nn


def gather(x: torch.Tensor, idx: torch.Tensor) -> torch.Tensor:
    """x: (B, N, C), idx: (B, ...) int64 -> (B, ..., C) rows of x."""
    b, n, c = x.shape
    base = (torch.arange(b, device=idx.device) * n).view(-1, *([1] * (idx.ndim - 1)))
    out = x.reshape(b * n, c).index_select(0, (idx + base).reshape(-1))
    return out.reshape(*idx.shape, c)


def square_distances(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """a: (B, M, 3), b: (B, N, 3) -> (B, M, N) squared Euclidean distances (>= 0)."""
    d = (a * a).sum(-1, keepdim=True) - 2 * a @ b.transpose(1, 2) + (b * b).sum(-1).unsqueeze(1)
    return d.clamp_min(0)


def knn_group(d2: torch.Tensor, k: int) -> torch.Tensor:
    """d2: (B, M, N) -> (B, M, k) indices of the k nearest of N for each of M."""
    return d2.topk(min(k, d2.shape[-1]), dim=-1, largest=False).indices


def nearest_k(d2: torch.Tensor, k: int) -> tuple[torch.Tensor, torch.Tensor]:
    """(values, indices) of the k smallest along the last dim of d2 (R, ..., M), k small.

    k rounds of argmin: on CPU about twice as fast as `topk` over short rows (M ~ 128)."""
    d = d2.clone()
    vals, idxs = [], []
    for _ in range(k):
        v, i = d.min(-1, keepdim=True)
        vals.append(v)
        idxs.append(i)
        d.scatter_(-1, i, float("inf"))
    return torch.cat(vals, -1), torch.cat(idxs, -1)


def three_nn(d2: torch.Tensor, k: int = 3) -> tuple[torch.Tensor, torch.Tensor]:
    """d2: (B, M, N) squared distances sources -> targets -> (indices, inverse-distance
    weights), both (B, N, k): each target's k nearest sources."""
    dist, idx = nearest_k(d2.transpose(1, 2).contiguous(), min(k, d2.shape[1]))
    w = 1.0 / (dist.sqrt() + 1e-8)
    return idx, w / w.sum(-1, keepdim=True)


def interpolate(feats: torch.Tensor, idx: torch.Tensor, w: torch.Tensor) -> torch.Tensor:
    """feats: (B, M, C) at the sources, (idx, w) from `three_nn` -> (B, N, C) at the targets."""
    return (gather(feats, idx) * w.unsqueeze(-1)).sum(-2)


def three_nn_interpolate(d2: torch.Tensor, feats: torch.Tensor, k: int = 3) -> torch.Tensor:
    """Inverse-distance interpolation from M sources to N targets.

    d2: (B, M, N) squared distances sources -> targets; feats: (B, M, C) -> (B, N, C)."""
    return interpolate(feats, *three_nn(d2, k))


class SetAbstraction(nn.Module):
    """Group the k nearest points of each centre, lift (features, offset) by an MLP, max-pool.

    feats: (B, N, C), points: (B, N, 3), centres: (B, M, 3), idx: (B, M, k) the group of each
    centre (`knn_group`, computed once where the grouping does not change) -> (B, M, out)."""

    def __init__(self, in_dim: int, out_dim: int):
        super().__init__()
        self.mlp = nn.Sequential(
            nn.Linear(in_dim + 3, out_dim), nn.GELU(), nn.Linear(out_dim, out_dim)
        )

    def forward(self, feats, points, centres, idx):
        grouped = torch.cat([gather(feats, idx), gather(points, idx) - centres.unsqueeze(2)], -1)
        return self.mlp(grouped).amax(2)


class PointNetEncoder(nn.Module):
    """A PointNet shape embedding: shared per-point MLP, max-pool, projection.

    points: (B, N, 3) normalised -> (B, out_dim)."""

    def __init__(self, out_dim: int, width: int = 128):
        super().__init__()
        self.mlp = nn.Sequential(
            nn.Linear(3, width // 2),
            nn.GELU(),
            nn.Linear(width // 2, width),
            nn.GELU(),
            nn.Linear(width, 2 * width),
        )
        self.proj = nn.Sequential(nn.LayerNorm(2 * width), nn.Linear(2 * width, out_dim))

    def forward(self, points: torch.Tensor) -> torch.Tensor:
        return self.proj(self.mlp(points).amax(1))
