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


_FACTORIES: dict[str, Callable[..., Converter]] = {"extrude": _extrude}


def register(name: str, factory: Callable[..., Converter]) -> None:
    """Make a converter available by name (the learned ones register as they land)."""
    _FACTORIES[name] = factory


def available_methods() -> list[str]:
    """Methods that can run here (learned ones need torch and their weights)."""
    return [m for m in METHODS if m in _FACTORIES]


def create_converter(method: str = "extrude", **opts: Any) -> Converter:
    """Build the converter `method` with its options (steps, device, ...)."""
    if method not in _FACTORIES:
        raise UsageError(
            f"method {method!r} is not available here; available: {', '.join(available_methods())}"
        )
    return _FACTORIES[method](**opts)
