"""Time `freecad_cad3d.solids.plan_solids` on traced floor plans and parts, one thread.

    nice -n 10 python benchmarks/bench_solids.py [--seeds 1 7] [--tiles 1 2 4] [--boolean]

Plans: synthetic floor plans (`generate_floorplan`) vectorised from their drawings (traced
outlines: many vertices), tiled side by side 1, 2, 4... times for larger plans, plus their exact
truth plans and synthetic parts. Prints per plan: vertices, seconds (best of --repeats), solids,
validity and the volume's relative difference from the engine's mesh (manifold3d lift).
--boolean also times the one-boolean method (slow on big plans: seconds to minutes).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")

REPO = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(REPO), str(REPO / "core")]


def tiled(plan, k: int):
    """`k` copies of `plan` side by side (x offset = its width + 2 m): a plan k times larger."""
    from shapely import affinity
    from shapely.ops import unary_union

    from cad3d.plan import Cut, Plan, Solid

    x0, _, x1, _ = unary_union([s.footprint for s in plan.solids]).bounds
    step = x1 - x0 + 2.0
    out = Plan(plan.domain, (plan.extent[0] * k + 2.0 * (k - 1), plan.extent[1]))
    for s in plan.solids:
        fps = [affinity.translate(s.footprint, i * step) for i in range(k)]
        out.solids.append(Solid(s.cls, unary_union(fps), s.z0, s.z1))
    for c in plan.cuts:
        for i in range(k):
            out.cuts.append(
                Cut(c.cls, affinity.translate(c.footprint, i * step), c.z0, c.z1, c.host)
            )
    return out


def mesh_volume_mm3(plan, cls: str) -> float:
    """Volume (mm^3) of the engine's closed mesh body of `cls` (all its class meshes)."""
    from cad3d.geometry.lift import lift_plan

    meshes = lift_plan(plan).meshes
    hosted = {cls} | {c.cls for c in plan.cuts if c.host == cls}
    return sum(m.volume for k, m in meshes.items() if k in hosted) * 1e9


def run(name: str, plan, method: str, repeats: int) -> None:
    from freecad_cad3d.solids import plan_solids, plan_vertices

    best, shapes = float("inf"), {}
    for _ in range(repeats):
        t = time.perf_counter()
        shapes = plan_solids(plan, method)
        best = min(best, time.perf_counter() - t)
    for cls, shape in shapes.items():
        ref = mesh_volume_mm3(plan, cls)
        print(
            f"{name:24s} {method:8s} {plan_vertices(plan):6d} vert  {best:7.3f} s  {cls:5s} "
            f"solids {len(shape.Solids):3d}  valid {shape.isValid()}  "
            f"dvol {shape.Volume / ref - 1:+.1e}",
            flush=True,
        )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[1, 7])
    parser.add_argument("--tiles", type=int, nargs="+", default=[1, 2, 4])
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--boolean", action="store_true", help="also time the one-boolean way")
    args = parser.parse_args(argv)

    from freecad_cad3d.paths import ensure_freecad_importable

    if not ensure_freecad_importable():
        sys.exit("FreeCAD is not importable")
    from cad3d.data.floorplan import generate_floorplan
    from cad3d.data.part import generate_part
    from cad3d.geometry.vectorize import vectorize

    methods = ["auto"] + (["boolean"] if args.boolean else [])
    for seed in args.seeds:
        image, scale, truth = generate_floorplan(seed)
        traced = vectorize(image, scale, "floorplan")
        for method in methods:
            run(f"floorplan {seed} truth", truth, method, args.repeats)
            for k in args.tiles:
                run(f"floorplan {seed} traced x{k}", tiled(traced, k), method, args.repeats)
        _, _, part = generate_part(seed)
        for method in methods:
            run(f"part {seed} truth", part, method, args.repeats)


if __name__ == "__main__":
    main()
