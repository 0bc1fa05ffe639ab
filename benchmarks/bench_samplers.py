"""Sampler table: DDPM-1000 vs DDIM 50/25/10 vs DPM-Solver++(2M) 10 on held-out drawings.

    nice -n 10 python benchmarks/bench_samplers.py [--domains floorplan] [--n 2] [--points 4096]
        [--weights core/cad3d/weights/default.safetensors] [--threads 1] [--skip-ddpm]
        [--temperatures 1 0.5 0.25]

Samples the model's point cloud (meters) for each held-out drawing (seeds >= 1_000_000) with
each sampler and scores the raw points against the true surface (evaluation.harness.
point_scores): precision (share of points within tau of the true meshes, exact point-mesh
distance), coverage (share of true-surface samples within tau of a point) beside its ceiling,
share of points inside door/window openings, Chamfer-L1 (meters). tau: 5 cm (0.5 mm for
parts), as in the eval harness. Times: wall seconds and process CPU seconds per drawing, model calls.
"""

from __future__ import annotations

import argparse
import os
import time
import warnings

os.environ.setdefault("OMP_NUM_THREADS", "1")

import numpy as np  # noqa: E402

SAMPLERS = (  # (label, sampler, steps)
    ("DDPM-1000", "ddpm", 1000),
    ("DDIM-50", "ddim", 50),
    ("DDIM-25", "ddim", 25),
    ("DDIM-10", "ddim", 10),
    ("DPM++2M-10", "dpm", 10),
)


def run(
    domains, n: int, num_points: int, weights, threads: int, skip_ddpm: bool, temperatures=()
) -> list[dict]:
    import torch

    from cad3d.data.synth import generate_sample
    from cad3d.diffusion_3d_model import create_diffusion_model
    from cad3d.evaluation.harness import HELD_OUT_SEED, TAU, point_scores

    torch.set_num_threads(threads)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = create_diffusion_model(num_points, weights=weights)
    rows = []
    default_t = model.density_temperature
    for domain in domains:
        for i in range(n):
            s = generate_sample(domain, HELD_OUT_SEED + i, num_points=8192)
            cond = {"image": s.image, "scale": s.scale, "domain": domain}
            runs = [(lb, smp, st, default_t) for lb, smp, st in SAMPLERS]
            runs += [(f"DDIM-50 T={t:g}", "ddim", 50, t) for t in temperatures]
            for label, sampler, steps, temp in runs:
                if skip_ddpm and sampler == "ddpm":
                    continue
                model.density_temperature = temp
                w0, c0 = time.perf_counter(), time.process_time()
                pts = model.sample((1, num_points, 3), cond, sampler=sampler, steps=steps, seed=i)
                wall, cpu = time.perf_counter() - w0, time.process_time() - c0
                sc = point_scores(pts[0].numpy(), s, TAU[domain], HELD_OUT_SEED + i)
                sc = {k.removeprefix("pts_"): v for k, v in sc.items()}
                calls = model.process.num_timesteps if sampler == "ddpm" else steps
                rows.append(
                    dict(domain=domain, seed=HELD_OUT_SEED + i, sampler=label, calls=calls,
                         wall_s=wall, cpu_s=cpu, **sc)
                )  # fmt: skip
                print(_fmt(rows[-1]), flush=True)
    return rows


def _fmt(r: dict) -> str:
    return (
        f"{r['domain']:9s} {r['seed']} {r['sampler']:11s} calls {r['calls']:4d}  "
        f"prec {r['precision']:.3f}  cov {r['coverage']:.3f}/{r['ceiling']:.3f}  "
        f"open {r['in_openings']:.4f}  CD-L1 {r['chamfer_l1']:.4f} m  "
        f"wall {r['wall_s']:6.1f} s  cpu {r['cpu_s']:6.1f} s"
    )


def table(rows: list[dict]) -> str:
    """Markdown: one row per (domain, sampler), means over drawings."""
    out = [
        "| domain | sampler | calls | precision | coverage / ceiling | in openings "
        "| Chamfer-L1 (m) | wall s | CPU s |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    keys = sorted({(r["domain"], r["sampler"]) for r in rows}, key=lambda k: (k[0], k[1]))
    for d, smp in keys:
        rs = [r for r in rows if r["domain"] == d and r["sampler"] == smp]
        m = {k: float(np.mean([r[k] for r in rs])) for k in rs[0] if isinstance(rs[0][k], float)}
        out.append(
            f"| {d} | {smp} | {rs[0]['calls']} | {m['precision']:.3f} | "
            f"{m['coverage']:.3f} / {m['ceiling']:.3f} | {m['in_openings']:.4f} | "
            f"{m['chamfer_l1']:.4f} | {m['wall_s']:.1f} | {m['cpu_s']:.1f} |"
        )
    return "\n".join(out)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--domains", nargs="+", default=["floorplan", "part", "landscape"])
    ap.add_argument("--n", type=int, default=2)
    ap.add_argument("--points", type=int, default=4096)
    ap.add_argument("--weights", default=None)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--skip-ddpm", action="store_true")
    ap.add_argument(
        "--temperatures", type=float, nargs="*", default=(), help="also DDIM-50 at these"
    )
    a = ap.parse_args()
    rows = run(a.domains, a.n, a.points, a.weights, a.threads, a.skip_ddpm, a.temperatures)
    print(table(rows))


if __name__ == "__main__":
    main()
