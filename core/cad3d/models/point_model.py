"""A ready-to-sample point-cloud model: network + diffusion process + the drawing's frame.

Takes drawings in, returns points in meters in drawing coordinates. The seed API
(`cad3d.diffusion_3d_model`) and the diffusion converter are thin faces over this.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, NamedTuple

import cv2
import numpy as np
import torch

from ..classes import class_id, domain_classes
from ..diffusion import GaussianDiffusion, ModelMeanType, get_named_beta_schedule
from ..errors import InputNotFound, UsageError
from .anchors import to_points
from .config import Z_RELATIVE, ModelConfig
from .device import resolve_device
from .frame import Frame, grey, letterbox, make_frame
from .fusion import Condition, sample_map
from .linework import snap_to_linework
from .network import PointDiffusionNet

DEFAULT_SCALE = 0.02  # m/px assumed for a bare image given without its scale
DEFAULT_DOMAIN = "floorplan"
WEIGHTS_DIR = Path(__file__).resolve().parent.parent / "weights"
SAMPLERS = ("ddpm", "ddim", "dpm")
SNAP_CELLS = 0.6
# measured (benchmarks/bench_anchoring.py): floor plans 0.62 -> 0.92 of points within 5 cm,
# parts 0.40 -> 0.47 within 0.5 mm; sites' area classes are not faces (not snapped)
SNAP_DOMAINS = ("floorplan", "part")
FLOOR_BAND = 0.015  # points this share of the height range above its bottom are not snapped
# DESIGN.md: a floor plan's floor and a part's underside are z = 0, the frame's bottom; points in
# the floor band are put on it (measured: benchmarks/bench_anchoring.py)
DATUM_DOMAINS = ("floorplan", "part")


class DrawingItem(NamedTuple):
    """One drawing as the model reads it."""

    image: np.ndarray  # (H, W) uint8, or (H, W, 3)
    scale: float  # m/px
    domain: str
    z_base: float  # m, see _as_item


def _as_item(c: Any) -> DrawingItem:
    """A Drawing, dict, array or image path as a DrawingItem (an item passes through).

    z_base: the elevation of the lowest ground for domains in config.Z_RELATIVE (landscape),
    from the dict's "z_base" or the Drawing's notes["z_base"]; default 0."""
    if isinstance(c, DrawingItem):
        return c
    if hasattr(c, "image") and hasattr(c, "scale"):  # converters.base.Drawing
        base = float(getattr(c, "notes", {}).get("z_base", 0.0))
        return DrawingItem(np.asarray(c.image), float(c.scale), c.kind or DEFAULT_DOMAIN, base)
    if isinstance(c, dict):
        return DrawingItem(
            np.asarray(c["image"]),
            float(c.get("scale", DEFAULT_SCALE)),
            c.get("domain") or DEFAULT_DOMAIN,
            float(c.get("z_base", 0.0)),
        )
    if isinstance(c, (str, Path)):
        img = cv2.imread(str(c), cv2.IMREAD_GRAYSCALE)
        if img is None:
            raise InputNotFound(f"cannot read image {c}")
        return DrawingItem(img, DEFAULT_SCALE, DEFAULT_DOMAIN, 0.0)
    if isinstance(c, np.ndarray):
        return DrawingItem(c, DEFAULT_SCALE, DEFAULT_DOMAIN, 0.0)
    raise UsageError(f"cannot use a {type(c).__name__} as a drawing condition")


def _as_items(condition: Any) -> list[DrawingItem]:
    """A condition (one drawing or a list, one per sample) as DrawingItems."""
    many = isinstance(condition, (list, tuple)) and not isinstance(condition, DrawingItem)
    return [_as_item(c) for c in (condition if many else [condition])]


def _domains(items: list[DrawingItem] | None, batch: int) -> list[str] | None:
    """The domain of each sample's drawing (None for a blank or letterboxed-tensor condition)."""
    if items is None:
        return None
    domains = [it.domain for it in items]
    return domains * batch if len(domains) == 1 else domains


class PointModel:
    """net + process on one device. `.diffusion` is the seed API's sampler face."""

    def __init__(
        self,
        cfg: ModelConfig,
        device: str | torch.device = "cpu",
        net: PointDiffusionNet | None = None,
    ):
        self.cfg = cfg
        self.device = resolve_device(device)
        self.net = (net or PointDiffusionNet(cfg)).to(self.device).eval()
        d = cfg.diffusion
        self.process = GaussianDiffusion(
            get_named_beta_schedule(d.schedule, d.timesteps), ModelMeanType(d.mean_type)
        )
        self.diffusion = BoundSampler(self)
        self.density_temperature = cfg.diffusion.density_temperature  # see DiffusionConfig
        self.domain_temperature = dict(cfg.diffusion.density_temperature_by_domain)
        self.density_min_share = cfg.diffusion.density_min_share
        # plan consistency (models.linework): drawn faces snap to ink edges within this many
        # density cells (0: off); measured by benchmarks/bench_anchoring.py
        self.snap_cells = SNAP_CELLS
        self.card: dict[str, Any] = {}

    @property
    def num_points(self) -> int:
        return self.cfg.num_points

    # inputs --------------------------------------------------------------------------------------
    def prepare(self, condition: Any, batch: int) -> tuple[torch.Tensor, list[Frame]]:
        """Drawing(s) -> image tensor (batch, 1, S, S) and one Frame per sample.

        `condition`: a Drawing, {"image", "scale", "domain"}, an (H, W) uint8 array, an image
        path, a list of those (one per sample), or an already letterboxed (B, 1, S, S) ink tensor
        (frames then assume DEFAULT_SCALE on the S x S image)."""
        size = self.cfg.encoder.input_size or self.cfg.encoder.image_size
        zr = self.cfg.z_ranges
        if torch.is_tensor(condition):
            img = condition.to(self.device, torch.float32)
            if img.ndim == 3:
                img = img.unsqueeze(1)
            frames = [make_frame(img.shape[-2:], DEFAULT_SCALE, zr[DEFAULT_DOMAIN])] * img.shape[0]
        else:
            arrays, frames = [], []
            for image, scale, domain, base in _as_items(condition):
                if domain not in zr:
                    raise UsageError(f"unknown domain {domain!r}; use one of {', '.join(zr)}")
                arrays.append(letterbox(image, size))
                z0, z1 = zr[domain]
                base = base if domain in Z_RELATIVE else 0.0
                frames.append(make_frame(image.shape[:2], scale, (base + z0, base + z1)))
            img = torch.from_numpy(np.stack(arrays)).unsqueeze(1).to(self.device)
        if img.shape[0] == 1 and batch > 1:
            img, frames = img.expand(batch, -1, -1, -1), frames * batch
        if img.shape[0] != batch:
            raise UsageError(f"{img.shape[0]} drawings given for a batch of {batch}")
        return img, frames

    def fine_image(self, condition: Any, img: torch.Tensor) -> torch.Tensor | None:
        """The drawing(s) on the denoiser's finer letterbox (DenoiserConfig.fine_*), read from
        the original pixels; None when the model has no fine-ink path. A letterboxed tensor
        condition has no finer pixels: it is upsampled."""
        den = self.cfg.denoiser
        if not den.fine_patch_size:
            return None
        size = den.fine_image_size
        if condition is None or torch.is_tensor(condition):
            return torch.nn.functional.interpolate(img, size=(size, size), mode="bilinear")
        fine = np.stack([letterbox(it.image, size) for it in _as_items(condition)])
        out = torch.from_numpy(fine).unsqueeze(1).to(self.device)
        return out.expand(img.shape[0], -1, -1, -1) if out.shape[0] == 1 else out

    def to_meters(self, x: torch.Tensor, frames: Sequence[Frame]) -> torch.Tensor:
        """(B, N, 3) normalised -> (B, N, 3) float32 meters (per-sample frames), x and y kept
        on the sheet (the plan observes them: nothing is generated off the drawing) and z in the
        frame's height range (the range the training points were normalised to)."""
        out = []
        for f, p in zip(frames, x, strict=True):
            m = f.denormalize(p.detach().cpu().numpy())
            np.clip(m[:, 2], f.z_min, f.z_max, out=m[:, 2])
            if f.width > 0 and f.height > 0:
                np.clip(m[:, 0], 0.0, f.width, out=m[:, 0])
                np.clip(m[:, 1], 0.0, f.height, out=m[:, 1])
            out.append(torch.from_numpy(m))
        return torch.stack(out)

    # sampling ------------------------------------------------------------------------------------
    @torch.no_grad()
    def sample(
        self,
        shape: tuple[int, int, int],
        condition: Any = None,
        sampler: str = "ddim",
        steps: int = 50,
        eta: float = 0.0,
        guidance_scale: float = 1.0,
        seed: int | None = None,
        progress: bool = False,
        callback: Callable[[int, torch.Tensor, torch.Tensor], None] | None = None,
        with_labels: bool = False,
    ) -> torch.Tensor | tuple[torch.Tensor, torch.Tensor]:
        """(B, N, 3) float32 points in meters for `condition` (None: unconditional).

        sampler: "ddpm" (all T steps), "ddim" (`steps`, `eta`) or "dpm" (DPM-Solver++(2M)).
        callback(i, x_t, x0_pred) receives meters (the live preview).
        with_labels: also return (B, N) int64 class ids (`label_points`)."""
        if sampler not in SAMPLERS:
            raise UsageError(f"unknown sampler {sampler!r}; use one of {', '.join(SAMPLERS)}")
        b, n = shape[0], shape[1]
        net = self.net.eval()
        g = torch.Generator(device=self.device).manual_seed(seed) if seed is not None else None
        g_anchors = torch.Generator().manual_seed(seed) if seed is not None else None
        if condition is not None and not torch.is_tensor(condition):
            condition = _as_items(condition)  # every drawing read once (a path is decoded)
        items = None if condition is None or torch.is_tensor(condition) else condition
        domains = _domains(items, b)
        if condition is None:  # anchors from a blank sheet's density, the null condition
            size = self.cfg.encoder.input_size or self.cfg.encoder.image_size
            img, frames = self.prepare(torch.zeros(1, 1, size, size), b)
            fine = self.fine_image(None, img[:1])
            cond = net.null_condition(net.condition(img[:1], n, g_anchors, fine=fine)).repeat(b)
        else:
            img, frames = self.prepare(condition, b)
            boxes = torch.tensor([f.box() for f in frames])
            fine = self.fine_image(condition, img)
            temperature = self._temperature(domains, img.device)
            cond = net.condition(
                img, n, g_anchors, boxes, temperature, fine, self.density_min_share
            )
        null = net.null_condition(cond) if guidance_scale != 1.0 else None
        cond = net.denoiser.precompute(cond)  # what depends on the anchors only: once
        null = net.denoiser.precompute(null) if null is not None else None
        grid = cond.grid

        def meters(x: torch.Tensor) -> torch.Tensor:
            return self.to_meters(to_points(x, cond.anchors, grid), frames)

        cb = None
        if callback is not None:
            cb = lambda i, x, x0: callback(i, meters(x), meters(x0))  # noqa: E731
        kw = dict(
            device=self.device,
            generator=g,
            progress=progress,
            callback=cb,
            guidance_scale=guidance_scale,
            null_cond=null,
            clip_x0=self.cfg.diffusion.clip_x0,
        )
        shape = tuple(shape)
        if sampler == "ddpm":
            x = self.process.p_sample_loop(net, shape, cond, **kw)
        elif sampler == "ddim":
            x = self.process.ddim_sample(net, shape, cond, steps=steps, eta=eta, **kw)
        else:
            x = self.process.dpm_solver_sample(net, shape, cond, steps=steps, **kw)
        points = to_points(x, cond.anchors, grid)
        labels = (
            self.label_points(cond, points, domains) if with_labels or self.snap_cells else None
        )
        out = self.to_meters(points, frames)
        if self.snap_cells and items is not None:
            out = self.snap(out, labels, items, frames, grid)
        return (out, labels) if with_labels else out

    def _temperature(self, domains: list[str] | None, device) -> float | torch.Tensor:
        """The density's softmax temperature: per sample (B, 1, 1) by its domain
        (`domain_temperature`, else `density_temperature`); the default when no domain is known
        (a blank or letterboxed-tensor condition)."""
        if domains is None:
            return self.density_temperature
        t = [self.domain_temperature.get(d, self.density_temperature) for d in domains]
        return torch.tensor(t, device=device).view(-1, 1, 1)

    def snap(
        self, points: torch.Tensor, labels: torch.Tensor, condition: Any, frames, grid: int
    ) -> torch.Tensor:
        """Plan consistency (models.linework): each drawing's faces onto its own ink edges,
        within `snap_cells` density cells, for the domains in SNAP_DOMAINS; floor-band points
        onto the datum z = 0 for the domains in DATUM_DOMAINS."""
        items = _as_items(condition)
        items = items * len(frames) if len(items) == 1 else items
        out = []
        for p, lab, (image, scale, domain, _), f in zip(points, labels, items, frames, strict=True):
            floor = f.z_min + FLOOR_BAND * (f.z_max - f.z_min)
            p = p.clone()
            if domain in DATUM_DOMAINS:
                p[p[:, 2] <= floor, 2] = f.z_min
            if domain in SNAP_DOMAINS:
                radius = self.snap_cells * 2 * f.half / grid
                fills = domain == "floorplan"  # poche walls; a part's heavy lines are pens
                p = torch.from_numpy(
                    snap_to_linework(
                        p.numpy(), lab.numpy(), grey(image), scale, radius, floor=floor, fills=fills
                    )
                )
            out.append(p)
        return torch.stack(out)

    @torch.no_grad()
    def label_points(
        self, cond: Condition, x: torch.Tensor, domains: Sequence[str] | None = None
    ) -> torch.Tensor:
        """x: (B, N, 3) normalised points -> (B, N) int64 class ids: the encoder's dense
        semantic head read at each point's (x, y) (bilinear on the logits, then argmax).

        A plan is orthographic, so the pixel under a point says what it belongs to; points
        off the drawing read zero logits (ties resolve to BACKGROUND, id 0). But a 4 px cell
        is wider than a wall, so the head says FLOOR or BACKGROUND for many points of a wall's
        face. With `domains` (one per sample) a generated point takes one of its domain's
        classes (it is on a surface, not background), and a floor lies at the bottom of the
        height range: points above FLOOR_BAND are never FLOOR."""
        logits = self.net.encoder.dense(cond.fmap)["semantic"]  # (B, C, h, w)
        per_point = sample_map(logits, x[..., :2].to(logits))  # (B, N, C)
        if domains is not None:
            allowed = torch.zeros(per_point.shape[0], 1, per_point.shape[-1], dtype=torch.bool)
            for i, d in enumerate(domains):
                allowed[i, 0, [class_id(c) for c in domain_classes(d)]] = True
            per_point = per_point.masked_fill(~allowed.to(per_point.device), float("-inf"))
            raised = x[..., 2].to(logits) > -1 + 2 * FLOOR_BAND
            floor = per_point[..., class_id("FLOOR")]
            per_point[..., class_id("FLOOR")] = floor.masked_fill(raised, float("-inf"))
        return per_point.argmax(-1).cpu()

    # weights -------------------------------------------------------------------------------------
    def save(self, path: str | Path, card: dict[str, Any] | None = None) -> Path:
        """Write the network's weights (safetensors) and a model card JSON beside it."""
        from ..training.checkpoint import save_tensors, sha256, write_json

        path = Path(path)
        save_tensors(path, self.net.state_dict(), {"config": self.cfg.to_json()})
        card = dict(card or {}, config=self.cfg.to_json(), weights=path.name, sha256=sha256(path))
        write_json(path.with_suffix(".json"), card)
        return path


def load_point_model(
    path: str | Path, device: str | torch.device = "cpu", grow_to: ModelConfig | None = None
) -> PointModel:
    """A PointModel from a weights file written by `PointModel.save` (config in its header).

    grow_to: a config whose fine-ink path or CLIP tower (EncoderConfig.clip_tower) the weights
    lack; it is added (zero-initialised, so the loaded model samples as before) for
    fine-tuning to learn it."""
    from ..training.checkpoint import load_module, load_tensors, read_json

    tensors, meta = load_tensors(path)
    if "config" not in meta:
        from ..errors import ModelError

        raise ModelError(f"{path} holds no cad3d model config")
    cfg = ModelConfig.from_json(meta["config"])
    new: tuple[str, ...] = ()
    if (
        grow_to is not None
        and grow_to.denoiser.fine_patch_size
        and not cfg.denoiser.fine_patch_size
    ):
        for f in ("fine_patch_size", "fine_patch_step", "fine_image_size"):
            setattr(cfg.denoiser, f, getattr(grow_to.denoiser, f))
        new = ("denoiser.inp_fine.",)
    if grow_to is not None and grow_to.encoder.clip_tower and not cfg.encoder.clip_tower:
        cfg.encoder.clip_tower = grow_to.encoder.clip_tower
        cfg.encoder.clip_tower_quick_gelu = grow_to.encoder.clip_tower_quick_gelu
        new += ("tower_proj.",)
    model = PointModel(cfg, device)
    load_module(model.net, tensors, source=f"weights {Path(path).name}", new=new)
    card_path = Path(path).with_suffix(".json")
    model.card = read_json(card_path) if card_path.is_file() else {}
    return model


def shipped_weights(preset: str) -> Path | None:
    """The weights shipped for `preset` in cad3d/weights/, if any."""
    p = WEIGHTS_DIR / f"{preset}.safetensors"
    return p if p.is_file() else None


class BoundSampler:
    """The seed API's `.diffusion`: samplers with the network bound in, returning meters."""

    def __init__(self, model: PointModel):
        self._m = model

    def _check_device(self, device: Any) -> None:
        if device is not None:
            dev = resolve_device(device)
            if dev != self._m.device:
                warnings.warn(
                    f"model lives on {self._m.device}; ignoring device={device}",
                    RuntimeWarning,
                    stacklevel=3,
                )

    def p_sample_loop(
        self, shape, condition=None, device=None, progress=False, **kw
    ) -> torch.Tensor:
        """Ancestral DDPM over all T steps -> (B, N, 3) meters."""
        self._check_device(device)
        return self._m.sample(tuple(shape), condition, sampler="ddpm", progress=progress, **kw)

    def ddim_sample(
        self, shape, condition=None, steps=50, eta=0.0, device=None, progress=False, **kw
    ) -> torch.Tensor:
        """DDIM with `steps` and `eta` (0 deterministic) -> (B, N, 3) meters."""
        self._check_device(device)
        return self._m.sample(
            tuple(shape), condition, sampler="ddim", steps=steps, eta=eta, progress=progress, **kw
        )

    def dpm_solver_sample(
        self, shape, condition=None, steps=20, device=None, progress=False, **kw
    ) -> torch.Tensor:
        """DPM-Solver++(2M) with `steps` model calls -> (B, N, 3) meters."""
        self._check_device(device)
        return self._m.sample(
            tuple(shape), condition, sampler="dpm", steps=steps, progress=progress, **kw
        )
