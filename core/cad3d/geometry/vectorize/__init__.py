"""Vectorisers: a drawing image to a `Plan` (classed 2D geometry with default heights).

One module per domain; each exposes `vectorize_<domain>(image, scale, notes) -> Plan` where
image is (H, W) uint8 grey with dark ink, scale is meters per pixel.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ...plan import Plan


def vectorize(
    image: np.ndarray, scale: float, domain: str, notes: dict[str, Any] | None = None
) -> Plan:
    """Dispatch to the domain's vectoriser."""
    notes = notes or {}
    if domain == "floorplan":
        from .floorplan import vectorize_floorplan

        return vectorize_floorplan(image, scale, notes)
    if domain == "part":
        from .part import vectorize_part

        return vectorize_part(image, scale, notes)
    if domain == "landscape":
        from .landscape import vectorize_landscape

        return vectorize_landscape(image, scale, notes)
    raise ValueError(f"unknown domain {domain!r}")
