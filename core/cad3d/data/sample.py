"""One training sample in memory, and its files in DESIGN.md's data layout.

```
ROOT/images/NAME.png  pointclouds/NAME.npy  labels/NAME.npy  normals/NAME.npy
     meshes/NAME.glb (one node per class)  maps/NAME.npz  meta/NAME.json
```
GLBs are written and read by exchange.meshfiles (`meshset_scene` / `read_glb`): each node carries
glTF's z-up -> y-up rotation, so viewers show them upright and `read_glb` gives back drawing axes.
Each file is written atomically, so an interrupted run never leaves a half-written sample file.
Float maps are stored to a relative precision of 2**-15 (0.5 mm at 16 m) to halve their size.
"""

from __future__ import annotations

import json
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from ..exchange.meshfiles import meshset_scene, read_glb
from ..geometry.meshset import MeshSet, PointCloud
from ..io.atomic import atomic_path
from ..plan import Plan

MANTISSA_DROP = 8  # float32 map bits dropped on writing (see _compressible)
FOLDERS = ("images", "pointclouds", "labels", "normals", "meshes", "maps", "meta")


@dataclass
class Sample:
    """A drawing with its exact 3D ground truth, in meters, drawing coordinates.

    image: (H, W) uint8 grey; scale: m/px; points: PointCloud (labels = class ids, normals);
    maps: semantic (H, W) uint8, top_height / bottom_height (H, W) float32 m, material uint8;
    meta: seed, style, degraded, generator parameters (JSON-ready).
    """

    name: str
    image: np.ndarray
    scale: float
    domain: str
    plan: Plan
    meshes: MeshSet
    points: PointCloud
    maps: dict[str, np.ndarray] = field(default_factory=dict)
    meta: dict[str, Any] = field(default_factory=dict)


def _json_ready(obj: Any) -> Any:
    if isinstance(obj, dict):
        return {str(k): _json_ready(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [_json_ready(v) for v in obj]
    if isinstance(obj, np.generic):
        return obj.item()
    if isinstance(obj, np.ndarray):
        return obj.tolist()
    return obj


def _save_npy(path: Path, arr: np.ndarray) -> None:
    with atomic_path(path) as tmp, open(tmp, "wb") as f:
        np.save(f, arr)


def _compressible(v: np.ndarray) -> np.ndarray:
    """float32 with the lowest MANTISSA_DROP mantissa bits zeroed: relative error < 2**-15
    (0.5 mm at 16 m), and smooth height maps then compress about 2x better."""
    if v.dtype != np.float32:
        return v
    keep = np.uint32((0xFFFFFFFF << MANTISSA_DROP) & 0xFFFFFFFF)
    return (np.ascontiguousarray(v).view(np.uint32) & keep).view(np.float32)


def _save_npz(path: Path, arrays: dict[str, np.ndarray]) -> None:
    """An .npz (np.load reads it) deflated at level 1: several times faster than savez_compressed."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as z:
        for k, v in arrays.items():
            with z.open(f"{k}.npy", "w", force_zip64=True) as f:
                np.lib.format.write_array(f, _compressible(np.asanyarray(v)), allow_pickle=False)


def write_sample(sample: Sample, root: str | Path) -> None:
    """Write `sample` under `root` (folders created), every file atomically."""
    root = Path(root)
    for d in FOLDERS:
        (root / d).mkdir(parents=True, exist_ok=True)
    n = sample.name
    with atomic_path(root / "images" / f"{n}.png") as tmp:
        ok, buf = cv2.imencode(".png", sample.image)
        assert ok, "PNG encoding failed"
        tmp.write_bytes(buf.tobytes())
    pc = sample.points
    _save_npy(root / "pointclouds" / f"{n}.npy", np.asarray(pc.points, np.float32))
    if pc.labels is not None:
        _save_npy(root / "labels" / f"{n}.npy", np.asarray(pc.labels, np.int64))
    if pc.normals is not None:
        _save_npy(root / "normals" / f"{n}.npy", np.asarray(pc.normals, np.float32))
    if sample.meshes:
        scene = meshset_scene(sample.meshes)  # y-up nodes, like every cad3d GLB
        with atomic_path(root / "meshes" / f"{n}.glb") as tmp:
            tmp.write_bytes(scene.export(file_type="glb"))
    if sample.maps:
        with atomic_path(root / "maps" / f"{n}.npz") as tmp:
            _save_npz(tmp, sample.maps)
    meta = {
        **_json_ready(sample.meta),
        "name": n,
        "scale": float(sample.scale),
        "domain": sample.domain,
        "plan": _json_ready(sample.plan.to_json()),
    }
    with atomic_path(root / "meta" / f"{n}.json") as tmp:
        tmp.write_text(json.dumps(meta))


def read_sample(root: str | Path, name: str) -> Sample:
    """Read a sample written by `write_sample` (optional files may be missing)."""
    root = Path(root)
    meta = json.loads((root / "meta" / f"{name}.json").read_text())
    image = cv2.imread(str(root / "images" / f"{name}.png"), cv2.IMREAD_UNCHANGED)
    assert image is not None, f"cannot read image of {name}"

    def opt(folder: str, ext: str):
        p = root / folder / f"{name}.{ext}"
        return p if p.exists() else None

    pts = np.load(root / "pointclouds" / f"{name}.npy")
    labels = np.load(p) if (p := opt("labels", "npy")) else None
    normals = np.load(p) if (p := opt("normals", "npy")) else None
    meshes = read_glb(p) if (p := opt("meshes", "glb")) else MeshSet()
    maps = {}
    if p := opt("maps", "npz"):
        with np.load(p) as z:
            maps = {k: z[k] for k in z.files}
    meta.pop("name", None)
    plan = Plan.from_json(meta.pop("plan")) if "plan" in meta else Plan(meta["domain"], (0, 0))
    return Sample(
        name=name,
        image=image,
        scale=float(meta.pop("scale")),
        domain=meta.pop("domain", plan.domain),
        plan=plan,
        meshes=meshes,
        points=PointCloud(pts, labels, normals),
        maps=maps,
        meta=meta,
    )


def sample_names(root: str | Path) -> list[str]:
    """Names of the complete samples under `root`, sorted (meta/NAME.json is written last)."""
    meta = Path(root) / "meta"
    return sorted(p.stem for p in meta.glob("*.json") if not p.name.startswith("."))
