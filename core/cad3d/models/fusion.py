"""Per-point conditioning: what the drawing says under each point.

Plans are orthographic: a point's (x, y) projects straight onto the drawing, so local
conditioning is a `grid_sample` of the encoder's feature map at (x, -y) (PC²-style projection
conditioning without a camera), plus a small patch of raw ink for exact linework.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

import torch
import torch.nn.functional as F


@dataclass
class Condition:
    """What the denoiser is conditioned on, computed once per drawing (not per step).

    fmap: (B, F, h, w) encoder features; glob: (B, G) drawing embedding;
    image: (B, 1, S, S) ink in [0, 1]; anchors: (B, N, 2) the points' plan positions
    (models.anchors), which the null condition keeps; static: what the denoiser derives from
    the anchors, cached for all sampling steps (PointDenoiser.precompute); fine: (B, 1, F, F)
    the same ink on a finer letterbox, read under each point at every step (None: not used)."""

    fmap: torch.Tensor
    glob: torch.Tensor
    image: torch.Tensor
    anchors: torch.Tensor | None = None
    static: Any = None
    fine: torch.Tensor | None = None

    @property
    def grid(self) -> int:
        """Side of the density / feature map: anchors live on its cells."""
        return self.fmap.shape[-1]

    def with_anchors(self, anchors: torch.Tensor) -> Condition:
        return replace(self, anchors=anchors, static=None)

    def where(self, mask: torch.Tensor, other: Condition) -> Condition:
        """Per sample: `other` where mask (B,) bool is True, else self (condition dropout)."""
        m4 = mask.view(-1, 1, 1, 1)
        fine = None
        if self.fine is not None and other.fine is not None:
            fine = torch.where(m4, other.fine, self.fine)
        return Condition(
            fmap=torch.where(m4, other.fmap, self.fmap),
            glob=torch.where(mask.view(-1, 1), other.glob, self.glob),
            image=torch.where(m4, other.image, self.image),
            anchors=self.anchors,
            fine=fine,
        )

    def repeat(self, n: int) -> Condition:
        """Each sample repeated n times along the batch (B -> B * n)."""
        r = lambda x: None if x is None else x.repeat_interleave(n, 0)  # noqa: E731
        return Condition(
            r(self.fmap), r(self.glob), r(self.image), r(self.anchors), fine=r(self.fine)
        )


def _grid(xy: torch.Tensor) -> torch.Tensor:
    """xy: (B, N, 2) normalised, y up -> (B, 1, N, 2) grid_sample coordinates (y down)."""
    return torch.stack([xy[..., 0], -xy[..., 1]], -1).unsqueeze(1)


def sample_map(fmap: torch.Tensor, xy: torch.Tensor) -> torch.Tensor:
    """fmap: (B, C, h, w), xy: (B, N, 2) normalised -> (B, N, C) bilinear samples (0 outside)."""
    out = F.grid_sample(fmap, _grid(xy), mode="bilinear", padding_mode="zeros", align_corners=False)
    return out[:, :, 0].transpose(1, 2)


def patch_offsets(size: int, step_px: float, image_size: int) -> torch.Tensor:
    """(size*size, 2) offsets in normalised units: a size x size grid, `step_px` pixels apart."""
    r = (torch.arange(size, dtype=torch.float32) - (size - 1) / 2) * step_px * 2 / image_size
    gy, gx = torch.meshgrid(r, r, indexing="ij")
    return torch.stack([gx.flatten(), gy.flatten()], -1)


def sample_patch(image: torch.Tensor, xy: torch.Tensor, offsets: torch.Tensor) -> torch.Tensor:
    """image: (B, 1, S, S), xy: (B, N, 2), offsets: (K, 2) -> (B, N, K) ink around each point."""
    b, n, _ = xy.shape
    k = offsets.shape[0]
    pts = (xy.unsqueeze(2) + offsets.to(xy)).reshape(b, n * k, 2)
    return sample_map(image, pts).reshape(b, n, k)
