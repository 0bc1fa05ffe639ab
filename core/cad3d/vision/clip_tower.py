"""A user's own CLIP image tower, read from a local file: never downloaded.

cad3d's drawing embedding is its own (`models.clip_head`, trained against shapes). A user who
holds CLIP weights can add theirs beside it: the tower embeds the drawing as a photo-trained
model sees it, and a zero-initialised projection adds that to the denoiser's condition, so a
model with a tower samples exactly as before until fine-tuning (`cad3d train --init W
--clip-tower F`) teaches the projection.

Accepted files: OpenAI CLIP / open_clip checkpoints (keys `visual.*`; the text tower is
ignored) and timm's CLIP image towers (`vit_*_clip_*`: keys `patch_embed.*`, `blocks.*`), as
safetensors or as a PyTorch file read with `weights_only=True` (no pickled code runs). The
architecture is read off the tensors' shapes; timm's own converter maps the keys.
"""

from __future__ import annotations

import re
from functools import partial
from pathlib import Path

import torch
import torch.nn.functional as F
from torch import nn

from ..errors import InputNotFound, ModelError

CLIP_MEAN = (0.48145466, 0.4578275, 0.40821073)
CLIP_STD = (0.26862954, 0.26130258, 0.27577711)
HEAD_WIDTH = 64  # channels per attention head in every CLIP ViT


def read_state_dict(path: str | Path) -> dict[str, torch.Tensor]:
    """The tensors of a local checkpoint file; a clear one-line error otherwise."""
    path = Path(path)
    if not path.is_file():
        raise InputNotFound(f"CLIP tower {path}: no such file")
    try:
        if path.suffix == ".safetensors":
            from safetensors.torch import load_file

            sd = load_file(str(path))
        else:
            sd = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as exc:  # noqa: BLE001 - any unreadable file is the same error to a user
        raise ModelError(
            f"cannot read CLIP tower {path.name}: {str(exc).splitlines()[0]}"
        ) from None
    for key in ("state_dict", "model"):
        if isinstance(sd, dict) and isinstance(sd.get(key), dict):
            sd = sd[key]
    if not isinstance(sd, dict) or not all(torch.is_tensor(v) for v in sd.values()):
        raise ModelError(f"CLIP tower {path.name} holds no tensors")
    return {k.removeprefix("module."): v for k, v in sd.items()}


def tower_arch(sd: dict[str, torch.Tensor]) -> dict:
    """timm VisionTransformer arguments read off the tensors' shapes."""
    if "visual.conv1.weight" in sd:  # OpenAI / open_clip
        patch = sd["visual.conv1.weight"]
        pos = sd["visual.positional_embedding"]
        blocks = r"visual\.transformer\.resblocks\.(\d+)\."
        out = sd["visual.proj"].shape[1] if "visual.proj" in sd else 0
    elif "patch_embed.proj.weight" in sd:  # timm
        patch = sd["patch_embed.proj.weight"]
        pos = sd["pos_embed"][0]
        blocks = r"blocks\.(\d+)\."
        out = sd["head.weight"].shape[0] if "head.weight" in sd else 0
    else:
        raise ModelError("not a CLIP image tower: no visual.conv1 or patch_embed weights")
    width, p = patch.shape[0], patch.shape[-1]
    depth = 1 + max(int(m.group(1)) for k in sd if (m := re.match(blocks, k)))
    grid = round((pos.shape[0] - 1) ** 0.5)
    return dict(
        img_size=grid * p,
        patch_size=p,
        embed_dim=width,
        depth=depth,
        num_heads=max(width // HEAD_WIDTH, 1),
        num_classes=out,
        pre_norm=True,
        global_pool="token",
        norm_layer=partial(nn.LayerNorm, eps=1e-5),
    )


class ClipTower(nn.Module):
    """A frozen CLIP ViT: letterboxed ink (B, 1, S, S) in [0, 1] -> (B, dim) unit vectors."""

    def __init__(self, vit: nn.Module, img_size: int, source: str):
        super().__init__()
        self.vit = vit.eval().requires_grad_(False)
        self.img_size = img_size
        self.source = source
        self.dim = vit.num_classes or vit.embed_dim
        self.register_buffer("mean", torch.tensor(CLIP_MEAN).view(1, 3, 1, 1), persistent=False)
        self.register_buffer("std", torch.tensor(CLIP_STD).view(1, 3, 1, 1), persistent=False)

    def train(self, mode: bool = True) -> ClipTower:
        return super().train(False)  # frozen: dropout and the like stay off

    @torch.no_grad()
    def forward(self, ink: torch.Tensor) -> torch.Tensor:
        paper = (1.0 - ink).expand(-1, 3, -1, -1)  # CLIP saw photos: dark ink on white paper
        x = F.interpolate(paper, size=(self.img_size,) * 2, mode="bilinear", antialias=True)
        return F.normalize(self.vit((x - self.mean) / self.std), dim=-1)


def load_clip_tower(path: str | Path, quick_gelu: bool = False) -> ClipTower:
    """A ClipTower from a local file (see the module's docstring).

    quick_gelu: OpenAI's own CLIP weights were trained with QuickGELU (open_clip's
    `-quickgelu` models too); the shapes do not say so."""
    from timm.models.vision_transformer import VisionTransformer, checkpoint_filter_fn

    sd = read_state_dict(path)
    arch = tower_arch(sd)
    vit = VisionTransformer(**arch, act_layer="quick_gelu" if quick_gelu else "gelu")
    try:
        vit.load_state_dict(checkpoint_filter_fn(sd, vit), strict=True)
    except (RuntimeError, KeyError) as exc:
        first = str(exc).splitlines()[0][:200]
        raise ModelError(f"CLIP tower {Path(path).name} does not load: {first}") from None
    return ClipTower(vit, arch["img_size"], str(Path(path).resolve()))
