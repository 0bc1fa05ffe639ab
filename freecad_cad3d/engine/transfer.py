"""Files and inline arrays that cross the process boundary (numpy only, no FreeCAD, no Qt).

Drawings go to the worker as one .npz; results come back as one .npz holding per-class
vertices and faces in meters plus a JSON header (domain, method, steps, timings, plan).
Small arrays (preview points) travel inline in a message as base64 of their raw bytes.
"""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

import numpy as np

INLINE_MAX_BYTES = 1 << 20  # larger previews go through a file


def encode_array(a: np.ndarray) -> dict[str, Any]:
    """An array as a JSON-ready dict: {"dtype", "shape", "b64"}."""
    a = np.ascontiguousarray(a)
    return {
        "dtype": a.dtype.str,
        "shape": list(a.shape),
        "b64": base64.b64encode(a.tobytes()).decode(),
    }


def decode_array(d: dict[str, Any]) -> np.ndarray:
    """Inverse of `encode_array`; also reads {"npy": path} written for large arrays."""
    if "npy" in d:
        return np.load(d["npy"])
    raw = base64.b64decode(d["b64"])
    return np.frombuffer(raw, dtype=np.dtype(d["dtype"])).reshape(d["shape"]).copy()


def _jsonable(obj: Any) -> Any:
    """numpy arrays and scalars in notes (sketch edges) as lists and numbers."""
    if isinstance(obj, (np.ndarray, np.generic)):
        return obj.tolist()
    return str(obj)


def write_drawing(drawing: Any, path: str | Path) -> Path:
    """Save a `cad3d` Drawing (image, scale, kind, exact vectors, notes) to one .npz."""
    path = Path(path)
    plan = drawing.vectors.to_json() if drawing.vectors is not None else None
    header = {
        "scale": float(drawing.scale),
        "source": drawing.source,
        "kind": drawing.kind,
        "vectors": plan,
        "notes": drawing.notes,
    }
    with open(path, "wb") as f:
        np.savez(
            f,
            image=np.asarray(drawing.image, np.uint8),
            header=json.dumps(header, default=_jsonable),
        )
    return path


def read_drawing(path: str | Path) -> Any:
    """The Drawing saved by `write_drawing` (imports cad3d: worker side)."""
    from cad3d.converters.base import Drawing
    from cad3d.plan import Plan

    with np.load(path) as z:
        image = z["image"]
        header = json.loads(str(z["header"]))
    vectors = Plan.from_json(header["vectors"]) if header.get("vectors") else None
    return Drawing(
        image=image,
        scale=header["scale"],
        source=header.get("source", ""),
        kind=header.get("kind"),
        vectors=vectors,
        notes=header.get("notes") or {},
    )


def write_result(conversion: Any, path: str | Path) -> Path:
    """Save a `cad3d` Conversion: `v/<CLS>` (V, 3) float64 m, `f/<CLS>` (F, 3) int64, points."""
    path = Path(path)
    arrays: dict[str, np.ndarray] = {}
    for cls, mesh in conversion.meshes:
        arrays[f"v/{cls}"] = np.asarray(mesh.vertices, np.float64)
        arrays[f"f/{cls}"] = np.asarray(mesh.faces, np.int64)
    if conversion.points is not None:
        arrays["points"] = np.asarray(conversion.points.points, np.float32)
        if conversion.points.labels is not None:
            arrays["labels"] = np.asarray(conversion.points.labels, np.int64)
    header = {
        "domain": conversion.domain,
        "method": conversion.method,
        "steps": conversion.steps,
        "timings": conversion.timings,
        "plan": conversion.plan.to_json() if conversion.plan is not None else None,
        "classes": list(conversion.meshes.classes),
    }
    tmp = path.with_name(path.name + ".part")
    with open(tmp, "wb") as f:
        np.savez(f, header=json.dumps(header, default=str), **arrays)
    tmp.replace(path)
    return path


def read_result(path: str | Path) -> Any:
    """The Conversion saved by `write_result` (needs trimesh and cad3d: GUI or worker side)."""
    import trimesh

    from cad3d.converters.base import Conversion
    from cad3d.geometry.meshset import MeshSet, PointCloud
    from cad3d.plan import Plan

    with np.load(path) as z:
        header = json.loads(str(z["header"]))
        meshes = MeshSet()
        for cls in header["classes"]:
            mesh = trimesh.Trimesh(z[f"v/{cls}"], z[f"f/{cls}"], process=False)
            meshes.add(cls, mesh)
        points = None
        if "points" in z:
            points = PointCloud(z["points"], z["labels"] if "labels" in z else None)
    plan = Plan.from_json(header["plan"]) if header.get("plan") else None
    return Conversion(
        meshes=meshes,
        domain=header["domain"],
        method=header["method"],
        steps=header.get("steps"),
        plan=plan,
        points=points,
        timings={k: float(v) for k, v in header.get("timings", {}).items()},
    )


def plan_segments(plan: Any, z: float = 0.0) -> np.ndarray:
    """The outlines of a plan's solids, cuts and surfaces, and its contours, as line segments.

    Returns (M, 2, 3) float32 meters: segment m runs from [m, 0] to [m, 1], at height `z`
    (contours at their elevation). What the extrude preview draws.
    """
    rings: list[tuple[np.ndarray, float]] = []

    def add_area(area: Any) -> None:
        polys = getattr(area, "geoms", [area])
        for poly in polys:
            if poly.is_empty:
                continue
            rings.append((np.asarray(poly.exterior.coords)[:, :2], z))
            rings.extend((np.asarray(r.coords)[:, :2], z) for r in poly.interiors)

    for item in [*plan.solids, *plan.cuts, *plan.surfaces]:
        add_area(item.footprint)
    for c in plan.contours:
        rings.append((np.asarray(c.line.coords)[:, :2], c.elevation))
    segs = [
        np.stack(
            [np.c_[xy[:-1], np.full(len(xy) - 1, h)], np.c_[xy[1:], np.full(len(xy) - 1, h)]],
            axis=1,
        )
        for xy, h in rings
        if len(xy) >= 2
    ]
    if not segs:
        return np.zeros((0, 2, 3), np.float32)
    return np.concatenate(segs).astype(np.float32)
