"""Model configurations: one dataclass per network, presets by name (`tiny`, `default`).

Sizes are chosen for 2 CPU cores: the denoiser runs at every sampling step, so it is small;
the encoder runs once per drawing. `tiny` exists for tests (a train step well under a second).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any

from ..classes import NUM_CLASSES

# z normalisation per domain: (z_min, z_max) in meters maps to [-1, 1]. xy are normalised by the
# drawing's extent (see cad3d.models.frame). Floor plans: floor to wall top. Domains in Z_RELATIVE
# count z from the sample's lowest ground point (site elevations reach hundreds of meters and a
# drawing's datum is text, not linework): the model learns relief; the base elevation comes from
# the drawing's notes / vectorised contours at conversion time (`z_base`, default 0).
Z_RANGES: dict[str, tuple[float, float]] = {
    "floorplan": (0.0, 3.0),
    "part": (0.0, 0.04),
    "landscape": (0.0, 40.0),
}
Z_RELATIVE: tuple[str, ...] = ("landscape",)


@dataclass
class EncoderConfig:
    """timm ViT (global context, patch tokens) beside a conv stem (fine map at stride 4)."""

    image_size: int = 256  # square size the ViT is built for; it accepts other multiples of 16
    input_size: int | None = None  # size drawings are letterboxed to (None: image_size)
    patch_size: int = 16
    embed_dim: int = 192
    depth: int = 6
    num_heads: int = 3
    stem_channels: int = 32  # conv stem, stride 4: 4 px cells instead of 16 px tokens
    feat_dim: int = 64  # channels of the fused dense feature map the points sample
    global_dim: int = 256  # CLIP-style drawing embedding
    num_classes: int = NUM_CLASSES
    num_materials: int = 16  # >= len(cad3d.data.materials.MATERIALS) (14)
    # a user's own CLIP image tower, a local file (vision.clip_tower); None: not used
    clip_tower: str | None = None
    clip_tower_quick_gelu: bool = False  # OpenAI's own CLIP weights need QuickGELU


@dataclass
class DenoiserConfig:
    """PointNet++-style U-Net over points: per-point MLP, one set-abstraction level with
    attention among `coarse_points` centres, 3-NN feature propagation back to all points."""

    width: int = 64  # per-point channels
    coarse_width: int = 128  # channels at the coarse level
    coarse_points: int = 128
    knn: int = 16  # neighbours per centre at knn_points points (scaled with N: groups cover
    knn_points: int = 2048  # the same share of the drawing whatever the number of points)
    attn_layers: int = 2
    attn_heads: int = 4
    blocks_in: int = 1  # residual per-point blocks before the coarse level
    blocks_out: int = 1  # ... and after it
    time_dim: int = 128
    fourier_bands: int = 6  # sin/cos of the point's coordinates at 2^k pi
    patch_size: int = 7  # raw-ink patch sampled around each anchor: size x size
    patch_step: float = 2.0  # patch spacing, in pixels of a 256 px image: +-1.5 anchor cells
    # the ink under the point *as it moves*, read at every step from a finer letterbox: a
    # 256 px pixel is 7-10 cm of a floor plan, wider than the 5 cm a face must be placed to
    fine_patch_size: int = 0  # size x size samples (0: off, as in weights that predate it)
    fine_patch_step: float = 1.0  # spacing in pixels of the fine image
    fine_image_size: int = 512  # side of the fine letterbox (area-filtered from the drawing)
    feat_dim: int = 64  # must match EncoderConfig.feat_dim
    global_dim: int = 256  # must match EncoderConfig.global_dim


@dataclass
class DiffusionConfig:
    timesteps: int = 1000
    schedule: str = "cosine"
    mean_type: str = "v"  # "epsilon" | "v" | "x0"
    cond_drop: float = 0.1  # condition dropout for classifier-free guidance
    clip_x0: float | None = 1.5  # clamp predicted x0 while sampling (normalised units)
    # anchors are drawn from softmax(density / T): T < 1 keeps them off doubtful cells, but
    # thins floors and piles points on junctions; with the linework snap, 0.5 places points
    # most evenly (measured: benchmarks/bench_anchoring.py)
    density_temperature: float = 0.5
    # ... per domain where another is better: a part's faces are spread evenly over its plate,
    # and T 1 places its points best (within 0.5 mm 0.47 -> 0.49, Chamfer 3.4 -> 2.9 mm)
    density_temperature_by_domain: dict[str, float] = field(default_factory=lambda: {"part": 1.0})
    density_min_share: float = 0.0  # cells under this x the uniform share never drawn


@dataclass
class ModelConfig:
    preset: str = "default"
    num_points: int = 4096
    encoder: EncoderConfig = field(default_factory=EncoderConfig)
    denoiser: DenoiserConfig = field(default_factory=DenoiserConfig)
    diffusion: DiffusionConfig = field(default_factory=DiffusionConfig)
    z_ranges: dict[str, tuple[float, float]] = field(default_factory=lambda: dict(Z_RANGES))
    clip_weight: float = 0.1  # contrastive drawing <-> shape loss weight
    dense_weight: float = 0.5  # dense-head (semantic, heights, material) loss weight
    density_weight: float = 0.5  # plan-density head (where the points are anchored) loss weight

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    def use_clip_tower(self, path: str | Path, quick_gelu: bool = False) -> ModelConfig:
        """This config (changed in place) with a user's CLIP tower file on its encoder, by
        absolute path: the saved config must find it from any working directory."""
        self.encoder.clip_tower = str(Path(path).resolve())
        self.encoder.clip_tower_quick_gelu = quick_gelu
        return self

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> ModelConfig:
        sub = {"encoder": EncoderConfig, "denoiser": DenoiserConfig, "diffusion": DiffusionConfig}
        kw: dict[str, Any] = {}
        for f in fields(cls):
            if f.name not in d:
                continue
            v = d[f.name]
            if f.name in sub:
                v = sub[f.name](**v)
            elif f.name == "z_ranges":
                v = {k: tuple(r) for k, r in v.items()}
            kw[f.name] = v
        return cls(**kw)


def _tiny() -> ModelConfig:
    enc = EncoderConfig(
        image_size=128,
        embed_dim=32,
        depth=1,
        num_heads=2,
        stem_channels=8,
        feat_dim=16,
        global_dim=32,
    )
    den = DenoiserConfig(
        width=32,
        coarse_width=32,
        coarse_points=32,
        knn=8,
        knn_points=256,
        attn_layers=1,
        attn_heads=2,
        time_dim=32,
        fourier_bands=4,
        patch_size=3,
        fine_patch_size=3,
        fine_image_size=256,
        feat_dim=16,
        global_dim=32,
    )
    return ModelConfig(preset="tiny", num_points=256, encoder=enc, denoiser=den)


def _large() -> ModelConfig:
    """For a GPU: a wider ViT and denoiser, more points per drawing."""
    enc = EncoderConfig(embed_dim=384, depth=8, num_heads=6, stem_channels=64, feat_dim=128)
    den = DenoiserConfig(
        width=128, coarse_width=256, coarse_points=256, attn_layers=4, blocks_in=2, blocks_out=2,
        feat_dim=128, fine_patch_size=9, fine_image_size=1024,
    )  # fmt: skip
    return ModelConfig(preset="large", num_points=8192, encoder=enc, denoiser=den)


def _default() -> ModelConfig:
    return ModelConfig(denoiser=DenoiserConfig(fine_patch_size=9))


PRESETS = {"tiny": _tiny, "default": _default, "large": _large}


def get_config(preset: str = "default", **overrides: Any) -> ModelConfig:
    """A fresh config for preset `tiny`, `default` or `large`; top-level fields may be
    overridden."""
    if preset not in PRESETS:
        raise ValueError(f"unknown preset {preset!r}; use one of {', '.join(PRESETS)}")
    cfg = PRESETS[preset]()
    for k, v in overrides.items():
        setattr(cfg, k, v)
    return cfg
