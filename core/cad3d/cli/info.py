"""What `cad3d info` reports: enough for a bug report."""

from __future__ import annotations

import importlib.util
import platform
import sys
from pathlib import Path


def _version(module: str) -> str:
    if importlib.util.find_spec(module) is None:
        return "not installed"
    try:
        return getattr(__import__(module), "__version__", "installed")
    except Exception as exc:  # a broken install is worth reporting, not crashing on
        return f"broken ({type(exc).__name__})"


def collect_info() -> dict[str, str]:
    """Versions, devices, methods and shipped weights, as strings."""
    from .. import __version__
    from ..converters.registry import available_methods

    info = {
        "cad3d": f"{__version__} ({Path(__file__).resolve().parents[1]})",
        "python": f"{sys.version.split()[0]} on {platform.system()} {platform.machine()}",
    }
    for module in ("numpy", "cv2", "ezdxf", "shapely", "trimesh", "manifold3d", "torch", "timm"):
        info[module] = _version(module)
    if importlib.util.find_spec("torch") is not None:
        import torch

        info["device"] = (
            f"cuda ({torch.cuda.get_device_name(0)})" if torch.cuda.is_available() else "cpu"
        )
    weights = sorted(
        p.name for p in (Path(__file__).resolve().parents[1] / "weights").glob("*.safetensors")
    )
    info["weights"] = ", ".join(weights) or "none shipped yet"
    info["methods"] = ", ".join(available_methods())
    return info
