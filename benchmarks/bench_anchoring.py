"""How much the plan's own x and y buy: anchor density settings and the linework snap.

    nice -n 10 python benchmarks/bench_anchoring.py [--domains floorplan] [--n 3] [--degraded]
        [--weights core/cad3d/weights/default.safetensors] [--threads 1]
        [--variants T,MIN_SHARE,SNAP_CELLS ...]

Each variant samples DDIM-50 clouds (4096 points) for the same held-out drawings (seeds >=
1_000_000, the same seed per drawing) with density temperature T (models.anchors: < 1 sharpens),
MIN_SHARE (cells below that share of uniform never drawn) and SNAP_CELLS (models.linework:
points within that many density cells of an ink edge moved onto it; 0 = the raw cloud), and
scores the points as `cad3d eval` does (evaluation.harness.point_scores). The defaults'
choice (models.config.DiffusionConfig, PointModel.snap_cells) is read off this table.
"""

from __future__ import annotations

import argparse
import os
import warnings

os.environ.setdefault("OMP_NUM_THREADS", "1")

import numpy as np  # noqa: E402

VARIANTS = ("0.25,0,0", "0.25,0,0.6", "0.5,0,0", "0.5,0,0.6", "0.5,1,0.6", "1,0,0.6")


def run(domains, n, degraded, weights, threads, variants) -> list[dict]:
    import torch

    from cad3d.data.synth import generate_sample
    from cad3d.diffusion_3d_model import create_diffusion_model
    from cad3d.evaluation.harness import HELD_OUT_SEED, TAU, point_scores

    torch.set_num_threads(threads)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = create_diffusion_model(4096, weights=weights)
    rows = []
    for domain in domains:
        samples = [
            generate_sample(domain, HELD_OUT_SEED + i, degraded=degraded, num_points=8192)
            for i in range(n)
        ]
        for v in variants:
            t, share, snap = (float(x) for x in v.split(","))
            model.density_temperature, model.density_min_share, model.snap_cells = t, share, snap
            model.domain_temperature = {}  # the variant's T for every domain
            scores = []
            for i, s in enumerate(samples):
                cond = {"image": s.image, "scale": s.scale, "domain": domain}
                pts = model.sample((1, 4096, 3), cond, steps=50, seed=i)[0].numpy()
                scores.append(point_scores(pts, s, TAU[domain], HELD_OUT_SEED + i))
            mean = {
                k.removeprefix("pts_"): float(np.mean([x[k] for x in scores])) for k in scores[0]
            }
            rows.append(dict(domain=domain, variant=v, **mean))
            print(_fmt(rows[-1]), flush=True)
    return rows


def _fmt(r: dict) -> str:
    return (
        f"{r['domain']:9s} T,min,snap {r['variant']:12s} prec {r['precision']:.3f}  "
        f"cov {r['coverage']:.4f}/{r['ceiling']:.4f} ({r['coverage'] / r['ceiling']:.0%})  "
        f"open {r['in_openings']:.4f}  CD-L1 {r['chamfer_l1']:.4f} m"
    )


def table(rows: list[dict]) -> str:
    out = [
        "| domain | T | min share | snap cells | precision | coverage / ceiling | in openings |",
        "|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        t, share, snap = r["variant"].split(",")
        out.append(
            f"| {r['domain']} | {t} | {share} | {snap} | {r['precision']:.3f} | "
            f"{r['coverage']:.4f} / {r['ceiling']:.4f} ({r['coverage'] / r['ceiling']:.0%}) | "
            f"{r['in_openings']:.4f} |"
        )
    return "\n".join(out)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--domains", nargs="+", default=["floorplan", "part", "landscape"])
    ap.add_argument("--n", type=int, default=3)
    ap.add_argument("--degraded", action="store_true", help="scan-degraded drawings")
    ap.add_argument("--weights", default=None)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--variants", nargs="+", default=list(VARIANTS))
    a = ap.parse_args()
    rows = run(a.domains, a.n, a.degraded, a.weights, a.threads, a.variants)
    print(table(rows))


if __name__ == "__main__":
    main()
