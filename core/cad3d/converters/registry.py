"""Converters by name: `create_converter("extrude")`. One factory, as timm's `create_model`."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ..errors import UsageError
from .base import Converter

METHODS = ("extrude", "vit", "diffusion", "hybrid")


def _extrude(**opts: Any) -> Converter:
    from .extrude import ExtrudeConverter

    return ExtrudeConverter(**opts)


def _diffusion(**opts: Any) -> Converter:
    from .diffusion import DiffusionConverter

    return DiffusionConverter(**opts)


def _vit(**opts: Any) -> Converter:
    from .vit import VitConverter

    return VitConverter(**opts)


def _hybrid(**opts: Any) -> Converter:
    from .hybrid import HybridConverter

    return HybridConverter(**opts)


def _learning_stack_present() -> bool:
    """torch and timm installed (checked without importing them: that takes seconds)."""
    import importlib.util

    return all(importlib.util.find_spec(m) is not None for m in ("torch", "timm"))


_FACTORIES: dict[str, Callable[..., Converter]] = {
    "extrude": _extrude,
    "vit": _vit,
    "diffusion": _diffusion,
    "hybrid": _hybrid,
}
_NEEDS_TORCH = {"diffusion", "vit", "hybrid"}


def register(name: str, factory: Callable[..., Converter]) -> None:
    """Make a converter available by name (the learned ones register as they land)."""
    _FACTORIES[name] = factory


def available_methods() -> list[str]:
    """Methods that can run here (learned ones need torch and their weights)."""
    torch_ok = _learning_stack_present()
    names = [m for m in METHODS if m in _FACTORIES] + [m for m in _FACTORIES if m not in METHODS]
    return [m for m in names if torch_ok or m not in _NEEDS_TORCH]


def create_converter(method: str = "extrude", **opts: Any) -> Converter:
    """Build the converter `method` with its options (steps, device, ...)."""
    if method not in available_methods():
        raise UsageError(
            f"method {method!r} is not available here; available: {', '.join(available_methods())}"
        )
    return _FACTORIES[method](**opts)
