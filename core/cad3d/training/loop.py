"""The training loop for the point diffusion model, readable top to bottom.

Per step: encode the drawings once, drop the condition for `cond_drop` of the samples
(classifier-free guidance), diffusion loss at uniform random timesteps, plus the auxiliary
losses that shape the encoder (CLIP-style drawing <-> shape InfoNCE; dense semantic / height /
material heads where the sample has maps). AdamW, gradient clipping, cosine LR with linear
warm-up, EMA weights. Checkpoints every `save_every` steps (atomic; resume loses at most one
interval), validation each epoch, best EMA weights by validation loss, a loss-curve PNG.
"""

from __future__ import annotations

import math
import time
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch.utils.data import DataLoader, Dataset

from ..models.point_model import PointModel
from . import checkpoint as ck
from .ema import EMA
from .objective import Objective
from .plot import plot_losses


class DiffusionTrainer:
    """Trains `model.net` (a PointModel's network) on CAD2D3DDataset-like datasets."""

    def __init__(
        self,
        model: PointModel,
        device: str | torch.device | None = None,
        learning_rate: float = 3e-4,
        out_dir: str | Path | None = None,
        warmup_steps: int = 200,
        ema_decay: float = 0.999,
        grad_clip: float = 1.0,
        weight_decay: float = 0.01,
        min_lr_ratio: float = 0.05,
        seed: int = 0,
        progress: bool = True,
        resolutions: tuple[tuple[float, int], ...] = (),
        aux_boost: float = 4.0,
        aux_warm: float = 0.2,
    ):
        from ..models.device import resolve_device

        self.model = model
        self.device = resolve_device(device) if device is not None else model.device
        model.device = self.device
        self.net = model.net.to(self.device)
        self.cfg = model.cfg
        self.lr = learning_rate
        self.warmup_steps = warmup_steps
        self.grad_clip = grad_clip
        self.min_lr_ratio = min_lr_ratio
        self.seed = seed
        self.progress = progress
        self.resolutions = tuple(sorted(resolutions))
        self.aux_boost = aux_boost
        self.aux_warm = aux_warm
        self.out_dir = Path(out_dir) if out_dir is not None else None
        self.opt = torch.optim.AdamW(
            self.net.parameters(), lr=learning_rate, weight_decay=weight_decay
        )
        self.ema = EMA(self.net, ema_decay)
        self.step = 0
        self.epoch = 0
        self.batch_in_epoch = 0
        self.total_steps: int | None = None
        self.loss_history: list[float] = []  # training loss per step
        self.val_history: list[tuple[int, float]] = []  # (step, validation loss)
        self.best_val = math.inf
        self.train_seconds = 0.0  # wall time spent in train steps, across resumes
        self.objective, self.rank, self.world = _wrap_distributed(
            Objective(self.net, model.process), self.device
        )
        self._gen = torch.Generator().manual_seed(seed + self.rank)  # each rank its own noise

    # schedule ------------------------------------------------------------------------------------
    def lr_at(self, step: int) -> float:
        """Linear warm-up to `learning_rate`, then cosine decay to min_lr_ratio of it."""
        if step < self.warmup_steps:
            return self.lr * (step + 1) / self.warmup_steps
        total = max(self.total_steps or step + 1, self.warmup_steps + 1)
        p = min(1.0, (step - self.warmup_steps) / max(1, total - self.warmup_steps))
        return self.lr * (
            self.min_lr_ratio + (1 - self.min_lr_ratio) * 0.5 * (1 + math.cos(math.pi * p))
        )

    def image_size_at(self, step: int) -> int | None:
        """Progressive resolution: the size of the last stage (start fraction, size) begun by
        `step` (None without stages). Coarse first: early steps are cheap and learn layout;
        the fine stage learns where faces are within centimetres."""
        total = max(self.total_steps or 1, 1)
        size = None
        for start, s in self.resolutions:
            if step >= start * total:
                size = s
        return size

    def aux_scale_at(self, step: int) -> float:
        """Loss scheduling: the encoder's losses (density, dense heads, CLIP) weigh `aux_boost`
        times more at step 0, falling linearly to 1x at `aux_warm` of training. Denoising needs
        an encoder that already reads the drawing (where the walls are, how high); those
        losses have direct per-pixel targets and learn fast, so they lead, then give way."""
        total = max(self.total_steps or 1, 1)
        ramp = max(0.0, 1.0 - step / max(self.aux_warm * total, 1.0))
        return 1.0 + (self.aux_boost - 1.0) * ramp

    def _set_stage(self, datasets: tuple[Dataset | None, ...]) -> None:
        """Apply the progressive-resolution stage of the current step to data and model."""
        size = self.image_size_at(self.step)
        if size is None or size == self.cfg.encoder.input_size:
            return
        if self.cfg.encoder.input_size is not None:
            self.best_val = math.inf  # validation losses of another resolution don't compare
        self.cfg.encoder.input_size = size
        for ds in datasets:
            if ds is not None and hasattr(ds, "image_size"):
                ds.image_size = size

    # one step ------------------------------------------------------------------------------------
    def losses(
        self,
        batch: dict[str, Any],
        generator: torch.Generator | None = None,
        drop: bool = True,
        aux_scale: float = 1.0,
    ) -> dict[str, torch.Tensor]:
        """All losses of one batch (scalars): diffusion, density, clip, dense and their weighted
        total (encoder losses times `aux_scale`). Timesteps, noise, anchor jitter and the
        dropout mask come from `generator` (default: the trainer's)."""
        g = generator or self._gen
        x0 = batch["points"]
        b = x0.shape[0]
        mask = torch.rand(b, generator=g) < self.cfg.diffusion.cond_drop
        if not drop:
            mask[:] = False
        t = torch.randint(0, self.model.process.num_timesteps, (b,), generator=g)
        noise = torch.randn(x0.shape, generator=g)
        u = torch.rand(*x0.shape[:2], 2, generator=g)
        dev = self.device
        return self.objective(
            batch, t.to(dev), noise.to(dev), mask.to(dev), u.to(dev), aux_scale=aux_scale
        )

    def train_step(self, batch: dict[str, Any]) -> dict[str, float]:
        t0 = time.perf_counter()
        self.net.train()
        for group in self.opt.param_groups:
            group["lr"] = self.lr_at(self.step)
        with torch.autocast(
            device_type="cuda", dtype=torch.bfloat16, enabled=self.device.type == "cuda"
        ):
            out = self.losses(batch, aux_scale=self.aux_scale_at(self.step))
        self.opt.zero_grad(set_to_none=True)
        out["loss"].backward()
        gnorm = torch.nn.utils.clip_grad_norm_(self.net.parameters(), self.grad_clip)
        self.opt.step()
        self.ema.update(self.net)
        self.step += 1
        self.loss_history.append(out["loss"].item())
        self.train_seconds += time.perf_counter() - t0
        return {k: v.item() for k, v in out.items()} | {"grad_norm": gnorm.item()}

    @torch.no_grad()
    def evaluate(self, dataset: Dataset, batch_size: int = 8, use_ema: bool = True) -> float:
        """Mean validation loss with fixed timesteps and noise (comparable across calls)."""
        backup = {k: v.clone() for k, v in self.net.state_dict().items()} if use_ema else None
        if use_ema:
            self.ema.copy_to(self.net)
        self.net.eval()
        g = torch.Generator().manual_seed(12345)
        total, n = 0.0, 0
        for batch in DataLoader(dataset, batch_size=batch_size, shuffle=False):
            b = batch["points"].shape[0]
            total += float(self.losses(batch, generator=g, drop=False)["loss"]) * b
            n += b
        if backup is not None:
            self.net.load_state_dict(backup)
        return total / max(n, 1)

    # the loop ------------------------------------------------------------------------------------
    def train(
        self,
        train_dataset: Dataset,
        val_dataset: Dataset | None = None,
        epochs: int = 1,
        batch_size: int = 8,
        save_every: int = 500,
        max_steps: int | None = None,
        num_workers: int = 0,
    ) -> list[float]:
        """Train for `epochs` (continuing from a loaded checkpoint); save every `save_every`
        steps and at each epoch end when `out_dir` is set. Returns `loss_history`."""
        if self.writes:
            self.out_dir.mkdir(parents=True, exist_ok=True)
        n = len(train_dataset)
        per_epoch = max(1, n // (batch_size * self.world))  # steps per epoch, every rank
        self.total_steps = max_steps or epochs * per_epoch
        bar = None
        if self.progress and self.rank == 0:
            from tqdm.auto import tqdm

            bar = tqdm(total=self.total_steps, initial=self.step, desc="train", dynamic_ncols=True)
        while self.epoch < epochs and self.step < self.total_steps:
            self._set_stage((train_dataset, val_dataset))
            order = np.random.default_rng([self.seed, self.epoch]).permutation(n)
            order = order[: per_epoch * batch_size * self.world][self.rank :: self.world]
            if hasattr(train_dataset, "epoch"):
                train_dataset.epoch = self.epoch
            loader = DataLoader(
                train_dataset,
                batch_size=batch_size,
                sampler=order[self.batch_in_epoch * batch_size :].tolist(),
                num_workers=num_workers,
                drop_last=True,
            )
            for batch in loader:
                info = self.train_step(batch)
                self.batch_in_epoch += 1
                if bar is not None:
                    bar.update(1)
                    bar.set_postfix(loss=f"{info['loss']:.4f}", lr=f"{self.lr_at(self.step):.2e}")
                if self.writes and save_every and self.step % save_every == 0:
                    self.save_checkpoint()
                if self.step >= self.total_steps:
                    break
            if self.batch_in_epoch >= per_epoch:
                self.epoch, self.batch_in_epoch = self.epoch + 1, 0
            if val_dataset is not None and len(val_dataset):
                val = self.evaluate(val_dataset, batch_size)
                self.val_history.append((self.step, val))
                if val < self.best_val:
                    self.best_val = val
                    if self.writes:
                        self.export(
                            self.out_dir / "best.safetensors", {"val_loss": val, "step": self.step}
                        )
            if self.writes:
                self.save_checkpoint()
        if bar is not None:
            bar.close()
        return self.loss_history

    @property
    def writes(self) -> bool:
        """Whether this process writes checkpoints (rank 0 with an out_dir)."""
        return self.out_dir is not None and self.rank == 0

    # persistence ---------------------------------------------------------------------------------
    def _state(self) -> dict[str, Any]:
        return {
            "config": self.cfg.to_json(),
            "epoch": self.epoch,
            "batch_in_epoch": self.batch_in_epoch,
            "total_steps": self.total_steps,
            "loss_history": self.loss_history,
            "val_history": self.val_history,
            "best_val": self.best_val if math.isfinite(self.best_val) else None,
            "ema_updates": self.ema.num_updates,
            "train_seconds": self.train_seconds,
            "trainer": {
                "learning_rate": self.lr,
                "warmup_steps": self.warmup_steps,
                "seed": self.seed,
            },
        }

    def save_checkpoint(self, folder: str | Path | None = None) -> Path:
        """Atomic, resumable checkpoint in `folder` (default out_dir); also the loss curve PNG."""
        folder = Path(folder or self.out_dir)
        tensors = {f"model.{k}": v for k, v in self.net.state_dict().items()}
        tensors |= {f"ema.{k}": v for k, v in self.ema.state_tensors().items()}
        opt_tensors, opt_info = ck.optimizer_to_flat(self.opt)
        tensors |= opt_tensors
        # the torch generator state, so resumed runs draw the same timesteps and noise
        tensors["rng.torch"] = self._gen.get_state()
        path = ck.save_training_checkpoint(
            folder, self.step, tensors, self._state() | {"optim": opt_info}
        )
        if self.loss_history:
            plot_losses(folder / "loss.png", self.loss_history, self.val_history)
        return path

    def load_checkpoint(self, path: str | Path) -> None:
        """Resume from a checkpoint folder or its last.json (weights, EMA, optimizer, counters)."""
        from ..errors import ModelError

        tensors, state = ck.load_training_checkpoint(path)
        model_t = {k[6:]: v for k, v in tensors.items() if k.startswith("model.")}
        ck.load_module(self.net, model_t, source=f"checkpoint {path}")
        ema_t = {k[4:]: v for k, v in tensors.items() if k.startswith("ema.")}
        if set(ema_t) != set(self.ema.shadow):
            raise ModelError(f"checkpoint {path} has EMA weights of another model")
        self.ema.load_tensors(ema_t, state["ema_updates"])
        ck.optimizer_from_flat(self.opt, tensors, state["optim"])
        if "rng.torch" in tensors:
            self._gen.set_state(tensors["rng.torch"])
        self.step = state["step"]
        self.epoch = state["epoch"]
        self.batch_in_epoch = state["batch_in_epoch"]
        self.total_steps = state["total_steps"]
        self.loss_history = list(state["loss_history"])
        self.val_history = [tuple(v) for v in state["val_history"]]
        self.best_val = state["best_val"] if state["best_val"] is not None else math.inf
        self.train_seconds = float(state.get("train_seconds", 0.0))

    def export(self, path: str | Path, card: dict[str, Any] | None = None) -> Path:
        """Write the EMA weights as shippable weights + model card (read by load_point_model)."""
        path = Path(path)
        ck.save_tensors(path, self.ema.state_tensors(), {"config": self.cfg.to_json()})
        card = dict(
            card or {},
            config=self.cfg.to_json(),
            weights=path.name,
            sha256=ck.sha256(path),
            train_steps=self.step,
        )
        ck.write_json(path.with_suffix(".json"), card)
        return path


def _wrap_distributed(objective: Objective, device: torch.device):
    """(objective, rank, world): wrapped in DistributedDataParallel when launched by torchrun
    (WORLD_SIZE > 1; gloo on CPU, NCCL on GPU), unchanged otherwise."""
    import os

    if int(os.environ.get("WORLD_SIZE", "1")) <= 1:
        return objective, 0, 1
    import torch.distributed as dist
    from torch.nn.parallel import DistributedDataParallel

    if not dist.is_initialized():
        dist.init_process_group("nccl" if device.type == "cuda" else "gloo")
    ids = [device.index or 0] if device.type == "cuda" else None
    # unused parameters: dense heads without maps, the CLIP head at batch 1, the null embedding
    ddp = DistributedDataParallel(objective, device_ids=ids, find_unused_parameters=True)
    return ddp, dist.get_rank(), dist.get_world_size()
