"""The drawing encoder: a timm Vision Transformer beside a small conv stem, trained here.

ViT tokens of 16 px cover most of a meter of plan: good context, too coarse to place a wall face
within centimetres. A 2-layer conv stem at stride 4 keeps the linework; both are fused into one
dense feature map (stride 4) that points sample with `grid_sample`, and that dense heads
(semantic class, top/bottom height, material, and the plan density of the true surface that
anchors the points: models.anchors) read. Never loads hub weights (pretrained=False).
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn

from ..models.config import EncoderConfig


@dataclass
class Encoded:
    """fmap: (B, feat_dim, S/4, S/4) dense features; glob: (B, global_dim) drawing embedding."""

    fmap: torch.Tensor
    glob: torch.Tensor


def _conv(cin: int, cout: int, stride: int) -> nn.Sequential:
    groups = 4 if cout % 4 == 0 else 1
    return nn.Sequential(
        nn.Conv2d(cin, cout, 3, stride, 1, bias=False), nn.GroupNorm(groups, cout), nn.GELU()
    )


class DrawingEncoder(nn.Module):
    """image (B, 1, S, S) ink in [0, 1], S a multiple of the patch size -> `Encoded`."""

    def __init__(self, cfg: EncoderConfig):
        super().__init__()
        from timm.models.vision_transformer import VisionTransformer

        self.cfg = cfg
        self.vit = VisionTransformer(
            img_size=cfg.image_size,
            patch_size=cfg.patch_size,
            in_chans=1,
            num_classes=0,
            embed_dim=cfg.embed_dim,
            depth=cfg.depth,
            num_heads=cfg.num_heads,
            dynamic_img_size=True,
            global_pool="token",
        )
        c = cfg.stem_channels
        self.stem = nn.Sequential(_conv(1, c, 2), _conv(c, c, 2))
        self.fuse = nn.Sequential(
            nn.Conv2d(c + cfg.embed_dim, cfg.feat_dim, 1),
            nn.GELU(),
            nn.Conv2d(cfg.feat_dim, cfg.feat_dim, 3, 1, 1),
        )
        self.glob = nn.Sequential(
            nn.LayerNorm(2 * cfg.embed_dim), nn.Linear(2 * cfg.embed_dim, cfg.global_dim)
        )
        # dense heads: classes, top height, bottom height, materials, plan density
        self.heads = nn.Conv2d(cfg.feat_dim, cfg.num_classes + 3 + cfg.num_materials, 1)

    def forward(self, image: torch.Tensor) -> Encoded:
        b, _, h, w = image.shape
        p = self.cfg.patch_size
        assert h % p == 0 and w % p == 0, f"image size {h}x{w} is not a multiple of {p}"
        tokens = self.vit.forward_features(image)  # (B, prefix + h/p * w/p, D)
        prefix = self.vit.num_prefix_tokens
        grid = tokens[:, prefix:].transpose(1, 2).reshape(b, -1, h // p, w // p)
        fine = self.stem(image)  # (B, c, H/4, W/4)
        coarse = F.interpolate(grid, size=fine.shape[-2:], mode="bilinear", align_corners=False)
        fmap = self.fuse(torch.cat([fine, coarse], 1))
        glob = self.glob(torch.cat([tokens[:, 0], tokens[:, prefix:].mean(1)], -1))
        return Encoded(fmap=fmap, glob=glob)

    def dense(self, fmap: torch.Tensor, size: int | None = None) -> dict[str, torch.Tensor]:
        """Dense predictions from a feature map, upsampled to `size` px: semantic logits
        (B, C, S, S), top and bottom height (B, S, S, normalised z), material logits, density
        logits (B, S, S; softmax over all cells: where the true surface projects)."""
        out = self.heads(fmap)
        if size is not None and size != out.shape[-1]:
            out = F.interpolate(out, size=(size, size), mode="bilinear", align_corners=False)
        k = self.cfg.num_classes
        return {
            "semantic": out[:, :k],
            "top_height": out[:, k],
            "bottom_height": out[:, k + 1],
            "material": out[:, k + 2 : -1],
            "density": out[:, -1],
        }
