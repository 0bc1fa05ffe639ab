"""Absolute contour elevations from relative levels, the labels read and the stated datum.

DESIGN.md: terrain z = labelled elevation - the site datum the drawing states, or the label
itself where it states none. The rules, in order (`plan.meta["elevation_rule"]` names the one
used, `plan.meta["datum"]` says what was found: a value, "none stated" or "unreadable"):
- labels read at two or more levels that agree fix the sense (up/down) and the level;
- labels read at one level fix the level; the sense is the one that puts the lowest contour
  0-5 intervals above a known datum (a datum is set at or a little below a site's lowest ground), else
  the geometric guess of landscape_levels.py;
- datum known, no labels: the lowest contour sits `LOW_ABOVE_DATUM` intervals above it, moved
  (by at most one interval) to where the heavy index lines fall on multiples of 5;
- otherwise (no labels, or a datum stated but unreadable): relative, lowest contour at
  `notes["base_elevation"] - notes["datum"]` (each default 0).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import cv2
import numpy as np
import shapely
from shapely.geometry import LineString

from .landscape_datum import read_datum_grey
from .landscape_labels import FONTS, glyph_mask, orient_by_labels, read_datum, read_numbers
from .landscape_lines import stroke_radius

INDEX_EVERY = 5  # index contours: absolute elevations that are multiples of 5 intervals
LOW_ABOVE_DATUM = 2  # intervals between the datum and the lowest contour when nothing else says
MAX_LOW_ABOVE_DATUM = 12  # intervals: a datum read further below the lowest contour is misread
NEAR_PX = 25.0  # a label belongs to the contour within this distance


def elevations(
    lines: list,
    levels: list[int],
    ink: np.ndarray,
    grey: np.ndarray,
    legend: np.ndarray,
    notes: dict[str, Any],
    interval: float,
) -> tuple[Callable[[int], float], dict[str, Any]]:
    """(level -> z meters, meta entries). lines: [(points (K, 2) px, is_index, is_closed)].

    ink: (H, W) 0/1 without stipple; grey: (H, W) uint8 sheet; legend: (H, W) bool.
    """
    pairs = _label_pairs(lines, read_numbers(glyph_mask(ink, ~legend)), interval)
    datum, state = _datum(grey, legend, notes)
    orient = orient_by_labels(levels, pairs) if pairs else None
    if orient is None and pairs:  # one labelled level: the level is known, the sense is not
        orient = _one_level(levels, pairs, datum / interval if datum is not None else None)
    meta: dict[str, Any] = {"datum": datum if datum is not None else state, "labels": len(pairs)}
    if orient is not None and datum is not None and state == "read":
        low = min(orient[1] + orient[0] * k for k in levels) - datum / interval
        if not -1 <= low <= MAX_LOW_ABOVE_DATUM:  # labels and datum disagree: a misreading
            datum, state = None, "unreadable"
            meta["datum"] = state
    if orient is not None and state != "unreadable":
        sense, offset = orient
        d = datum or 0.0
        meta["elevation_rule"] = (
            f"labels read, datum {d:g}" if datum is not None else "labels read, no datum stated"
        )
        return (lambda k: (offset + sense * k) * interval - d), meta
    sense = orient[0] if orient is not None else 1
    if datum is not None and levels:
        low = _low_from_index(lines, levels, datum / interval)
        kmin = min(levels)
        meta["elevation_rule"] = f"datum {datum:g}, no labels: lowest contour {low} intervals above"
        return (lambda k: (low + k - kmin) * interval), meta
    why = "relative (sense from labels)" if orient is not None else "relative"
    if state == "unreadable":
        why += ", datum stated but unreadable"
    meta["elevation_rule"] = why + ": lowest contour at base - datum"
    base = float(notes.get("base_elevation", 0.0)) - float(notes.get("datum", 0.0))
    kmin = min(sense * k for k in levels) if levels else 0
    return (lambda k: base + (sense * k - kmin) * interval), meta


def _label_pairs(lines, numbers, interval) -> list[tuple[int, float]]:
    """(line index, label in intervals) for labels within NEAR_PX of a contour that fall on
    an index level (a misread digit mostly does not); a heavy (index) line within reach is
    preferred to a nearer thin one (the label sits in a gap of its index line)."""
    if not numbers or not lines:
        return []
    geoms = [LineString(p) for p, _, _ in lines]
    heavy = np.array([bool(ix) for _, ix, _ in lines])
    out = []
    for c, r, value in numbers:
        k = value / interval
        if abs(k / INDEX_EVERY - round(k / INDEX_EVERY)) > 1e-6:
            continue
        d = shapely.distance(np.array(geoms, dtype=object), shapely.Point(c, r))
        near = d <= NEAR_PX
        if not near.any():
            continue
        pick = np.where(near & heavy)[0] if (near & heavy).any() else np.where(near)[0]
        out.append((int(pick[np.argmin(d[pick])]), k))
    return out


def _datum(grey, legend, notes) -> tuple[float | None, str]:
    """(datum m or None, "given" | "read" | "unreadable" | "none stated").

    The legend is read glyph by glyph at a few ink thresholds between its paper and its
    darkest ink (glyphs that touch at one threshold come apart at a darker one), then by
    whole-glyph matching on the grey (landscape_datum.py: bold, blurred scans); whether a
    datum is stated at all is told by the word DATUM vs LEVELS when no number is read.
    """
    if notes.get("datum") is not None:
        return float(notes["datum"]), "given"
    if not legend.any():
        return None, "none stated"
    ys, xs = np.nonzero(legend)
    by_word = read_datum_grey(grey[ys.min() : ys.max() + 1, xs.min() : xs.max() + 1])
    g = grey[legend].astype(np.float32)
    paper, dark = float(np.median(g)), float(np.percentile(g, 1))
    seen, bold = False, False
    for k, f in enumerate((0.25, 0.4, 0.55, 0.7)):
        raw = (grey < paper - f * (paper - dark)).astype(np.uint8)
        mask = glyph_mask(raw, legend, smallest=1)
        if k == 0:  # text a scan thickened and blurred: its strokes over 2 px wide
            bold = stroke_radius(mask) > 1.2
        stated, value = read_datum(mask)
        if value is not None:
            return float(value), "read"
        seen |= stated and (k < 2 or bold)  # thin letters break into plus-like pieces
    if by_word is not None:  # read by whole-glyph matching on the grey
        return by_word, "read"
    says = _says_datum(grey, legend)
    if says is not None:
        seen = says
    return None, "unreadable" if seen else "none stated"


def _says_datum(grey: np.ndarray, legend: np.ndarray) -> bool | None:
    """Whether the legend holds the word DATUM rather than LEVELS (whole-word template match
    on the grey, so bold or blurred scans still tell), None when neither matches well."""
    ys, xs = np.nonzero(legend)
    crop = grey[ys.min() : ys.max() + 1, xs.min() : xs.max() + 1].astype(np.float32)
    best = {}
    for word in ("DATUM", "LEVELS"):
        score = -1.0
        for font, weight, cap in ((f, t, c) for f in FONTS for t in (1, 2) for c in (8, 10, 12)):
            (_, h0), _ = cv2.getTextSize("H", font, 1.0, weight)
            fs = cap / max(0.75 * h0, 1)
            (tw, th), base = cv2.getTextSize(word, font, fs, weight)
            tile = np.full((th + base + 4, tw + 4), 255, np.uint8)
            cv2.putText(tile, word, (2, th + 2), font, fs, 0, weight, cv2.LINE_AA)
            if tile.shape[0] >= crop.shape[0] or tile.shape[1] >= crop.shape[1]:
                continue
            m = cv2.matchTemplate(crop, tile.astype(np.float32), cv2.TM_CCOEFF_NORMED)
            score = max(score, float(m.max()))
        best[word] = score
    if max(best.values()) < 0.4 or abs(best["DATUM"] - best["LEVELS"]) < 0.05:
        return None
    return best["DATUM"] > best["LEVELS"]


def _one_level(levels, pairs, datum) -> tuple[int, float]:
    """(sense, offset) from labels at a single level: the sense that puts the lowest contour
    0-5 intervals above the datum (nearest LOW_ABOVE_DATUM), else the geometric sense (+1)."""
    cand = {}
    for sense in (1, -1):
        offs = [v - sense * levels[i] for i, v in pairs]
        vals, cnt = np.unique(offs, return_counts=True)
        cand[sense] = float(vals[int(np.argmax(cnt))])
    if datum is not None:
        above = {s: min(cand[s] + s * k for k in levels) - datum for s in (1, -1)}
        ok = [s for s in (1, -1) if -0.5 <= above[s] < INDEX_EVERY + 1]
        if ok:
            best = min(ok, key=lambda s: abs(above[s] - LOW_ABOVE_DATUM))
            return best, cand[best]
    return 1, cand[1]


def _low_from_index(lines, levels, datum) -> int:
    """Intervals from the datum to the lowest contour: LOW_ABOVE_DATUM, or the value in
    LOW_ABOVE_DATUM +- 1 that best puts heavy lines (and only them) on multiples of 5."""
    kmin = min(levels)
    ix = np.array([bool(f) for _, f, _ in lines])
    k = np.array(levels)
    if not ix.any() or ix.all():
        return LOW_ABOVE_DATUM
    best, score = LOW_ABOVE_DATUM, 0.0
    for low in (LOW_ABOVE_DATUM, LOW_ABOVE_DATUM - 1, LOW_ABOVE_DATUM + 1):
        on = np.isclose(np.mod(low + k - kmin + datum, INDEX_EVERY), 0) | np.isclose(
            np.mod(low + k - kmin + datum, INDEX_EVERY), INDEX_EVERY
        )
        sc = on[ix].mean() - on[~ix].mean()
        if sc > score + 0.2:
            best, score = low, sc
    return best
