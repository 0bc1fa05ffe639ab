"""CLIP-style shared space for drawings and shapes: a PointNet embedding of the true point
cloud, trained against the drawing embedding with the symmetric InfoNCE loss. Retrieval of the
nearest training shape for a drawing comes free.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn

from .pointnet import PointNetEncoder


def info_nce(a: torch.Tensor, b: torch.Tensor, logit_scale: torch.Tensor | float) -> torch.Tensor:
    """Symmetric InfoNCE between paired embeddings a, b: (B, D) (row i of a matches row i of b)."""
    a, b = F.normalize(a, dim=-1), F.normalize(b, dim=-1)
    logits = a @ b.t() * (logit_scale.exp() if torch.is_tensor(logit_scale) else logit_scale)
    target = torch.arange(a.shape[0], device=a.device)
    return 0.5 * (F.cross_entropy(logits, target) + F.cross_entropy(logits.t(), target))


def retrieve(query: torch.Tensor, bank: torch.Tensor, k: int = 1) -> torch.Tensor:
    """Indices (Q, k) of the k bank rows (K, D) most cosine-similar to each query row (Q, D)."""
    sim = F.normalize(query, dim=-1) @ F.normalize(bank, dim=-1).t()
    return sim.topk(min(k, bank.shape[0]), dim=-1).indices


class ClipHead(nn.Module):
    """Shape tower (PointNet) + projections of both towers into one `dim`-space."""

    def __init__(self, image_dim: int, dim: int = 128, width: int = 128):
        super().__init__()
        self.shape = PointNetEncoder(dim, width)
        self.image = nn.Linear(image_dim, dim)
        self.logit_scale = nn.Parameter(torch.tensor(math.log(1 / 0.07)))

    def embed_image(self, glob: torch.Tensor) -> torch.Tensor:
        """glob: (B, image_dim) drawing embedding -> (B, dim) unit vectors."""
        return F.normalize(self.image(glob), dim=-1)

    def embed_shape(self, points: torch.Tensor) -> torch.Tensor:
        """points: (B, N, 3) normalised -> (B, dim) unit vectors."""
        return F.normalize(self.shape(points), dim=-1)

    def loss(self, glob: torch.Tensor, points: torch.Tensor) -> torch.Tensor:
        scale = self.logit_scale.clamp(max=math.log(100))
        return info_nce(self.image(glob), self.shape(points), scale)
