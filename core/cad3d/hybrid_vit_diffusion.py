"""Seed API: `create_hybrid_converter(device, enable_learning).convert_image_to_3d(...)`.

The face runs `converters.hybrid.HybridConverter` (xy from the vectorised drawing, z fitted to
the diffusion cloud); learning from conversions is a later issue (`learning_updates` is 0).
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import numpy as np

from .errors import InputNotFound, OutputError

POINT_FORMATS = (".ply", ".xyz", ".npy")


class HybridConverter:
    def __init__(self, device: str = "cpu", enable_learning: bool = False, **opts: Any):
        from .converters.hybrid import HybridConverter as Hybrid

        self.device = device
        self.enable_learning = enable_learning
        self.converter = Hybrid(device=device, **opts)

    def convert_image_to_3d(
        self,
        image_path: str | Path,
        output_path: str | Path,
        sampling_steps: int = 50,
        learn_from_conversion: bool = False,
        scale: float | None = None,
        kind: str | None = None,
    ) -> dict[str, Any]:
        """Convert an image drawing; write the points to `output_path` (.ply, .xyz or .npy;
        other extensions, e.g. .obj .stl .glb, write the meshes through `cad3d.api.save`).

        Returns {"num_points", "conversion_time" (s), "learning_updates", "output_path", "method"}."""
        import cv2

        from .converters.base import Drawing
        from .models.point_model import DEFAULT_SCALE

        t0 = time.perf_counter()
        img = cv2.imread(str(image_path), cv2.IMREAD_GRAYSCALE)
        if img is None:
            raise InputNotFound(f"cannot read image {image_path}")
        self.converter.steps = sampling_steps
        drawing = Drawing(
            image=img, scale=scale or DEFAULT_SCALE, source=str(image_path), kind=kind
        )
        result = self.converter.convert(drawing)
        out = Path(output_path)
        if out.suffix.lower() in POINT_FORMATS:
            write_points(result.points.points, out)
        else:  # mesh and CAD formats go through the exchange registry
            from .api import save

            save(result, out)
        return {
            "num_points": int(len(result.points)),
            "conversion_time": time.perf_counter() - t0,
            "learning_updates": 0,  # learning from conversions: a later issue
            "output_path": str(output_path),
            "method": result.method,
        }


def write_points(points: np.ndarray, path: Path) -> Path:
    """(N, 3) meters to .ply (binary), .xyz (text) or .npy, atomically."""
    from .io.atomic import atomic_path

    ext = path.suffix.lower()
    if ext not in POINT_FORMATS:
        raise OutputError(f"cannot write points as {ext or 'no extension'}; use .ply, .xyz or .npy")
    with atomic_path(path) as tmp:
        if ext == ".npy":
            with open(tmp, "wb") as f:
                np.save(f, points.astype(np.float32))
        elif ext == ".xyz":
            np.savetxt(tmp, points, fmt="%.5f")
        else:
            import trimesh

            tmp.write_bytes(trimesh.PointCloud(points).export(file_type="ply"))
    return path


def create_hybrid_converter(
    device: str = "cpu", enable_learning: bool = False, **opts: Any
) -> HybridConverter:
    """The seed API's converter (`device="cuda"` without a GPU falls back to CPU with a warning)."""
    return HybridConverter(device=device, enable_learning=enable_learning, **opts)
