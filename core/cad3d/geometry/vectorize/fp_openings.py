"""Doors and windows of a floor plan, found in the wall band (deskewed pixel frame).

Why two routes: a window is drawn inside the wall's outline (jambs, then lines along the
wall), so the wall band closes over it and it shows as *lines or a bare strip inside the
band*; a door leaves the band open, so it shows as a *gap between two collinear wall ends*.
A gap whose inside is crossed by lines along the wall is a window after all (a scan broke
its outline); any other gap of door width is a door, whatever its leaf and swing look like.
Scans add look-alikes, rejected by shape: a "gap" with wall beside it along its length is the
strip between a wall face and a blurred door leaf; a "window" must have wall going on beyond
its ends. `Opening.src` keeps the evidence so the caller can trust glazing lines anywhere but
a bare strip only in an exterior wall.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from .fp_masks import Masks, odd


@dataclass
class Opening:
    """An opening's box in pixels (inclusive indices): `along` on its wall's axis, `across` it."""

    cls: str  # "DOOR" or "WINDOW"
    axis: str  # "h": wall runs along columns (x); "v": along rows (y)
    a0: int
    a1: int
    b0: int
    b1: int
    src: str = "gap"  # evidence: "lines" (glazing strokes), "strip" (bare strip), "gap"

    def box_px(self) -> tuple[float, float, float, float]:
        """(c0, r0, c1, r1) pixel-edge box."""
        if self.axis == "h":
            return self.a0 - 0.5, self.b0 - 0.5, self.a1 + 0.5, self.b1 + 0.5
        return self.b0 - 0.5, self.a0 - 0.5, self.b1 + 0.5, self.a1 + 0.5


def _band_run(band: np.ndarray, axis: str, along: int, across: int) -> tuple[int, int] | None:
    """The band's extent across the wall through pixel (along, across): (b0, b1) or None."""
    line = band[:, along] if axis == "h" else band[along, :]
    if not 0 <= across < line.size or not line[across]:
        hits = np.flatnonzero(line[max(0, across - 2) : across + 3])
        if not hits.size:
            return None
        across = max(0, across - 2) + int(hits[0])
    b0 = across
    while b0 > 0 and line[b0 - 1]:
        b0 -= 1
    b1 = across
    while b1 < line.size - 1 and line[b1 + 1]:
        b1 += 1
    return b0, b1


def _across_extent(
    band: np.ndarray, axis: str, a0: int, a1: int, across: int
) -> tuple[int, int] | None:
    """The wall's extent across, read just beyond the opening's ends (the window's own strokes
    may stand proud of the faces); inside the opening if the wall is not found there."""
    n = band.shape[1] if axis == "h" else band.shape[0]
    outside = [a for a in (a0 - 4, a0 - 3, a1 + 3, a1 + 4) if 0 <= a < n]
    runs = [_band_run(band, axis, a, across) for a in outside]
    runs = [r for r in runs if r is not None and r[1] - r[0] < 0.5 * (a1 - a0 + 1) + 2]
    if not runs:
        runs = [
            _band_run(band, axis, a, across)
            for a in np.linspace(a0, a1, 5).round().astype(int)[1:-1]
        ]
    runs = [r for r in runs if r is not None]
    if not runs:
        return None
    return int(np.median([r[0] for r in runs])), int(np.median([r[1] for r in runs]))


def find_windows(
    m: Masks, thin_h: np.ndarray, thin_v: np.ndarray, scale: float, bare_strips: bool, inset: int
) -> list[Opening]:
    """Windows inside the band: thin lines along it away from its faces, or (styles whose walls
    are inked) long bare rectangular strips. `inset`: px to stay clear of the band's faces."""
    se = cv2.getStructuringElement(cv2.MORPH_RECT, (2 * inset + 1, 2 * inset + 1))
    inner = cv2.erode(m.band.astype(np.uint8), se) > 0
    min_len = 0.5 / scale
    reach = max(5, int(round(0.15 / scale)))  # walls go on >= 0.3 m beyond a window's jambs
    out: list[Opening] = []
    seeds = [(thin_h & inner, "h"), (thin_v & inner, "v")]
    for mask, axis in seeds:
        n, _, stats, _ = cv2.connectedComponentsWithStats(mask.astype(np.uint8), connectivity=8)
        for x, y, w, h, _a in stats[1:]:
            a0, a1, across = (
                (x, x + w - 1, y + h // 2) if axis == "h" else (y, y + h - 1, x + w // 2)
            )
            if a1 - a0 + 1 >= min_len:
                _add(out, m.band, axis, a0, a1, across, reach, "lines")
    if bare_strips:
        n, _, stats, _ = cv2.connectedComponentsWithStats(
            (m.holes & m.band).astype(np.uint8), connectivity=4
        )
        for x, y, w, h, a in stats[1:]:
            long_, short = max(w, h), min(w, h)
            if long_ >= 0.6 / scale and short <= 0.45 / scale and a >= 0.6 * w * h:
                if w >= h:
                    _add(out, m.band, "h", x, x + w - 1, y + h // 2, reach, "strip")
                else:
                    _add(out, m.band, "v", y, y + h - 1, x + w // 2, reach, "strip")
    return _merge(out)


def _flanked(band: np.ndarray, axis: str, a0: int, a1: int, across: int, reach: int) -> bool:
    """A window sits inside a wall: the band touches both of its ends, and beyond at least
    one it goes on for `reach` px no wider than a wall. (Two dimension extension lines closed
    off by a blurred scan make a bare strip from a wall's side to the dimension line: at one
    end the wall runs across it, at the other there is only that stroke, then paper.)"""
    n = band.shape[1] if axis == "h" else band.shape[0]
    widest = 4 * reach  # 0.6 m: thicker than any wall, far thinner than a wall run across

    def wall_at(a: int) -> bool:
        run = _band_run(band, axis, a, across) if 0 <= a < n else None
        return run is not None and run[1] - run[0] < widest

    def band_at(a: int) -> bool:
        return 0 <= a < n and _band_run(band, axis, a, across) is not None

    ends = ((a0 - 3, a0 - 4, a0 - reach), (a1 + 3, a1 + 4, a1 + reach))
    return all(band_at(e[0]) or band_at(e[1]) for e in ends) and any(
        wall_at(e[0]) and wall_at(e[2]) for e in ends
    )


def _add(
    out: list[Opening],
    band: np.ndarray,
    axis: str,
    a0: int,
    a1: int,
    across: int,
    reach: int,
    src: str,
) -> None:
    if not _flanked(band, axis, a0, a1, across, reach):
        return
    ext = _across_extent(band, axis, a0, a1, across)
    if ext is not None:
        out.append(Opening("WINDOW", axis, int(a0), int(a1), *ext, src))


def _merge(ops: list[Opening]) -> list[Opening]:
    """Merge same-axis openings whose boxes overlap (a window's lines and strips)."""
    done: list[Opening] = []
    for o in sorted(ops, key=lambda o: (o.axis, o.a0)):
        for d in done:
            if (
                d.axis == o.axis
                and o.a0 <= d.a1 + 1
                and d.a0 <= o.a1 + 1
                and o.b0 <= d.b1
                and d.b0 <= o.b1
            ):
                d.a0, d.a1 = min(d.a0, o.a0), max(d.a1, o.a1)
                d.b0, d.b1 = min(d.b0, o.b0), max(d.b1, o.b1)
                d.src = "lines" if "lines" in (d.src, o.src) else d.src
                break
        else:
            done.append(Opening(o.cls, o.axis, o.a0, o.a1, o.b0, o.b1, o.src))
    return done


def find_gaps(
    m: Masks, thin_h: np.ndarray, thin_v: np.ndarray, scale: float
) -> tuple[list[Opening], np.ndarray]:
    """Doors (gaps of 0.45-1.3 m between collinear wall ends) and the mask of small breaks
    (< 0.45 m, scan damage) to give back to the wall. Gaps crossed by lines are windows."""
    max_gap = odd(1.3 / scale)
    patch = np.zeros_like(m.band)
    out: list[Opening] = []
    for axis, lines in (("h", thin_h), ("v", thin_v)):
        kernel = (max_gap, 1) if axis == "h" else (1, max_gap)
        se = cv2.getStructuringElement(cv2.MORPH_RECT, kernel)
        closed = cv2.morphologyEx(m.band.astype(np.uint8), cv2.MORPH_CLOSE, se) > 0
        gap = closed & ~m.band
        n, labels, stats, _ = cv2.connectedComponentsWithStats(gap.astype(np.uint8), connectivity=4)
        for i, (x, y, w, h, a) in enumerate(stats[1:], start=1):
            along, across = (w, h) if axis == "h" else (h, w)
            if not (0.08 <= across * scale <= 0.5 and across >= 3) or a < 0.5 * w * h:
                continue
            if _lines_a_face(m.band, axis, x, y, w, h):
                continue
            if along * scale < 0.45:
                patch |= labels == i
                continue
            a0, a1, b0, b1 = (
                (x, x + w - 1, y, y + h - 1) if axis == "h" else (y, y + h - 1, x, x + w - 1)
            )
            sub = lines[y : y + h, x : x + w]
            crossed = sub.any(axis=0 if axis == "h" else 1).mean() if sub.size else 0.0
            cls = "WINDOW" if crossed > 0.6 and sub.sum() > 1.5 * along else "DOOR"
            src = "lines" if cls == "WINDOW" else "gap"
            out.append(Opening(cls, axis, int(a0), int(a1), int(b0), int(b1), src))
    return out, patch


def _lines_a_face(band: np.ndarray, axis: str, x: int, y: int, w: int, h: int) -> bool:
    """True when a gap runs *along* a wall face (band beside it over most of its length): the
    strip between a wall and a blurred door leaf or arc, not a break across a wall. A true
    gap has rooms on both sides; only its ends touch the wall."""
    H, W = band.shape
    if axis == "h":
        sides = [band[r, x : x + w] for r in (y - 1, y + h) if 0 <= r < H]
    else:
        sides = [band[y : y + h, c] for c in (x - 1, x + w) if 0 <= c < W]
    return any(side.size and side.mean() > 0.5 for side in sides)
