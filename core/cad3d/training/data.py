"""Training data: DESIGN.md's data layout -> normalised tensors, with aligned augmentation.

Every sample is letterboxed to S x S (models.frame) and its points normalised by the same frame,
so flips and quarter turns act identically on image, maps and points:
  rot90 (counter-clockwise, np.rot90): (x, y) -> (-y, x);  horizontal flip: (x, y) -> (-x, y).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import torch
from torch.utils.data import Dataset

from ..errors import InputNotFound
from ..models.config import Z_RANGES, Z_RELATIVE
from ..models.frame import letterbox, make_frame


def augment_sample(
    image: np.ndarray,
    points: np.ndarray,
    rng: np.random.Generator,
    maps: dict[str, np.ndarray] | None = None,
    photometric: bool = True,
) -> tuple[np.ndarray, np.ndarray, dict[str, np.ndarray]]:
    """Random quarter turn + horizontal flip (+ brightness/contrast on the image only).

    image: (S, S) float32 ink; points: (N, 3) normalised; maps: (S, S) arrays turned alike
    (maps["fine"], the drawing on a finer letterbox, also gets the image's brightness/contrast)."""
    k, flip = int(rng.integers(4)), bool(rng.integers(2))
    maps = dict(maps or {})
    p = points.copy()
    for _ in range(k):
        p[:, 0], p[:, 1] = -p[:, 1].copy(), p[:, 0].copy()
    if flip:
        p[:, 0] = -p[:, 0]

    def geo(a: np.ndarray) -> np.ndarray:
        a = np.rot90(a, k)
        return np.ascontiguousarray(a[:, ::-1] if flip else a)

    image = geo(image)
    maps = {name: geo(a) for name, a in maps.items()}
    if photometric:
        contrast, bright = rng.uniform(0.7, 1.3), rng.uniform(-0.08, 0.08)
        image = np.clip(image * contrast + bright, 0.0, 1.0).astype(np.float32)
        if "fine" in maps:
            maps["fine"] = np.clip(maps["fine"] * contrast + bright, 0.0, 1.0).astype(np.float32)
    return image, p, maps


def _resize_map(a: np.ndarray, size: int, nearest: bool) -> np.ndarray:
    """A per-pixel map letterboxed like the image (pad 0) and resized to size x size."""
    h, w = a.shape
    side = max(h, w)
    canvas = np.zeros((side, side), a.dtype)
    top, left = (side - h) // 2, (side - w) // 2
    canvas[top : top + h, left : left + w] = a
    interp = cv2.INTER_NEAREST if nearest else cv2.INTER_LINEAR
    return cv2.resize(canvas, (size, size), interpolation=interp)


class CAD2D3DDataset(Dataset):
    """A folder in DESIGN.md's layout as training samples.

    Each item: image (1, S, S) float32 ink in [0, 1]; points (num_points, 3) float32 normalised
    (models.frame); labels (num_points,) int64 (-1 unknown); frame (5,) float32
    (cx, cy, half, z_min, z_max); has_maps bool; semantic (S, S) int64, top / bottom (S, S)
    float32 normalised z, material (S, S) int64 (zeros when the sample has no maps); name;
    fine (1, F, F) float32, the drawing letterboxed at `fine_size` (only when fine_size > 0).
    """

    def __init__(
        self,
        data_dir: str | Path,
        image_size: int = 256,
        num_points: int = 4096,
        augment: bool = False,
        z_ranges: dict[str, tuple[float, float]] | None = None,
        seed: int = 0,
        names: list[str] | None = None,
        fine_size: int = 0,
    ):
        self.root = Path(data_dir)
        if not (self.root / "images").is_dir():
            raise InputNotFound(
                f"{self.root} holds no images/ folder (see DESIGN.md's data layout)"
            )
        self.names = (
            names
            if names is not None
            else sorted(p.stem for p in (self.root / "images").glob("*.png"))
        )
        self.image_size = image_size
        self.num_points = num_points
        self.augment = augment
        self.z_ranges = dict(z_ranges or Z_RANGES)
        self.seed = seed
        self.fine_size = fine_size
        self.epoch = 0  # set by the trainer so augmentation differs per epoch, reproducibly

    def __len__(self) -> int:
        return len(self.names)

    def _read(self, name: str) -> tuple[np.ndarray, np.ndarray, np.ndarray | None, dict[str, Any]]:
        img = cv2.imread(str(self.root / "images" / f"{name}.png"), cv2.IMREAD_GRAYSCALE)
        if img is None:
            raise InputNotFound(f"cannot read {self.root / 'images' / name}.png")
        pts = np.load(self.root / "pointclouds" / f"{name}.npy").astype(np.float32)
        lab_path = self.root / "labels" / f"{name}.npy"
        labels = np.load(lab_path).astype(np.int64) if lab_path.is_file() else None
        meta = json.loads((self.root / "meta" / f"{name}.json").read_text())
        return img, pts, labels, meta

    def __getitem__(self, i: int) -> dict[str, Any]:
        name = self.names[i]
        img, pts, labels, meta = self._read(name)
        domain = meta.get("domain", "floorplan")
        z0, z1 = self.z_ranges[domain]
        base = float(pts[:, 2].min()) if domain in Z_RELATIVE else 0.0  # see config.Z_RELATIVE
        frame = make_frame(img.shape, float(meta["scale"]), (base + z0, base + z1))
        rng = np.random.default_rng([self.seed, i, self.epoch if self.augment else 0])
        idx = rng.choice(len(pts), self.num_points, replace=len(pts) < self.num_points)
        points = frame.normalize(pts[idx])
        lab = labels[idx] if labels is not None else np.full(self.num_points, -1, np.int64)
        s = self.image_size
        image = letterbox(img, s)
        maps: dict[str, np.ndarray] = {}
        map_path = self.root / "maps" / f"{name}.npz"
        if map_path.is_file():
            with np.load(map_path) as z:
                zc, zh = (frame.z_min + frame.z_max) / 2, (frame.z_max - frame.z_min) / 2
                for k in ("semantic", "material"):
                    if k in z.files:
                        maps[k] = _resize_map(z[k].astype(np.uint8), s, True)
                for k in ("top_height", "bottom_height"):
                    if k in z.files:
                        maps[k] = (_resize_map(z[k].astype(np.float32), s, True) - zc) / zh
        if self.fine_size:
            maps["fine"] = letterbox(img, self.fine_size)
        if self.augment:
            image, points, maps = augment_sample(image, points, rng, maps)
        zeros = np.zeros((s, s), np.float32)
        fine = {}
        if "fine" in maps:
            fine["fine"] = torch.from_numpy(np.ascontiguousarray(maps["fine"])).unsqueeze(0)
        return fine | {
            "name": name,
            "image": torch.from_numpy(np.ascontiguousarray(image, dtype=np.float32)).unsqueeze(0),
            "points": torch.from_numpy(np.ascontiguousarray(points, dtype=np.float32)),
            "labels": torch.from_numpy(lab),
            "frame": torch.tensor(
                [frame.cx, frame.cy, frame.half, frame.z_min, frame.z_max], dtype=torch.float32
            ),
            "has_maps": "semantic" in maps,
            "semantic": torch.from_numpy(maps.get("semantic", zeros).astype(np.int64)),
            "material": torch.from_numpy(maps.get("material", zeros).astype(np.int64)),
            "top": torch.from_numpy(maps.get("top_height", zeros).astype(np.float32)),
            "bottom": torch.from_numpy(maps.get("bottom_height", zeros).astype(np.float32)),
        }
