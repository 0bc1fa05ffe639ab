"""Plan anchors: a drawing observes x and y; the diffusion model only has to infer the rest.

A point cloud of a drawn object factorises as p(x, y, z) = p(x, y) * p(z, fine xy | x, y).
The first factor is 2D and is read off the drawing: the encoder's `density` head predicts, per
feature-map cell, the share of the true surface that projects into it (trained against the
histogram of the true points, a cross-entropy). Sampling draws one cell per point from it and a
uniform position inside the cell: the point's *anchor*. The diffusion model then denoises only
(dx, dy, z): the offset from the anchor in cell units (|d| < 1: where in the cell the face is)
and the normalised height, which is multi-modal (a window column has points below the sill and
above the head). Anchors are fixed during sampling, so everything that depends on them only
(image features under the point, neighbourhoods) is computed once, not at every step.

Normalised frame (models.frame): x right, y up, the drawing's square at [-1, 1]^2; cell (i, j)
of an (h, w) map covers x in -1 + 2 j / w .. -1 + 2 (j + 1) / w and y from 1 - 2 i / h down.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F


def cell_size(grid: int) -> float:
    """Side of one density cell in normalised units, for a square (grid x grid) map."""
    return 2.0 / grid


def cell_index(xy: torch.Tensor, grid: int) -> torch.Tensor:
    """xy: (..., 2) normalised -> (...) int64 flat cell index (row-major, row 0 at y = +1)."""
    col = ((xy[..., 0] + 1) * grid / 2).floor().long().clamp(0, grid - 1)
    row = ((1 - xy[..., 1]) * grid / 2).floor().long().clamp(0, grid - 1)
    return row * grid + col


def cell_centre(index: torch.Tensor, grid: int) -> torch.Tensor:
    """(...) int64 flat cell index -> (..., 2) the cell's centre, normalised."""
    row, col = index // grid, index % grid
    c = cell_size(grid)
    return torch.stack([-1 + (col.float() + 0.5) * c, 1 - (row.float() + 0.5) * c], -1)


def jitter(index: torch.Tensor, grid: int, u: torch.Tensor) -> torch.Tensor:
    """A position inside each cell: (...) cell index, u (..., 2) uniform in [0, 1)
    -> (..., 2) normalised anchors."""
    return cell_centre(index, grid) + (u.to(index.device) - 0.5) * cell_size(grid)


def density_target(xy: torch.Tensor, grid: int) -> torch.Tensor:
    """xy: (B, N, 2) true points -> (B, grid * grid) their histogram, summing to 1 per sample."""
    idx = cell_index(xy, grid)
    hist = torch.zeros(xy.shape[0], grid * grid, device=xy.device, dtype=torch.float32)
    hist.scatter_add_(1, idx, torch.ones_like(idx, dtype=torch.float32))
    return hist / xy.shape[1]


def density_loss(logits: torch.Tensor, xy: torch.Tensor) -> torch.Tensor:
    """KL(true points' histogram || softmax of the density head (B, h, w)): the cross-entropy
    minus the histogram's own entropy, so a perfect head scores 0 (the curve is readable)."""
    grid = logits.shape[-1]
    logp = F.log_softmax(logits.flatten(1).float(), -1)
    target = density_target(xy, grid)
    entropy = -(target * target.clamp_min(1e-12).log()).sum(-1)
    return (-(target * logp).sum(-1) - entropy).mean()


def training_anchors(
    points: torch.Tensor, grid: int, u: torch.Tensor
) -> tuple[torch.Tensor, torch.Tensor]:
    """True normalised points (B, N, 3), u (B, N, 2) uniform in [0, 1)
    -> (anchors (B, N, 2), x0 (B, N, 3) = (dx, dy, z)).

    The anchor is placed as sampling places it: anywhere in the cell the true point falls in."""
    anchors = jitter(cell_index(points[..., :2], grid), grid, u).to(points)
    offset = (points[..., :2] - anchors) / cell_size(grid)
    return anchors, torch.cat([offset, points[..., 2:]], -1)


def sample_anchors(
    logits: torch.Tensor,
    n: int,
    generator: torch.Generator | None = None,
    boxes: torch.Tensor | None = None,
    min_share: float = 0.0,
) -> torch.Tensor:
    """Density logits (B, h, w) -> (B, n, 2) anchors: cells drawn from softmax, jittered.

    boxes: (B, 4) normalised x0, y0, x1, y1 of each drawing's own area: cells whose centre is
    outside (the letterbox padding) are never drawn - nothing exists off the sheet.
    min_share: cells whose probability is below min_share times the uniform share (1 / the
    cells on the sheet) are never drawn (doubtful cells cut off, the rest keep their
    proportions: floors stay as dense as the truth's, unlike with a low temperature)."""
    grid = logits.shape[-1]
    flat = logits.flatten(1).float()
    if boxes is not None:
        c = cell_centre(torch.arange(grid * grid, device=flat.device), grid)
        b = boxes.to(flat).unsqueeze(1)
        inside = (c >= b[..., :2]).all(-1) & (c <= b[..., 2:]).all(-1)  # (B, cells)
        inside |= ~inside.any(-1, keepdim=True)  # a sheet thinner than a cell: keep all
        flat = flat.masked_fill(~inside, float("-inf"))
    probs = F.softmax(flat, -1)
    if min_share > 0:
        cells = probs.gt(0).sum(-1, keepdim=True)
        keep = probs >= min_share / cells
        keep |= probs == probs.amax(-1, keepdim=True)  # never an empty sheet
        probs = probs * keep
    idx = torch.multinomial(probs.cpu(), n, replacement=True, generator=generator)
    u = torch.rand(*idx.shape, 2, generator=generator)
    return jitter(idx, grid, u).to(logits.device)


def to_points(x: torch.Tensor, anchors: torch.Tensor, grid: int) -> torch.Tensor:
    """Diffusion state (B, N, 3) = (dx, dy, z) + anchors (B, N, 2) -> normalised points."""
    return torch.cat([anchors + x[..., :2] * cell_size(grid), x[..., 2:]], -1)
