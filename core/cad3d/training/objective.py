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
from ..models.anchors import density_loss, training_anchors
from ..models.fusion import Condition
from ..models.network import PointDiffusionNet


class Objective(nn.Module):
    """forward(batch, t (B,), noise (B, N, 3), drop (B,) bool, u (B, N, 2) uniform) -> dict of
    scalar losses: diffusion (of (dx, dy, z) around anchors placed by `u`: models.anchors),
    density (where the surface projects in plan), clip (B > 1), dense (samples with maps),
    and `loss`, their weighted sum (the encoder's losses times `aux_scale`, the trainer's
    loss schedule)."""

    def __init__(self, net: PointDiffusionNet, process: GaussianDiffusion):
        super().__init__()
        self.net = net
        self.process = process

    def forward(
        self,
        batch: dict[str, Any],
        t: torch.Tensor,
        noise: torch.Tensor,
        drop: torch.Tensor,
        u: torch.Tensor,
        aux_scale: float = 1.0,
    ) -> dict[str, torch.Tensor]:
        net, cfg = self.net, self.net.cfg
        dev = noise.device
        img = batch["image"].to(dev)
        x0 = batch["points"].to(dev)
        enc = net.encoder(img)
        dense = net.encoder.dense(enc.fmap)
        anchors, x_d = training_anchors(x0, enc.fmap.shape[-1], u)
        fine = batch.get("fine")
        fine = fine.to(dev) if torch.is_tensor(fine) else None
        cond = Condition(enc.fmap, net.drawing_embedding(enc.glob, img), img, anchors, fine=fine)
        if bool(drop.any()):
            cond = cond.where(drop, net.null_condition(cond))
        out = {
            "diffusion": self.process.training_losses(net, x_d, t, cond, noise=noise)[
                "loss"
            ].mean(),
            "density": density_loss(dense["density"], x0[..., :2]),
        }
        total = out["diffusion"] + aux_scale * cfg.density_weight * out["density"]
        if cfg.clip_weight > 0 and x0.shape[0] > 1:
            out["clip"] = net.clip.loss(enc.glob, x0)
            total = total + aux_scale * cfg.clip_weight * out["clip"]
        has = batch.get("has_maps")
        if cfg.dense_weight > 0 and torch.is_tensor(has) and bool(has.any()):
            out["dense"] = dense_loss(dense, batch, has.to(dev))
            total = total + aux_scale * cfg.dense_weight * out["dense"]
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
