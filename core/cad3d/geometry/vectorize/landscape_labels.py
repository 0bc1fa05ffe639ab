"""Read contour labels (digits only) by template matching, to orient and anchor the levels.

Index contours carry their elevation as a short number set in a gap of the line. Glyphs are
matched against digits rendered with OpenCV's Hershey fonts (what CAD exports and our
generator use); other typefaces simply match poorly and the label is ignored. Labels set at
90 degrees (reading upwards) are turned back before matching.
"""

from __future__ import annotations

import cv2
import numpy as np

FONTS = (cv2.FONT_HERSHEY_SIMPLEX, cv2.FONT_HERSHEY_PLAIN, cv2.FONT_HERSHEY_DUPLEX)
CELL = (12, 16)  # glyphs are compared at this (width, height)
MIN_SCORE = 0.5  # normalised correlation of blurred glyph and template


def glyph_mask(ink: np.ndarray, where: np.ndarray, smallest: int = 5) -> np.ndarray:
    """(H, W) 0/1 uint8: small ink components (`smallest`-40 px across) where `where` is set,
    the candidates for digits (touching digits stay one component; `_read_word` cuts them)."""
    n, lab, st, _ = cv2.connectedComponentsWithStats(ink.astype(np.uint8), connectivity=8)
    size = np.maximum(st[:, 2], st[:, 3])
    keep = (size >= smallest) & (size <= 40)
    keep[0] = False
    return (keep[lab] & where).astype(np.uint8)


def read_numbers(text: np.ndarray) -> list[tuple[float, float, int]]:
    """Numbers written in a glyph mask: [(column, row) centre px, value] as (c, r, value).

    text: (H, W) 0/1 uint8, the ink of small glyphs only (no lines).
    """
    words = cv2.dilate(text, np.ones((3, 7), np.uint8))
    words_v = cv2.dilate(text, np.ones((7, 3), np.uint8))
    out = []
    for mask, rot in ((words, False), (words_v, True)):
        n, _, st, cen = cv2.connectedComponentsWithStats(mask, connectivity=8)
        for i in range(1, n):
            x, y, w, h, _ = st[i]
            if rot != (h > 1.3 * w) or max(w, h) > 80 or min(w, h) < 6:
                continue
            crop = text[y : y + h, x : x + w]
            if rot:
                crop = np.rot90(crop, k=-1)  # upward-reading text back to left-to-right
            value = _read_word(crop)
            if value is not None:
                out.append((float(cen[i][0]), float(cen[i][1]), int(value)))
    return out


def _read_word(crop: np.ndarray, signed: bool = False) -> float | None:
    """A number from one word's glyphs: digits, or with `signed` a level like "+112.00"."""
    n, lab, st, _ = cv2.connectedComponentsWithStats(crop.astype(np.uint8), connectivity=8)
    boxes = _split_touching(
        [(lab == i, st[i]) for i in range(1, n) if st[i][4] >= 2], crop.astype(np.uint8)
    )
    if not 2 <= len(boxes) <= (9 if signed else 4):  # elevations have two or more digits
        return None
    height = max(b[3] for b in boxes)
    text = ""
    for k, (x, y, w, h, _) in enumerate(boxes):
        if signed and k == 0 and _is_plus(crop[y : y + h, x : x + w], height):
            text += "+"
            continue
        if h < 0.7 * height:  # a sign or a point
            if not signed:
                return None
            low = y + h > 0.75 * height
            if k == 0 and w >= 0.35 * height:  # a leading sign: "+" is as tall as wide
                text += "+" if h > 0.35 * height else "-"
            elif low and max(w, h) <= 0.35 * height:
                text += "."
            else:
                return None
            continue
        if w > 1.1 * h:  # no digit is wider than tall
            return None
        g = crop[y : y + h, x : x + w].astype(np.float32)
        d, score = _best_digit(g, h)
        if score < MIN_SCORE:
            return None
        text += str(d)
    if not signed and text.startswith("0"):  # levels are not written with leading zeros
        return None
    if signed and "." not in text:  # a datum is written with decimals: "+112.00"
        return None
    try:
        return float(text)
    except ValueError:
        return None


def _split_touching(comps: list, crop: np.ndarray) -> list[tuple[int, int, int, int, int]]:
    """Glyph boxes (x, y, w, h, area) left to right, a blob of touching digits cut in columns.

    Digits are about 0.7-0.9 as wide as tall: a blob wider than 1.15 heights holds
    round(w / (0.8 h)) of them, cut at the emptiest column near each nominal boundary.
    """
    if not comps:
        return []
    height = max(int(b[3]) for _, b in comps)
    out = []
    for mask, (x, y, w, h, a) in comps:
        if w <= 1.15 * height or h < 0.7 * height:
            out.append((int(x), int(y), int(w), int(h), int(a)))
            continue
        m = mask[:, x : x + w]
        n4, _, st4, _ = cv2.connectedComponentsWithStats(m.astype(np.uint8), connectivity=4)
        tall = [b for b in st4[1:] if b[3] >= 0.7 * height]
        if len(tall) >= 2 and sum(b[4] for b in tall) >= 0.9 * a:  # touching at corners only
            out += [(int(x + b[0]), int(b[1]), int(b[2]), int(b[3]), int(b[4])) for b in tall]
            continue
        k = max(2, int(round(w / (0.8 * height))))
        cols = m.sum(0)
        cuts = [0]
        for j in range(1, k):
            c = int(round(j * w / k))
            lo, hi = max(c - 2, cuts[-1] + 2), min(c + 3, w - 2)
            if hi > lo:  # the emptiest column, the nearest to the nominal cut on ties
                seg = cols[lo:hi] + np.abs(np.arange(lo, hi) - c) * 1e-3
                cuts.append(lo + int(np.argmin(seg)))
            else:
                cuts.append(c)
        cuts.append(w)
        for a0, a1 in zip(cuts[:-1], cuts[1:], strict=True):
            ys = np.nonzero(m[:, a0:a1].any(1))[0]
            if len(ys):
                part = int(m[:, a0:a1].sum())
                out.append((int(x + a0), int(ys[0]), int(a1 - a0), int(ys[-1] - ys[0] + 1), part))
    return sorted(out, key=lambda b: b[0])


def _is_plus(g: np.ndarray, height: int) -> bool:
    """A "+": about square, shorter than the digits, its ink on one middle row and column."""
    h, w = g.shape
    ys, xs = np.nonzero(g)
    if len(ys) < 5 or not (0.6 <= w / h <= 1.5) or h > 0.9 * height:
        return False
    cy, cx = np.median(ys), np.median(xs)
    on_row, on_col = np.abs(ys - cy) <= 1, np.abs(xs - cx) <= 1
    if not ((on_row | on_col).mean() >= 0.85 and np.ptp(xs[on_row]) >= 0.7 * (w - 1)):
        return False
    return bool(np.ptp(ys[on_col]) >= 0.7 * (h - 1))  # a bar across and a bar down


def read_datum(text: np.ndarray) -> tuple[bool, float | None]:
    """(a signed level is written, its value or None) in a glyph mask (a legend's).

    A level like "+112.00" is read from its sign on, so a word run into it ("DATUM+112.00")
    does no harm; a sign found but the number unread gives (True, None).
    """
    rows = cv2.dilate(text, np.ones((3, 9), np.uint8))
    n, _, st, _ = cv2.connectedComponentsWithStats(rows, connectivity=8)
    seen = False
    for i in range(1, n):
        x, y, w, h, _ = st[i]
        crop = text[y : y + h, x : x + w]
        # 4-connected: a "+" often touches the next digit at a corner
        _, _, cs, _ = cv2.connectedComponentsWithStats(crop.astype(np.uint8), connectivity=4)
        height = int(cs[1:, 3].max()) if len(cs) > 1 else 0
        for cx, cy, cw, ch, _ in sorted(cs[1:], key=lambda b: b[0]):
            if not _is_plus(crop[cy : cy + ch, cx : cx + cw], height):
                continue
            seen = True
            sub = crop[:, cx:]
            v = _read_word(sub, signed=True)
            if v is not None and _signature(sub) == ".":
                return True, v
    return seen, None


def _signature(crop: np.ndarray) -> str:
    """'.' when the word holds a small low glyph (a decimal point), else ''."""
    n, _, st, _ = cv2.connectedComponentsWithStats(crop.astype(np.uint8), connectivity=8)
    height = crop.shape[0]
    lows = [b for b in st[1:] if b[3] < 0.35 * height and b[1] + b[3] > 0.75 * height]
    return "." if lows else ""


def _best_digit(glyph: np.ndarray, height: int) -> tuple[int, float]:
    g = _norm(cv2.resize(glyph, CELL, interpolation=cv2.INTER_AREA))
    best = (-1, -1.0)
    for d, t in enumerate(_templates(height)):
        for tt in t:
            score = float((g * tt).sum())
            if score > best[1]:
                best = (d, score)
    return best


_CACHE: dict[int, list[list[np.ndarray]]] = {}


def _templates(height: int) -> list[list[np.ndarray]]:
    """Per digit, the normalised templates of every font, rendered about `height` px tall."""
    if height not in _CACHE:
        out = []
        for d in range(10):
            ts = []
            for font, weight in ((f, t) for f in FONTS for t in (1, 2)):  # 2: a scan's bold
                (_, h0), _ = cv2.getTextSize("H", font, 1.0, weight)
                fs = height / max(0.75 * h0, 1)  # Hershey caps are ~3/4 of getTextSize's height
                tile = np.full((3 * height, 3 * height), 255, np.uint8)
                org = (height // 2, 2 * height)
                cv2.putText(tile, str(d), org, font, fs, 0, weight, cv2.LINE_AA)
                tile = (tile < 190).astype(np.uint8)  # as the vectoriser thresholds ink
                ys, xs = np.nonzero(tile)
                if len(ys) == 0:
                    continue
                g = tile[ys.min() : ys.max() + 1, xs.min() : xs.max() + 1].astype(np.float32)
                ts.append(_norm(cv2.resize(g, CELL, interpolation=cv2.INTER_AREA)))
            out.append(ts)
        _CACHE[height] = out
    return _CACHE[height]


def _norm(a: np.ndarray) -> np.ndarray:
    """Blurred (stroke weight matters less than shape), zero-mean, unit-norm."""
    a = cv2.GaussianBlur(a.astype(np.float32), (5, 5), 1.0)
    a = a - a.mean()
    return a / (np.linalg.norm(a) + 1e-9)


def orient_by_labels(levels: list[int], labels: list[tuple[int, int]]) -> tuple[int, float] | None:
    """Sense (+1/-1) and offset making value = offset + sense * level for most labels.

    labels: (line index, value) pairs. None unless two labels at different levels agree.
    """
    best = None
    for sense in (1, -1):
        offs = [v - sense * levels[i] for i, v in labels]
        vals, cnt = np.unique(offs, return_counts=True)
        k = int(np.argmax(cnt))
        agree = [levels[i] for (i, _), o in zip(labels, offs, strict=True) if o == vals[k]]
        if len(set(agree)) >= 2 and (best is None or cnt[k] > best[2]):
            best = (sense, float(vals[k]), int(cnt[k]))
    return None if best is None else best[:2]
