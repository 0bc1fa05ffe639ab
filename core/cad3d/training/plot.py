"""A loss-curve PNG drawn with cv2 (no matplotlib): log-scale training loss (raw and smoothed)
and validation points."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np

from ..io.atomic import atomic_path


def plot_losses(
    path: str | Path,
    train: list[float],
    val: list[tuple[int, float]] | None = None,
    size: tuple[int, int] = (640, 360),
) -> Path:
    """Write a (W, H) = `size` PNG of the losses; x is the step, y is log10(loss)."""
    w, h = size
    img = np.full((h, w, 3), 255, np.uint8)
    m = 40
    y = np.log10(np.maximum(np.asarray(train, np.float64), 1e-8))
    vals = [v for _, v in (val or [])]
    allv = np.concatenate([y, np.log10(np.maximum(vals, 1e-8))]) if vals else y
    lo, hi = float(allv.min()), float(allv.max())
    hi = hi if hi > lo else lo + 1.0
    n = max(len(train), 2)

    def px(step: float, v: float) -> tuple[int, int]:
        return int(m + (w - 2 * m) * step / (n - 1)), int(
            h - m - (h - 2 * m) * (v - lo) / (hi - lo)
        )

    cv2.rectangle(img, (m, m), (w - m, h - m), (0, 0, 0), 1)
    pts = np.array([px(i, v) for i, v in enumerate(y)], np.int32)
    cv2.polylines(img, [pts], False, (200, 200, 200), 1)
    k = max(1, len(y) // 50)
    smooth = np.convolve(y, np.ones(k) / k, mode="valid")
    pts = np.array([px(i + k - 1, v) for i, v in enumerate(smooth)], np.int32)
    cv2.polylines(img, [pts], False, (200, 80, 0), 2)
    for step, v in val or []:
        cv2.circle(img, px(step - 1, np.log10(max(v, 1e-8))), 4, (0, 0, 220), -1)
    font = cv2.FONT_HERSHEY_SIMPLEX
    cv2.putText(img, f"loss (log10) {10**hi:.3g}", (m, m - 10), font, 0.45, (0, 0, 0), 1)
    cv2.putText(img, f"{10**lo:.3g}", (5, h - m), font, 0.4, (0, 0, 0), 1)
    cv2.putText(
        img, f"step {len(train)}  train (blue)  val (red)", (m, h - 12), font, 0.45, (0, 0, 0), 1
    )
    path = Path(path)
    with atomic_path(path) as tmp:
        ok, buf = cv2.imencode(".png", img)
        assert ok
        tmp.write_bytes(buf.tobytes())
    return path
