"""Denoiser speed: ms per sampling step at N points, and GFLOP/s against the CPU's fp32 peak.

    nice -n 10 python benchmarks/bench_denoiser.py [--preset default] [--points 4096]
        [--threads 2] [--reps 20] [--peak 176]

One step = one `PointDenoiser.forward` (the encoder and the anchor-only work run once per
drawing, not per step: `PointDenoiser.precompute`; the fine-ink patch under each point is
read at every step). Then the whole thing, as a user waits for it: DDIM-50 on a synthetic floor
plan through `PointModel.sample` (image letterboxing, encoding, anchor sampling, 50 steps, back
to meters, the linework snap), median and best of --runs.
FLOPs are counted by torch.utils.flop_counter (matmuls, convs, attention; elementwise ops,
grid_sample and top-k are not counted, so the GFLOP/s is a lower bound). --peak: the machine's
fp32 peak in GFLOP/s for the threads used (176: 2 cores x AVX2 FMA, ~2.75 GHz x 32).
Prints the median and best of --reps timed steps after 3 warm-ups, and a per-module profile.
"""

from __future__ import annotations

import argparse
import statistics
import time


def main() -> None:
    import torch
    from torch.utils.flop_counter import FlopCounterMode

    from cad3d.models.config import get_config
    from cad3d.models.network import PointDiffusionNet

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--preset", default="default")
    ap.add_argument("--points", type=int, default=4096)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--reps", type=int, default=20)
    ap.add_argument("--peak", type=float, default=176.0)
    ap.add_argument("--profile", action="store_true")
    ap.add_argument("--runs", type=int, default=5, help="end-to-end DDIM-50 runs")
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(0)
    cfg = get_config(a.preset)
    net = PointDiffusionNet(cfg).eval()
    size = cfg.encoder.input_size or cfg.encoder.image_size
    with torch.no_grad():
        den = cfg.denoiser
        fine = torch.rand(1, 1, den.fine_image_size, den.fine_image_size)
        fine = fine if den.fine_patch_size else None  # read under the moving points each step
        cond = net.condition(torch.rand(1, 1, size, size), a.points, fine=fine)
        t0 = time.perf_counter()
        cond = net.denoiser.precompute(cond)
        pre = time.perf_counter() - t0
        x = torch.randn(1, a.points, 3)
        t = torch.tensor([500])
        with FlopCounterMode(display=False) as fc:
            net(x, t, cond)
        flops = fc.get_total_flops()
        for _ in range(3):
            net(x, t, cond)
        times = []
        for _ in range(a.reps):
            t0 = time.perf_counter()
            net(x, t, cond)
            times.append(time.perf_counter() - t0)
        if a.profile:
            from torch.profiler import ProfilerActivity, profile

            with profile(activities=[ProfilerActivity.CPU]) as prof:
                net(x, t, cond)
            print(prof.key_averages().table(sort_by="self_cpu_time_total", row_limit=15))
    med, best = statistics.median(times), min(times)
    params = sum(p.numel() for p in net.denoiser.parameters())
    print(
        f"preset {a.preset}  points {a.points}  threads {a.threads}  denoiser params {params / 1e6:.2f} M"
    )
    print(f"ms/step  median {med * 1e3:.1f}  best {best * 1e3:.1f}  (precompute {pre * 1e3:.1f})")
    print(
        f"GFLOP/step {flops / 1e9:.3f}  GFLOP/s (best) {flops / best / 1e9:.1f}  "
        f"= {100 * flops / best / 1e9 / a.peak:.1f} % of {a.peak:.0f} GFLOP/s peak"
    )
    runs = end_to_end(a.preset, a.points, a.runs)
    print(
        f"DDIM-50 end to end: median {statistics.median(runs):.2f} s, best {min(runs):.2f} s "
        f"of {a.runs} (a shared VM only ever adds time: the best is what the machine can do)"
    )


def end_to_end(preset: str, points: int, runs: int) -> list[float]:
    """Seconds of each of `runs` DDIM-50 samplings of a floor plan, drawing in, meters out
    (shipped weights of `preset` when present: the image size they were trained at)."""
    import warnings

    from cad3d.data.synth import generate_sample
    from cad3d.diffusion_3d_model import create_diffusion_model

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = create_diffusion_model(points, preset=preset)
    s = generate_sample("floorplan", 1_000_000, num_points=256)
    drawing = {"image": s.image, "scale": s.scale, "domain": "floorplan"}
    model.sample((1, points, 3), drawing, steps=5, seed=0)  # warm-up
    times = []
    for i in range(runs):
        t0 = time.perf_counter()
        model.sample((1, points, 3), drawing, sampler="ddim", steps=50, seed=i)
        times.append(time.perf_counter() - t0)
    return times


if __name__ == "__main__":
    main()
