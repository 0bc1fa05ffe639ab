"""Time the extrude converter on a 1000 x 1000 px floor plan, one thread, median of 5.

    python benchmarks/bench_extrude.py [--seed 1000000] [--repeats 5]

Prints seconds for vectorise and lift (and their sum) as the median over the repeats, after
one warm-up run. The plan is a held-out synthetic floor plan fitted into 1000 x 1000 px.
"""

from __future__ import annotations

import argparse
import os
import statistics

os.environ.setdefault("OMP_NUM_THREADS", "1")  # before numpy / cv2 start their pools

import cv2  # noqa: E402
import numpy as np  # noqa: E402

SIZE = 1000


def fit_square(image: np.ndarray, scale: float, size: int = SIZE) -> tuple[np.ndarray, float]:
    """`image` resized to fit size x size (aspect kept) and padded with white; the new scale."""
    h, w = image.shape[:2]
    k = min(size / h, size / w)
    nh, nw = min(size, round(h * k)), min(size, round(w * k))
    small = cv2.resize(image, (nw, nh), interpolation=cv2.INTER_AREA if k < 1 else cv2.INTER_LINEAR)
    out = np.full((size, size), 255, dtype=np.uint8)
    out[size - nh :, :nw] = small  # bottom-left stays the drawing's origin
    return out, scale / k


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=1_000_000)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args(argv)
    cv2.setNumThreads(1)

    from cad3d.converters.base import Drawing
    from cad3d.converters.registry import create_converter
    from cad3d.data.floorplan import generate_floorplan

    image, scale, _ = generate_floorplan(args.seed)
    image, scale = fit_square(image, scale)
    drawing = Drawing(image, scale, source=f"floorplan_{args.seed}", kind="floorplan")
    converter = create_converter("extrude")
    converter.convert(drawing)  # warm-up: imports, caches
    runs = [converter.convert(drawing).timings for _ in range(args.repeats)]
    vec = statistics.median(t["vectorize"] for t in runs)
    lift = statistics.median(t["lift"] for t in runs)
    total = statistics.median(t["vectorize"] + t["lift"] for t in runs)
    print(
        f"extrude, {SIZE} x {SIZE} px floor plan (seed {args.seed}), 1 thread, median of {args.repeats}"
    )
    print(f"vectorise  {vec:.3f} s")
    print(f"lift       {lift:.3f} s")
    print(f"total      {total:.3f} s")


if __name__ == "__main__":
    main()
