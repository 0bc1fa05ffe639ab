"""Seed API for training: synthetic data, the dataset, the trainer.

    >>> create_synthetic_training_data("data/synth", 2000)
    >>> model = create_diffusion_model(preset="default", weights="none")
    >>> trainer = DiffusionTrainer(model, device="cpu", learning_rate=3e-4, out_dir="runs/a")
    >>> trainer.train(CAD2D3DDataset("data/synth", 256, 4096, augment=True), None, epochs=10, batch_size=8)

A thin face over `cad3d.training` (loop, data, checkpoint) and `cad3d.data.synth`.
"""

from __future__ import annotations

from pathlib import Path

from .training.data import CAD2D3DDataset, augment_sample
from .training.loop import DiffusionTrainer

__all__ = ["CAD2D3DDataset", "DiffusionTrainer", "augment_sample", "create_synthetic_training_data"]


def create_synthetic_training_data(
    output_dir: str | Path,
    num_samples: int,
    domain: str = "all",
    seed: int = 0,
    degraded_fraction: float = 0.0,
    progress: bool = True,
) -> list[str]:
    """Generate `num_samples` synthetic drawings with exact 3D ground truth into `output_dir`
    (DESIGN.md's data layout); returns the sample names. Training seeds stay below 1_000_000."""
    from .data.synth import create_dataset

    return create_dataset(
        Path(output_dir),
        num_samples,
        domain=domain,
        seed=seed,
        degraded_fraction=degraded_fraction,
        progress=progress,
    )
