"""Pixel masks for the floor-plan vectoriser: ink, skew, long thin lines and the wall band.

Why masks first: the three wall styles (solid fill, hatched outline, bare outline) differ in
ink but agree in one thing: a wall is a band 0.1-0.45 m wide that is either inked or enclosed.
Filling small enclosed white regions turns outlines and hatching into solid bands; an opening
with a square a little narrower than the thinnest wall then keeps walls and drops every thin
stroke (text, dimensions, door leaves, furniture). All sizes are in pixels unless named `_m`.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

MAX_HALF_WALL_M = 0.23  # enclosed white regions thinner than this (half-width) are wall interiors
MIN_WALL_M = 0.07  # the opening square: a little under the thinnest wall (0.10 m)


@dataclass
class Masks:
    """The vectoriser's pixel evidence, in the deskewed frame. Masks are (H, W) bool."""

    ink: np.ndarray  # generous threshold: every stroke, including faint anti-aliased lines
    ink_mid: np.ndarray  # mid-grey threshold: area-true edges of filled regions
    holes: np.ndarray  # small enclosed white regions (outline and hatch interiors, window strips)
    solid: np.ndarray  # ink that survives the opening square (filled walls)
    band: np.ndarray  # walls: solid bands including filled-in holes, thin strokes removed
    k: int  # the opening square's side


def to_grey(image: np.ndarray) -> np.ndarray:
    """(H, W) or (H, W, 3|4) uint8/float -> (H, W) uint8 grey."""
    img = np.asarray(image)
    if img.ndim == 3:
        img = cv2.cvtColor(img[..., :3].astype(np.uint8), cv2.COLOR_RGB2GRAY)
    if img.dtype != np.uint8:
        hi = 1.0 if img.max() <= 1.0 else 255.0
        img = np.clip(img.astype(np.float32) / hi * 255.0, 0, 255).astype(np.uint8)
    return img


def grey_quantile(grey: np.ndarray, q: float) -> float:
    """The q-quantile (0..1) of a uint8 image, from its histogram (no sort of the pixels)."""
    cdf = np.cumsum(np.bincount(grey.ravel(), minlength=256))
    return float(np.searchsorted(cdf, q * cdf[-1]))


def _paper(hist: np.ndarray, cdf: np.ndarray) -> tuple[float, float]:
    """(paper level, paper noise): the median grey, and a robust sigma (1.4826 x MAD) of the
    pixels within 60 levels of it."""
    bg = float(np.searchsorted(cdf, 0.5 * cdf[-1]))
    lo = int(max(bg - 60, 0))
    dev = np.abs(np.arange(lo, 256) - bg)
    w = hist[lo:]
    if not w.sum():
        return bg, 0.0
    order = np.argsort(dev, kind="stable")
    mad = float(dev[order][np.searchsorted(np.cumsum(w[order]), 0.5 * w.sum())])
    return bg, 1.4826 * mad


def thresholds(grey: np.ndarray) -> tuple[int, int]:
    """(generous, mid) ink thresholds from the paper's level and noise (robust to scans)."""
    hist = np.bincount(grey.ravel(), minlength=256).astype(np.float64)
    cdf = np.cumsum(hist)
    bg, sigma = _paper(hist, cdf)
    dark = float(np.searchsorted(cdf, 0.01 * cdf[-1]))
    mid = (bg + dark) / 2
    generous = max(mid, bg - max(25.0, 5.0 * sigma))
    return int(generous), int(min(mid, generous))


def paper_noise(grey: np.ndarray) -> float:
    """Noise of the paper (grey levels, robust sigma) from pixels within 60 levels of it."""
    hist = np.bincount(grey.ravel(), minlength=256).astype(np.float64)
    return _paper(hist, np.cumsum(hist))[1]


def denoise(grey: np.ndarray) -> np.ndarray:
    """Smooth a noisy scan a little (sigma 0.8 px) so faint strokes clear the noise floor."""
    return cv2.GaussianBlur(grey, (3, 3), 0.8) if paper_noise(grey) > 5.0 else grey


def estimate_skew(ink: np.ndarray, max_deg: float = 4.0) -> float:
    """Skew (degrees) that makes the drawing's strokes most axis-aligned; 0 if no ink.

    Projection profiles of the ink's edge pixels: at the right angle, edges of horizontal and
    vertical lines pile up in few rows/columns, so the sum of squared histogram counts peaks.
    Thick filled walls do not bias it (unlike Hough segments, which find short level runs
    inside any thick band). Coarse 0.2 degree search on 3 px bins, then 0.02 and 0.005 around the best.
    """
    u8 = ink.astype(np.uint8)
    edge = cv2.morphologyEx(u8, cv2.MORPH_GRADIENT, np.ones((3, 3), np.uint8)) > 0
    r, c = np.nonzero(edge)
    if r.size < 50:
        return 0.0
    if r.size > 20000:
        pick = np.random.default_rng(0).choice(r.size, 20000, replace=False)
        r, c = r[pick], c[pick]
    x, y = c.astype(np.float64), r.astype(np.float64)

    def score(deg: float, bin_px: float) -> float:
        t = np.radians(deg)
        ry = np.round((-x * np.sin(t) + y * np.cos(t)) / bin_px).astype(np.int64)
        rx = np.round((x * np.cos(t) + y * np.sin(t)) / bin_px).astype(np.int64)
        hy = np.bincount(ry - ry.min())
        hx = np.bincount(rx - rx.min())
        return float((hy.astype(np.float64) ** 2).sum() + (hx.astype(np.float64) ** 2).sum())

    coarse = np.linspace(-max_deg, max_deg, int(round(2 * max_deg / 0.2)) + 1)
    best = coarse[int(np.argmax([score(a, 3.0) for a in coarse]))]
    for half, step, bin_px in ((0.2, 0.02, 1.0), (0.03, 0.005, 0.5)):
        grid = np.linspace(best - half, best + half, int(round(2 * half / step)) + 1)
        sc = np.array([score(a, bin_px) for a in grid])
        best = float(grid[sc >= sc.max() * (1 - 1e-9)].mean())  # ties: their middle
    return best


def small_enclosed(white: np.ndarray, max_half: float) -> np.ndarray:
    """White regions that touch no border and are nowhere wider than 2 * max_half px."""
    n, labels = cv2.connectedComponents(white.astype(np.uint8), connectivity=4)
    dist = cv2.distanceTransform(white.astype(np.uint8), cv2.DIST_L2, 3)
    keep = np.ones(n, bool)
    keep[0] = False
    keep[np.unique(labels[dist > max_half])] = False
    edge = np.concatenate([labels[0], labels[-1], labels[:, 0], labels[:, -1]])
    keep[np.unique(edge)] = False
    return keep[labels]


def drop_specks(mask: np.ndarray, max_area: int) -> np.ndarray:
    """Remove 8-connected components of at most max_area px (scan noise)."""
    n, labels, stats, _ = cv2.connectedComponentsWithStats(mask.astype(np.uint8), connectivity=8)
    keep = stats[:, cv2.CC_STAT_AREA] > max_area
    keep[0] = False
    return keep[labels]


def wall_masks(grey: np.ndarray, scale: float) -> Masks:
    """Ink, holes, solid and the wall band of a deskewed floor-plan drawing."""
    t_gen, t_mid = thresholds(grey)
    ink = drop_specks(grey < t_gen, 2)
    ink_mid = grey < t_mid
    holes = small_enclosed(~ink, MAX_HALF_WALL_M / scale)
    k = odd(MIN_WALL_M / scale, 3)
    se = cv2.getStructuringElement(cv2.MORPH_RECT, (k, k))
    solid = cv2.morphologyEx(ink_mid.astype(np.uint8), cv2.MORPH_OPEN, se) > 0
    solid = cv2.dilate(solid.astype(np.uint8), np.ones((3, 3), np.uint8)) > 0  # with its fringe
    band = cv2.morphologyEx((ink | holes).astype(np.uint8), cv2.MORPH_OPEN, se) > 0
    # a faint stroke's anti-aliased fringe can be as wide as the square: keep band pixels only
    # where they are solid at mid-grey or hug a filled-in hole (an outline's or hatch's line)
    near_holes = cv2.dilate(holes.astype(np.uint8), np.ones((5, 5), np.uint8)) > 0
    keep = solid | near_holes
    if (solid & band).sum() < 0.5 * (keep & band).sum():  # outlined walls, not filled ones:
        # where a scan or resampling merged a thin wall's two strokes, twice a stroke's ink
        # (wider than any single stroke: an opening one pixel wider than the square)
        wide = cv2.morphologyEx(
            ink.astype(np.uint8), cv2.MORPH_OPEN, np.ones((k + 1, k + 1), np.uint8)
        )
        keep |= (cv2.dilate(wide, np.ones((3, 3), np.uint8)) > 0) & ink
    band &= keep
    band = cv2.morphologyEx(band.astype(np.uint8), cv2.MORPH_OPEN, se) > 0
    band = keep_large(band, scale, 0.1)
    return Masks(ink, ink_mid, holes, solid & band, band, k)


def keep_large(mask: np.ndarray, scale: float, frac: float) -> np.ndarray:
    """Keep components of at least `frac` of the largest one and 0.3 m^2: the wall network
    (with its door gaps bridged) is one piece; furniture and labels are small islands."""
    n, labels, stats, _ = cv2.connectedComponentsWithStats(mask.astype(np.uint8), connectivity=8)
    if n <= 1:
        return mask & False
    area = stats[:, cv2.CC_STAT_AREA].astype(np.float64)
    area[0] = 0
    keep = (area >= frac * area.max()) & (area * scale * scale >= 0.3)
    return keep[labels]


def odd(size: float, least: int = 1) -> int:
    """An odd kernel size near `size` px: cv2's erode and dilate use the same anchor, so an
    opening or closing with an even kernel shifts the mask by a pixel."""
    n = max(least, int(round(size)))
    return n if n % 2 else n + 1


def long_lines(ink: np.ndarray, length: int) -> tuple[np.ndarray, np.ndarray]:
    """(horizontal, vertical) masks of ink runs at least `length` px long."""
    length = odd(length)
    u8 = ink.astype(np.uint8)
    hor = (
        cv2.morphologyEx(u8, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, (length, 1)))
        > 0
    )
    ver = (
        cv2.morphologyEx(u8, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, (1, length)))
        > 0
    )
    return hor, ver


def run_width(lines_h: np.ndarray, lines_v: np.ndarray) -> float:
    """Mean stroke width (px) of horizontal and vertical line masks: pixels per run across."""
    px = int(lines_h.sum()) + int(lines_v.sum())
    runs = int((lines_h[1:] & ~lines_h[:-1]).sum() + lines_h[0].sum())
    runs += int((lines_v[:, 1:] & ~lines_v[:, :-1]).sum() + lines_v[:, 0].sum())
    return px / runs if runs else 1.0
