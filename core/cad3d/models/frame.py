"""The per-drawing frame: meters <-> the networks' normalised coordinates, and the square image.

The drawing (H x W px at s m/px, covering x in [0, W s], y in [0, H s]) is letterboxed into an
L x L square, L = max(H, W), padded with white. Normalised coordinates put that square at
[-1, 1]^2 (x right, y up), so `grid_sample` reads the image at (x_n, -y_n) with
`align_corners=False`. z maps the domain's range (models.config.Z_RANGES) to [-1, 1].
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import cv2
import numpy as np


@dataclass(frozen=True)
class Frame:
    cx: float  # centre of the square, meters
    cy: float
    half: float  # half the square's side, meters
    z_min: float
    z_max: float
    width: float = 0.0  # the drawing's extent, meters (x in [0, width], y in [0, height])
    height: float = 0.0

    def box(self) -> tuple[float, float, float, float]:
        """The drawing's own area (not the letterbox padding), normalised: x0, y0, x1, y1."""
        return (
            -self.cx / self.half,
            -self.cy / self.half,
            (self.width - self.cx) / self.half,
            (self.height - self.cy) / self.half,
        )

    def normalize(self, points: np.ndarray) -> np.ndarray:
        """points: (..., 3) meters -> (..., 3) float32 normalised."""
        p = np.asarray(points, dtype=np.float64)
        zc, zh = (self.z_min + self.z_max) / 2, (self.z_max - self.z_min) / 2
        out = np.stack(
            [
                (p[..., 0] - self.cx) / self.half,
                (p[..., 1] - self.cy) / self.half,
                (p[..., 2] - zc) / zh,
            ],
            axis=-1,
        )
        return out.astype(np.float32)

    def denormalize(self, points: np.ndarray) -> np.ndarray:
        """points: (..., 3) normalised -> (..., 3) float32 meters."""
        p = np.asarray(points, dtype=np.float64)
        zc, zh = (self.z_min + self.z_max) / 2, (self.z_max - self.z_min) / 2
        out = np.stack(
            [p[..., 0] * self.half + self.cx, p[..., 1] * self.half + self.cy, p[..., 2] * zh + zc],
            axis=-1,
        )
        return out.astype(np.float32)

    def to_json(self) -> dict:
        return asdict(self)


def _pads(h: int, w: int) -> tuple[int, int, int]:
    side = max(h, w)
    return side, (side - w) // 2, (side - h) // 2


def make_frame(shape_hw: tuple[int, int], scale: float, z_range: tuple[float, float]) -> Frame:
    """The frame of an (H, W) drawing at `scale` m/px, letterboxed as `letterbox` does."""
    h, w = shape_hw[:2]
    side, left, top = _pads(h, w)
    return Frame(
        cx=(side / 2 - left) * scale,
        cy=(h + top - side / 2) * scale,
        half=side * scale / 2,
        z_min=float(z_range[0]),
        z_max=float(z_range[1]),
        width=w * scale,
        height=h * scale,
    )


def grey(image: np.ndarray) -> np.ndarray:
    """(H, W) or (H, W, 3) drawing -> (H, W) uint8 grey (0 = black ink)."""
    img = np.asarray(image)
    if img.ndim == 3:
        img = cv2.cvtColor(img[..., :3], cv2.COLOR_RGB2GRAY)
    if img.dtype != np.uint8:
        img = np.clip(img, 0, 255).astype(np.uint8)
    return img


def letterbox(image: np.ndarray, size: int) -> np.ndarray:
    """(H, W) or (H, W, 3) uint8 drawing -> (size, size) float32 ink in [0, 1] (1 = black),
    padded with white to a square (centred as in `make_frame`) and resized (area filter)."""
    img = grey(image)
    h, w = img.shape
    side, left, top = _pads(h, w)
    canvas = np.full((side, side), 255, np.uint8)
    canvas[top : top + h, left : left + w] = img
    interp = cv2.INTER_AREA if side > size else cv2.INTER_LINEAR
    small = cv2.resize(canvas, (size, size), interpolation=interp)
    return 1.0 - small.astype(np.float32) / 255.0
