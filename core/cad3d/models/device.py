"""Pick the torch device: `cuda` where a GPU exists, CPU with one warning where none does."""

from __future__ import annotations

import warnings

import torch


def resolve_device(device: str | torch.device | None = "cpu") -> torch.device:
    """torch.device for `device` ("cpu", "cuda", "cuda:1", "mps", None = cpu); an unavailable
    accelerator falls back to CPU with a RuntimeWarning."""
    dev = torch.device(device or "cpu")
    if dev.type == "cuda" and not torch.cuda.is_available():
        warnings.warn(
            "CUDA is not available here; running on the CPU", RuntimeWarning, stacklevel=3
        )
        return torch.device("cpu")
    if dev.type == "mps" and not (
        getattr(torch.backends, "mps", None) and torch.backends.mps.is_available()
    ):
        warnings.warn("MPS is not available here; running on the CPU", RuntimeWarning, stacklevel=3)
        return torch.device("cpu")
    return dev
