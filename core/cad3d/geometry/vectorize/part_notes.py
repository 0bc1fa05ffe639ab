"""Reading a part drawing's thickness note ("THK 12", mm) by template matching.

A small stand-in for OCR: it knows the Hershey fonts that CAD exports and our generator use,
and finds the word THK at a few text heights, then picks the number that best completes it.
Returns None when no note matches well (the caller falls back to the default thickness).
"""

from __future__ import annotations

import cv2
import numpy as np

FONTS = (cv2.FONT_HERSHEY_SIMPLEX, cv2.FONT_HERSHEY_DUPLEX)
CAP_HEIGHTS_PX = (9.5, 11.0, 12.5, 14.5)
VALUES_MM = tuple(range(1, 41)) + (1.5, 2.5, 0.5)
COARSE_SCORE = 0.6  # normalised correlation of the word THK at the nearest grid size
SOFTEN_SIGMA = 1.0  # px
MIN_SCORE = 0.86  # ... at its best size
NUMBER_SCORE = 0.9  # the whole note, number included: misreading is worse than not reading
MARGIN = 0.0  # the best number must beat the runner-up (ties: no reading)


def render_text(s: str, font: int, cap_px: float) -> np.ndarray:
    """(h, w) float32 tile of `s`, dark ink on white, cropped to the ink (+2 px), caps `cap_px`
    high, softened like the drawing."""
    (_, h0), _ = cv2.getTextSize("H", font, 1.0, 1)
    fs = cap_px / max(0.75 * h0, 1)
    (w, h), base = cv2.getTextSize(s, font, fs, 1)
    tile = np.full((h + base + 6, w + 6), 255, np.uint8)
    cv2.putText(tile, s, (3, 3 + h), font, fs, 0, 1, cv2.LINE_AA)
    rows, cols = np.nonzero(tile < 200)
    tile = tile[max(rows.min() - 2, 0) : rows.max() + 3, max(cols.min() - 2, 0) : cols.max() + 3]
    return _soften(tile)


def _soften(img: np.ndarray) -> np.ndarray:
    """Blur both sides of a match alike: a scan's blur then changes the score far less."""
    return cv2.GaussianBlur(img.astype(np.float32), (0, 0), SOFTEN_SIGMA)


def read_thickness(grey: np.ndarray) -> float | None:
    """Thickness in meters from a "THK n" note on the drawing ((H, W) uint8 grey), or None."""
    img = _soften(grey)
    best = None  # coarse: where is the word, roughly at which size
    for font in FONTS:
        for cap in CAP_HEIGHTS_PX:
            word = render_text("THK", font, cap)
            if word.shape[0] >= img.shape[0] or word.shape[1] >= img.shape[1]:
                continue
            score = cv2.matchTemplate(img, word, cv2.TM_CCOEFF_NORMED)
            _, top, _, (c, r) = cv2.minMaxLoc(score)
            if top >= COARSE_SCORE and (best is None or top > best[0]):
                best = (top, font, cap, c, r)
    if best is None:
        return None
    _, font, cap0, c, r = best
    area = img[max(r - 8, 0) : r + int(3 * cap0), max(c - 8, 0) : c + int(16 * cap0)]
    fine = []  # fine: the exact size, in the neighbourhood only
    for cap in np.arange(cap0 - 1.5, cap0 + 1.6, 0.25):
        word = render_text("THK", font, float(cap))
        if word.shape[0] < area.shape[0] and word.shape[1] < area.shape[1]:
            fine.append((cv2.matchTemplate(area, word, cv2.TM_CCOEFF_NORMED).max(), float(cap)))
    top, cap = max(fine)
    if top < MIN_SCORE:
        return None
    crop = area
    # candidates padded with paper to one width: a digit the candidate lacks counts against it
    width = render_text("THK 88.5", font, cap).shape[1] + 4
    scores = []
    for v in VALUES_MM:
        t = render_text(f"THK {v:g}", font, cap)
        t = np.pad(t, ((0, 0), (0, max(width - t.shape[1], 0))), mode="edge")
        if t.shape[0] > crop.shape[0] or t.shape[1] > crop.shape[1]:
            continue
        scores.append((cv2.matchTemplate(crop, t, cv2.TM_CCOEFF_NORMED).max(), v))
    if not scores:
        return None
    scores.sort(reverse=True)
    (top, v), second = scores[0], scores[1][0] if len(scores) > 1 else -1.0
    return float(v) / 1000 if top >= NUMBER_SCORE and top - second > MARGIN else None
