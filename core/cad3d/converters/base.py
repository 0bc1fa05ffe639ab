"""What goes into a converter and what comes out."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np

from ..geometry.meshset import MeshSet, PointCloud
from ..plan import Plan

# progress(fraction in [0, 1], message); a converter may also pass a preview point cloud
ProgressFn = Callable[[float, str], None]


@dataclass
class Drawing:
    """A 2D drawing ready for conversion.

    image: (H, W) uint8 grey, dark ink on white. scale: meters per pixel; the pixel at column c,
    row r sits at x = c * scale, y = (H - r) * scale. kind: a domain name, or None for auto.
    vectors: exact geometry when the source is a vector drawing (a Sketch, a 2D DXF).
    """

    image: np.ndarray
    scale: float
    source: str = ""
    kind: str | None = None
    vectors: Plan | None = None
    notes: dict[str, Any] = field(default_factory=dict)

    @property
    def extent(self) -> tuple[float, float]:
        h, w = self.image.shape[:2]
        return (w * self.scale, h * self.scale)


@dataclass
class Conversion:
    """A converter's result: meshes (and the plan / points it went through), with timings."""

    meshes: MeshSet
    domain: str
    method: str
    steps: int | None = None
    plan: Plan | None = None
    points: PointCloud | None = None
    timings: dict[str, float] = field(default_factory=dict)

    @property
    def seconds(self) -> float:
        return float(sum(self.timings.values()))


class Converter(Protocol):
    name: str

    def convert(self, drawing: Drawing, progress: ProgressFn | None = None) -> Conversion: ...
