"""Time and score point cloud -> meshes (geometry/from_points.py) on noisy clouds, per domain.

    python benchmarks/bench_from_points.py [--seeds 2] [--sizes 4096 16384] [--label-noise 0.1]

Held-out samples (seeds >= 1_000_000). The truth differs from the plan the route is given:
floor plans get walls 2.7 m, windows 1.2-2.3 m and doors 2.0 m while the plan keeps the
defaults (3.0, 0.9-2.1, 2.1); parts get a 20 % thicker plate (holes, pockets and bosses
follow); landscapes get trees 25 % taller. Clouds are sampled from the true meshes with
Gaussian noise (1.5 cm; 0.1 mm for parts), 5 % uniform outliers, and a share of labels
replaced by a random class of the domain (the model's label errors). Prints, per domain and
size, the F-score at tau (5 cm; 0.5 mm for parts) of: the unfitted plan, the fitted plan
with model labels and with drawing labels, and the plan-free column route, with seconds.
"""

from __future__ import annotations

import argparse
import copy
import os
import statistics
import time
import types

os.environ.setdefault("OMP_NUM_THREADS", "1")  # before numpy starts its pools
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import numpy as np  # noqa: E402

from cad3d.classes import class_id, domain_classes  # noqa: E402
from cad3d.data.synth import EVAL_SEED, generate_sample  # noqa: E402
from cad3d.evaluation.harness import score_sample  # noqa: E402
from cad3d.geometry.from_points import (  # noqa: E402
    fit_plan_heights,
    lift_fitted,
    meshes_from_points,
)
from cad3d.geometry.lift import lift_plan  # noqa: E402
from cad3d.geometry.meshset import PointCloud  # noqa: E402
from cad3d.geometry.sampling import sample_surface  # noqa: E402

NOISE = {"floorplan": 0.015, "part": 1e-4, "landscape": 0.015}
TAU = {"floorplan": 0.05, "part": 5e-4, "landscape": 0.05}


def truth_and_plan(domain: str, seed: int):
    """(plan given to the route, true plan) for one held-out sample."""
    plan = generate_sample(domain, seed, num_points=16).plan
    truth = copy.deepcopy(plan)
    if domain == "floorplan":
        for s in truth.solids:
            s.z1 = 2.7
        for c in truth.cuts:
            if c.cls == "WINDOW":
                c.z0, c.z1 = 1.2, 2.3
            elif c.cls == "DOOR":
                c.z1 = 2.0
    elif domain == "part":
        top = next(s.z1 for s in truth.solids if s.cls == "PART")
        k = 1.2
        for s in truth.solids:
            s.z0, s.z1 = (s.z0 * k, s.z1 * k) if s.cls == "PART" else (s.z0 * k, s.z1 + top * 0.2)
        for c in truth.cuts:
            c.z1 += top * 0.2
            if c.cls == "POCKET":
                c.z0 += top * 0.2
    else:
        for t in truth.trees:
            t.height *= 1.25
    return plan, truth


def noisy_cloud(meshes, n, seed, sigma, domain, label_noise, outliers=0.05) -> PointCloud:
    pc = sample_surface(meshes, n, seed)
    rng = np.random.default_rng(seed + 7)
    p = pc.points.astype(np.float64) + rng.normal(0, sigma, pc.points.shape)
    k = int(outliers * n)
    idx = rng.choice(n, k, replace=False)
    p[idx] = rng.uniform(p.min(0), p.max(0), (k, 3))
    lab = pc.labels.copy()
    flip = rng.random(n) < label_noise
    ids = np.array([class_id(c) for c in domain_classes(domain)])
    lab[flip] = rng.choice(ids, int(flip.sum()))
    return PointCloud(p.astype(np.float32), lab)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=2)
    parser.add_argument("--sizes", type=int, nargs="+", default=[4096, 16384])
    parser.add_argument("--label-noise", type=float, default=0.1)
    parser.add_argument("--domains", nargs="+", default=["floorplan", "part", "landscape"])
    args = parser.parse_args(argv)
    cols = ("plan", "fit_model", "fit_drawing", "columns")
    print(f"{'domain':10} {'N':>6}  " + "  ".join(f"{c:>11}" for c in cols) + "   seconds")
    for domain in args.domains:
        for n in args.sizes:
            f = {c: [] for c in cols}
            t = {c: [] for c in cols}
            for i in range(args.seeds):
                seed = EVAL_SEED + i
                plan, truth = truth_and_plan(domain, seed)
                true_meshes = lift_plan(truth)
                ref = types.SimpleNamespace(meshes=true_meshes, domain="x", plan=truth)
                cloud = noisy_cloud(true_meshes, n, seed, NOISE[domain], domain, args.label_noise)
                runs = {
                    "plan": (lift_plan, plan),
                    "fit_model": (lambda p, c: lift_fitted(fit_plan_heights(p, c, "model")), plan),
                    "fit_drawing": (
                        lambda p, c: lift_fitted(fit_plan_heights(p, c, "drawing")),
                        plan,
                    ),
                    "columns": (lambda p, c: meshes_from_points(c, extent=p.extent), plan),
                }
                for c, (run, p) in runs.items():
                    t0 = time.perf_counter()
                    pred = run(p) if c == "plan" else run(p, cloud)
                    t[c].append(time.perf_counter() - t0)
                    f[c].append(score_sample(pred, ref, TAU[domain], 10000, 0)["f"])
            fs = "  ".join(f"{statistics.mean(f[c]):11.3f}" for c in cols)
            ts = " ".join(f"{statistics.median(t[c]):.2f}" for c in cols)
            print(f"{domain:10} {n:6d}  {fs}   {ts}", flush=True)


if __name__ == "__main__":
    main()
