"""The held-out evaluation: every method on the same unseen drawings, clean and scan-degraded.

Drawings come from `cad3d.data.synth.generate_sample` with seeds from 1_000_000 on (training
uses seeds below). Each result is scored against the exact ground truth: Chamfer-L1 and F@tau
from dense surface samples of each side measured against the other side's mesh (exact
point-to-triangle distances, so an exact result scores F = 1 at any sample density), plan-view
IoU per class, the share of door/window openings right (floor plans) and seconds per drawing;
methods that generate a point cloud get its own scores too (`point_scores`). A converter error
counts as a failure (F = 0, IoU = 0, openings wrong) and never stops the run.
"""

from __future__ import annotations

import time
from typing import Any

import cv2
import numpy as np
import trimesh

from ..classes import DOMAINS
from ..converters.base import Drawing
from ..geometry.meshset import MeshSet
from ..geometry.sampling import sample_surface
from .metrics import chamfer, plan_iou, precision_coverage, surface_scores
from .openings import openings_right, share_in_openings

HELD_OUT_SEED = 1_000_000
TAU = {"floorplan": 0.05, "landscape": 0.05, "part": 0.0005}  # meters
EXACT_WITHIN_TAUS = 20.0  # distances beyond 20 tau may be over-estimated by < a triangle size
PLAN_CELLS = 512  # plan-view raster: cells along the longer side (at least tau per cell)


TRUTH_POINTS = 8192  # 1024 left a cloud's coverage at tau = 5 cm to chance (+-0.01 of ~0.04)


def plan_occupancy(
    meshes: MeshSet, origin: np.ndarray, cell: float, shape: tuple[int, int]
) -> dict[str, np.ndarray]:
    """Per class, the boolean plan-view raster of what the meshes cover seen from above.

    origin: (2,) meters at cell (0, 0); cell: meters per cell; shape: (rows, cols), rows along y.
    """
    out = {}
    for name, mesh in meshes:
        grid = np.zeros(shape, dtype=np.uint8)
        tri = np.asarray(mesh.triangles, dtype=np.float64)[:, :, :2]
        pix = np.round((tri - origin) / cell * 16).astype(np.int32)  # 4 fractional bits
        for t in pix:
            cv2.fillConvexPoly(grid, t, 1, lineType=cv2.LINE_8, shift=4)
        out[name] = grid.astype(bool)
    return out


def plan_view_iou(pred: MeshSet, true: MeshSet, tau: float) -> dict[str, float]:
    """IoU of the plan-view rasters per class present in either, over the truth's extent."""
    names = sorted(set(true.classes) | set(pred.classes))
    if not true:
        return {n: 0.0 for n in names}
    lo, hi = true.bounds[:, :2]
    size = float(max(hi - lo))
    cell = max(tau, size / PLAN_CELLS)
    origin = lo - 2 * cell
    shape = tuple(int(np.ceil(v)) + 4 for v in ((hi - lo) / cell)[::-1])
    a = plan_occupancy(pred, origin, cell, shape)
    b = plan_occupancy(true, origin, cell, shape)
    empty = np.zeros(shape, dtype=bool)
    return {n: plan_iou(a.get(n, empty), b.get(n, empty)) for n in names}


def score_sample(
    pred: MeshSet, sample: Any, tau: float, num_points: int, seed: int
) -> dict[str, Any]:
    """Scores of one prediction against one `cad3d.data.sample.Sample` (meters)."""
    truth = sample_surface(sample.meshes, num_points, seed)
    got = sample_surface(pred, num_points, seed + 1)
    true_mesh = sample.meshes.merged() if sample.meshes else trimesh.Trimesh()
    pred_mesh = pred.merged() if pred else trimesh.Trimesh()
    row: dict[str, Any] = surface_scores(
        got.points,
        got.normals,
        pred_mesh,
        truth.points,
        truth.normals,
        true_mesh,
        tau,
        exact_within=EXACT_WITHIN_TAUS * tau,
    )
    ious = plan_view_iou(pred, sample.meshes, tau)
    row["plan_iou"] = float(np.mean(list(ious.values()))) if ious else 0.0
    row["plan_iou_per_class"] = ious
    if sample.domain == "floorplan":
        op = openings_right(sample.plan, pred)
        row["openings_n"], row["openings_right"] = op["n"], op["right"]
    return row


def point_scores(points: np.ndarray, sample: Any, tau: float, seed: int) -> dict[str, float]:
    """Scores of a generated point cloud (N, 3) m itself, before any meshing: pts_precision
    (share within tau of the true surface), pts_coverage (share of true-surface samples within
    tau of a point) beside pts_ceiling (the coverage an independent sample of the true surface
    of the same size reaches), pts_in_openings (share filling a door or window), Chamfer-L1."""
    pts = np.asarray(points, np.float64).reshape(-1, 3)
    true_mesh = sample.meshes.merged()
    true_pts = np.asarray(sample.points.points, np.float64)
    pc = precision_coverage(pts, true_mesh, true_pts, tau)
    ideal = np.asarray(sample_surface(sample.meshes, len(pts), seed + 2).points, np.float64)
    return {
        "pts_precision": pc["precision"],
        "pts_coverage": pc["coverage"],
        "pts_ceiling": precision_coverage(ideal, true_mesh, true_pts, tau)["coverage"],
        "pts_in_openings": share_in_openings(sample.plan, pts),
        "pts_chamfer_l1": chamfer(pts, true_pts)["l1"],
    }


POINT_KEYS = ("pts_precision", "pts_coverage", "pts_ceiling", "pts_in_openings", "pts_chamfer_l1")


def _failure(sample: Any, error: str) -> dict[str, Any]:
    row: dict[str, Any] = {
        "chamfer_l1": None,
        "chamfer_l2": None,
        "f": 0.0,
        "precision": 0.0,
        "recall": 0.0,
        "normal_consistency": 0.0,
        "plan_iou": 0.0,
        "plan_iou_per_class": {},
        "error": error,
    }
    if sample.domain == "floorplan":
        row["openings_n"] = sum(
            c.cls in ("DOOR", "WINDOW") and c.host == "WALL" for c in sample.plan.cuts
        )
        row["openings_right"] = 0
    return row


def _mean(rows: list[dict[str, Any]], key: str) -> float | None:
    vals = [r[key] for r in rows if r.get(key) is not None and np.isfinite(r[key])]
    return float(np.mean(vals)) if vals else None


def summarise(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """Means over the samples of one domain and condition (Chamfer over successes only)."""
    summary: dict[str, Any] = {
        "n": len(rows),
        "failures": sum("error" in r for r in rows),
        **{
            k: _mean(rows, k)
            for k in (
                "chamfer_l1",
                "chamfer_l2",
                "f",
                "precision",
                "recall",
                "normal_consistency",
                "plan_iou",
                "seconds",
            )
        },
    }
    if any("pts_precision" in r for r in rows):  # methods that generate points
        summary |= {k: _mean(rows, k) for k in POINT_KEYS}
    n_open = sum(r.get("openings_n", 0) for r in rows)
    if any("openings_n" in r for r in rows):
        summary["openings_n"] = n_open
        summary["openings"] = (
            sum(r.get("openings_right", 0) for r in rows) / n_open if n_open else None
        )
    return summary


def run_eval(
    method: str,
    domains: tuple[str, ...] | list[str] = DOMAINS,
    n: int = 20,
    seed: int = HELD_OUT_SEED,
    conditions: tuple[str, ...] = ("clean", "degraded"),
    steps: int = 50,
    progress: bool = True,
    num_points: int = 8192,
    **converter_opts: Any,
) -> dict[str, Any]:
    """Run `method` on n held-out drawings per domain and condition; return scores as a dict.

    Drawing i of a domain uses seed + i in every condition, so clean and degraded compare the
    same plans. Result: {"method", "steps", "seed", "n", "tau", "results": {domain: {condition:
    {summary..., "samples": [per-drawing rows]}}}}, every length in meters.
    """
    assert seed >= HELD_OUT_SEED, "held-out seeds start at 1_000_000 (training uses those below)"
    from ..converters.registry import create_converter
    from ..data.synth import generate_sample

    converter = create_converter(method, steps=steps, **converter_opts)
    jobs = [(d, c, i) for d in domains for c in conditions for i in range(n)]
    bar = None
    if progress:
        from tqdm import tqdm

        bar = tqdm(total=len(jobs), desc=f"eval {method}", unit="drawing")
    rows: dict[str, dict[str, list[dict[str, Any]]]] = {
        d: {c: [] for c in conditions} for d in domains
    }
    for domain, condition, i in jobs:
        sample = generate_sample(  # its points are the truth a cloud's coverage is scored on:
            domain, seed + i, degraded=(condition == "degraded"), num_points=TRUTH_POINTS
        )
        drawing = Drawing(sample.image, sample.scale, source=sample.name, kind=domain)
        t = time.perf_counter()
        try:
            result = converter.convert(drawing)
        except Exception as exc:  # noqa: BLE001 - any converter failure is scored, not raised
            seconds = time.perf_counter() - t
            row = _failure(sample, f"{type(exc).__name__}: {exc}".splitlines()[0][:200])
        else:
            seconds = time.perf_counter() - t
            row = score_sample(result.meshes, sample, TAU[domain], num_points, seed + i)
            if result.points is not None and len(result.points.points):
                row |= point_scores(result.points.points, sample, TAU[domain], seed + i)
        row.update(name=sample.name, seed=seed + i, seconds=seconds)
        rows[domain][condition].append(row)
        if bar is not None:
            bar.update(1)
    if bar is not None:
        bar.close()
    results = {
        d: {c: {**summarise(rs), "samples": rs} for c, rs in by_cond.items()}
        for d, by_cond in rows.items()
    }
    return {
        "method": method,
        "steps": steps,
        "seed": seed,
        "n": n,
        "tau": {d: TAU[d] for d in domains},
        "results": results,
    }
