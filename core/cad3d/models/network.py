"""The whole learned model: drawing encoder + point denoiser + CLIP head, one nn.Module.

The encoder runs once per drawing (`condition`), the denoiser once per sampling step
(`forward`, the `model(x, t, cond)` the diffusion process calls). With a user's own CLIP
image tower (EncoderConfig.clip_tower, vision.clip_tower) its embedding, through a
zero-initialised projection, joins the drawing embedding; the tower's weights stay in the
user's file (never copied into ours).
"""

from __future__ import annotations

import torch
from torch import nn

from ..vision.clip_tower import ClipTower, load_clip_tower
from ..vision.encoder import DrawingEncoder
from .anchors import sample_anchors
from .clip_head import ClipHead
from .config import ModelConfig
from .denoiser import PointDenoiser
from .fusion import Condition


class PointDiffusionNet(nn.Module):
    def __init__(self, cfg: ModelConfig):
        super().__init__()
        assert cfg.encoder.feat_dim == cfg.denoiser.feat_dim
        assert cfg.encoder.global_dim == cfg.denoiser.global_dim
        self.cfg = cfg
        self.encoder = DrawingEncoder(cfg.encoder)
        self.denoiser = PointDenoiser(cfg.denoiser, cfg.encoder.image_size)
        self.clip = ClipHead(cfg.encoder.global_dim, dim=min(128, cfg.encoder.global_dim))
        # the null condition (classifier-free guidance): a learned embedding, blank maps
        self.null_glob = nn.Parameter(torch.zeros(cfg.encoder.global_dim))
        self.tower_proj: nn.Linear | None = None
        self._tower: list[ClipTower] = []  # a list: not a submodule, so not in state_dict
        if cfg.encoder.clip_tower:
            tower = load_clip_tower(cfg.encoder.clip_tower, cfg.encoder.clip_tower_quick_gelu)
            self._tower.append(tower)
            self.tower_proj = nn.Linear(tower.dim, cfg.encoder.global_dim)
            nn.init.zeros_(self.tower_proj.weight)
            nn.init.zeros_(self.tower_proj.bias)

    def drawing_embedding(self, glob: torch.Tensor, image: torch.Tensor) -> torch.Tensor:
        """The encoder's embedding (B, G) of image (B, 1, S, S), plus the user's CLIP tower's
        (projected) when the model has one."""
        if self.tower_proj is None:
            return glob
        tower = self._tower[0].to(image.device)
        return glob + self.tower_proj(tower(image).to(glob.dtype))

    def condition(
        self,
        image: torch.Tensor,
        num_points: int | None = None,
        generator: torch.Generator | None = None,
        boxes: torch.Tensor | None = None,
        temperature: float | torch.Tensor = 1.0,
        fine: torch.Tensor | None = None,
        min_share: float = 0.0,
    ) -> Condition:
        """image: (B, 1, S, S) ink in [0, 1] -> the per-drawing Condition (encoder run once),
        with `num_points` anchors drawn from the density head when given (models.anchors),
        inside `boxes` (B, 4) when given; `temperature` (a float, or (B, 1, 1) per sample) < 1
        sharpens the density (fewer anchors in doubtful cells, at some cost in coverage);
        `fine`: (B, 1, F, F) the drawing on the finer letterbox the denoiser reads under each
        point (DenoiserConfig.fine_*);
        `min_share`: doubtful cells cut off (anchors.sample_anchors)."""
        enc = self.encoder(image)
        glob = self.drawing_embedding(enc.glob, image)
        cond = Condition(fmap=enc.fmap, glob=glob, image=image, fine=fine)
        if num_points:
            density = self.encoder.dense(enc.fmap)["density"] / temperature
            anchors = sample_anchors(density, num_points, generator, boxes, min_share)
            cond = cond.with_anchors(anchors)
        return cond

    def null_condition(self, cond: Condition) -> Condition:
        """The unconditional Condition shaped like `cond`."""
        b = cond.glob.shape[0]
        return Condition(
            fmap=torch.zeros_like(cond.fmap),
            glob=self.null_glob.unsqueeze(0).expand(b, -1),
            image=torch.zeros_like(cond.image),
            anchors=cond.anchors,
            fine=None if cond.fine is None else torch.zeros_like(cond.fine),
        )

    def forward(self, x: torch.Tensor, t: torch.Tensor, cond: Condition) -> torch.Tensor:
        """x: (B, N, 3) noisy (dx, dy, z) around cond.anchors, t: (B,) -> (B, N, 3) prediction."""
        return self.denoiser(x, t, cond)
