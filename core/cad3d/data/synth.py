"""The synthetic data pipeline: generator -> (scan degradation) -> exact meshes, points, maps.

Deterministic by (domain, seed): the same call gives the same sample, bit for bit. Held-out
evaluation uses seeds >= 1_000_000, training seeds below. Imports no torch.
"""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import Any

import numpy as np

from ..classes import DOMAINS
from ..geometry.lift import lift_plan
from ..geometry.sampling import sample_surface
from .degrade import apply_affine_to_world, degrade
from .maps import plan_maps
from .sample import Sample, sample_names, write_sample

EVAL_SEED = 1_000_000


def _generator(domain: str):
    if domain not in DOMAINS:
        raise ValueError(f"unknown domain {domain!r}; expected one of {', '.join(DOMAINS)}")
    module = importlib.import_module(f"{__package__}.{domain}")
    return getattr(module, f"generate_{domain}")


def sample_name(domain: str, seed: int) -> str:
    """`floorplan_000123`: the file stem of a sample."""
    return f"{domain}_{seed:06d}"


def generate_sample(
    domain: str,
    seed: int,
    style: str | None = None,
    degraded: bool = False,
    num_points: int = 8192,
    severity: float = 1.0,
) -> Sample:
    """One sample in memory: drawing, exact plan, meshes, `num_points` surface points, maps.

    degraded: the drawing gets a scan degradation (degrade.py) and the plan is moved with it
    before lifting, so meshes, points and maps match the degraded image pixel for pixel.
    """
    image, scale, plan = _generator(domain)(seed, style)
    meta: dict[str, Any] = {
        "seed": int(seed),
        "style": plan.meta.get("style", style),
        "degraded": bool(degraded),
    }
    if degraded:
        rng = np.random.default_rng([int(seed), 0xD1])  # a stream apart from the generator's
        image, affine = degrade(image, rng, severity)
        plan, _, _ = apply_affine_to_world(affine, image.shape[0], scale, plan=plan)
        meta["affine"] = np.asarray(affine).tolist()
    meshes = lift_plan(plan)
    points = sample_surface(meshes, num_points, seed)
    maps = plan_maps(plan, image.shape[:2], scale)
    return Sample(
        name=sample_name(domain, seed),
        image=image,
        scale=float(scale),
        domain=domain,
        plan=plan,
        meshes=meshes,
        points=points,
        maps=maps,
        meta=meta,
    )


def _job(args: tuple[str, int, bool, int, str]) -> str:
    domain, seed, degraded, num_points, out_dir = args
    sample = generate_sample(domain, seed, degraded=degraded, num_points=num_points)
    write_sample(sample, out_dir)
    return sample.name


def dataset_jobs(
    n: int, domain: str = "all", seed: int = 0, degraded_fraction: float = 0.0
) -> list[tuple[str, int, bool]]:
    """(domain, seed, degraded) of each of the n samples: domains round-robin for "all"."""
    domains = DOMAINS if domain == "all" else (domain,)
    jobs = []
    for i in range(n):
        s = seed + i
        deg = bool(np.random.default_rng([s, 0xDE6]).random() < degraded_fraction)
        jobs.append((domains[i % len(domains)], s, deg))
    return jobs


def create_dataset(
    out_dir: str | Path,
    n: int,
    domain: str = "all",
    seed: int = 0,
    degraded_fraction: float = 0.0,
    progress: bool = True,
    workers: int = 1,
    num_points: int = 8192,
    skip_existing: bool = True,
) -> list[str]:
    """Write n samples under `out_dir` (DESIGN.md layout); returns their names in order.

    Sample i has seed `seed + i`; whether it is degraded is drawn from that seed too, so the
    data set does not depend on `workers`. skip_existing: samples already complete in
    `out_dir` (their meta file exists: it is written last) are kept, so an interrupted run
    resumes where it stopped.
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    done = set(sample_names(out)) if skip_existing else set()
    all_jobs = dataset_jobs(n, domain, seed, degraded_fraction)
    jobs = [
        (d, s, g, num_points, str(out)) for d, s, g in all_jobs if sample_name(d, s) not in done
    ]
    from tqdm import tqdm

    bar = tqdm(total=n, initial=n - len(jobs), desc="synth", unit="sample", disable=not progress)
    try:
        if workers > 1 and len(jobs) > 1:
            import multiprocessing as mp

            with mp.get_context("spawn").Pool(workers) as pool:
                for _ in pool.imap_unordered(_job, jobs, chunksize=4):
                    bar.update()
        else:
            for job in jobs:
                _job(job)
                bar.update()
    finally:
        bar.close()
    return [sample_name(d, s) for d, s, _ in all_jobs]
