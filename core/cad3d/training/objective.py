"""The training objective as one nn.Module, so DistributedDataParallel can wrap it whole.

Randomness (timesteps, noise, the condition-dropout mask) is drawn by the caller: the module is
a deterministic function of its inputs, which makes resumed and distributed runs reproducible.
"""

from __future__ import annotations

from typing import Any

import torch
import torch.nn.functional as F
from torch import nn

from ..diffusion import GaussianDiffusion
from ..models.fusion import Condition
from ..models.network import PointDiffusionNet


class Objective(nn.Module):
    """forward(batch, t (B,), noise (B, N, 3), drop (B,) bool) -> dict of scalar losses:
    diffusion, clip (B > 1), dense (samples with maps), and `loss`, their weighted sum."""

    def __init__(self, net: PointDiffusionNet, process: GaussianDiffusion):
        super().__init__()
        self.net = net
        self.process = process

    def forward(
        self, batch: dict[str, Any], t: torch.Tensor, noise: torch.Tensor, drop: torch.Tensor
    ) -> dict[str, torch.Tensor]:
        net, cfg = self.net, self.net.cfg
        dev = noise.device
        img = batch["image"].to(dev)
        x0 = batch["points"].to(dev)
        enc = net.encoder(img)
        cond = Condition(enc.fmap, enc.glob, img)
        if bool(drop.any()):
            cond = cond.where(drop, net.null_condition(cond))
        out = {
            "diffusion": self.process.training_losses(net, x0, t, cond, noise=noise)["loss"].mean()
        }
        total = out["diffusion"]
        if cfg.clip_weight > 0 and x0.shape[0] > 1:
            out["clip"] = net.clip.loss(enc.glob, x0)
            total = total + cfg.clip_weight * out["clip"]
        has = batch.get("has_maps")
        if cfg.dense_weight > 0 and torch.is_tensor(has) and bool(has.any()):
            out["dense"] = dense_loss(net.encoder.dense(enc.fmap), batch, has.to(dev))
            total = total + cfg.dense_weight * out["dense"]
        out["loss"] = total
        return out


def dense_loss(
    pred: dict[str, torch.Tensor], batch: dict[str, Any], has: torch.Tensor
) -> torch.Tensor:
    """Dense-head losses at the feature map's resolution (targets subsampled at cell centres:
    far cheaper than upsampling the logits to the image). Heights and material count on drawn
    pixels (semantic > 0) only."""
    k = batch["semantic"].shape[-1] // pred["semantic"].shape[-1]
    dev = has.device

    def tgt(name: str) -> torch.Tensor:
        return batch[name][:, k // 2 :: k, k // 2 :: k].to(dev)[has]

    sem = tgt("semantic")
    loss = F.cross_entropy(pred["semantic"][has], sem)
    fg = sem > 0
    if fg.any():
        for name, key in (("top", "top_height"), ("bottom", "bottom_height")):
            loss = loss + F.smooth_l1_loss(pred[key][has][fg], tgt(name)[fg])
        mat = tgt("material").clamp_max(pred["material"].shape[1] - 1)
        loss = loss + F.cross_entropy(pred["material"][has].permute(0, 2, 3, 1)[fg], mat[fg])
    return loss
