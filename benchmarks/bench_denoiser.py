"""Denoiser speed: ms per sampling step at N points, and GFLOP/s against the CPU's fp32 peak.

    nice -n 10 python benchmarks/bench_denoiser.py [--preset default] [--points 4096]
        [--threads 2] [--reps 20] [--peak 176]

One step = one `PointDenoiser.forward` (the encoder runs once per drawing, not per step).
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
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(0)
    cfg = get_config(a.preset)
    net = PointDiffusionNet(cfg).eval()
    size = cfg.encoder.input_size or cfg.encoder.image_size
    with torch.no_grad():
        cond = net.condition(torch.rand(1, 1, size, size))
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
    print(f"ms/step  median {med * 1e3:.1f}  best {best * 1e3:.1f}")
    print(
        f"GFLOP/step {flops / 1e9:.3f}  GFLOP/s (best) {flops / best / 1e9:.1f}  "
        f"= {100 * flops / best / 1e9 / a.peak:.1f} % of {a.peak:.0f} GFLOP/s peak"
    )
    print(f"DDIM-50 estimate {50 * med:.2f} s (target <= 1 s; 20 ms/step)")


if __name__ == "__main__":
    main()
