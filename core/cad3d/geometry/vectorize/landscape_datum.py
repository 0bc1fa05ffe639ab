"""Read the datum ("DATUM +112.00") from a legend by whole-glyph template matching on the grey.

A scan thickens, blurs and joins the small legend text, so its glyphs no longer come apart as
components; matching rendered Hershey text on the grey (normalised correlation) still works.
The word DATUM is found first (its match fixes font, weight and size), then the characters
after it are read one by one, left to right, each at the best-matching spot just after the
previous one.
"""

from __future__ import annotations

import re

import cv2
import numpy as np

from .landscape_labels import FONTS

CHARS = "+-0123456789."
MIN_WORD, MIN_CHAR = 0.45, 0.45  # normalised correlation needed for the word / a character
MIN_SURE = 0.6  # every character of an accepted reading matches at least this well


def _tile(text: str, font: int, weight: int, cap: float) -> tuple[np.ndarray, int]:
    """Rendered text (ink dark on 255) and its baseline row; 2 px margins."""
    (_, h0), _ = cv2.getTextSize("H", font, 1.0, weight)
    fs = cap / max(0.75 * h0, 1)
    (tw, th), base = cv2.getTextSize(text, font, fs, weight)
    tile = np.full((th + base + 4, tw + 4), 255, np.uint8)
    cv2.putText(tile, text, (2, th + 2), font, fs, 0, weight, cv2.LINE_AA)
    return tile.astype(np.float32), th + 2


def find_word(crop: np.ndarray, word: str) -> tuple[float, tuple] | None:
    """(score, (font, weight, cap, x, y) of the best match) of `word` in a grey crop."""
    best = None
    for font in FONTS:
        for weight in (1, 2):
            for cap in (8, 9, 10, 11, 12, 14):
                t, _ = _tile(word, font, weight, cap)
                if t.shape[0] >= crop.shape[0] or t.shape[1] >= crop.shape[1]:
                    continue
                m = cv2.matchTemplate(crop, t, cv2.TM_CCOEFF_NORMED)
                _, v, _, (x, y) = cv2.minMaxLoc(m)
                if best is None or v > best[0]:
                    best = (float(v), (font, weight, cap, x, y, t.shape[1]))
    return best


def read_datum_grey(grey: np.ndarray) -> float | None:
    """The signed level written after DATUM in a grey legend crop, or None.

    The reading grows one character at a time: each candidate is rendered after the text so
    far (so spacing is the font's own) and only its new columns are matched, there; the
    reading stops where the crop holds no more ink.
    """
    crop = grey.astype(np.float32)
    found = find_word(crop, "DATUM")
    if found is None or found[0] < MIN_WORD:
        return None
    font, weight, cap, x, y, _ = found[1]
    paper, dark = float(np.median(crop)), float(crop.min())
    text, worst = "DATUM ", 1.0
    for _ in range(10):
        w0 = _tile(text, font, weight, cap)[0].shape[1] - 3
        best = (-1.0, "")
        # a point is matched with the digit after it: alone it is too small to tell
        for ch in ("0", *CHARS.replace(".", "").replace("0", ""), *(f".{d}" for d in "0123456789")):
            t, _ = _tile(text + ch, font, weight, cap)
            sub = t[:, w0:]
            y0, x0 = max(y - 2, 0), max(x + w0 - 2, 0)
            win = crop[y0 : y + t.shape[0] + 2, x0 : x + t.shape[1] + 2]
            if win.shape[0] < sub.shape[0] or win.shape[1] < sub.shape[1]:
                continue
            if ch == "0" and k_ink(win, paper, dark) < 0.03:  # blank: the writing has ended
                break
            if np.ptp(sub) == 0:
                continue
            v = float(cv2.matchTemplate(win, sub, cv2.TM_CCOEFF_NORMED).max())
            if v > best[0]:
                best = (v, ch)
        if not best[1] or best[0] < MIN_CHAR:
            break
        text += best[1]
        worst = min(worst, best[0])
    value = text[6:]
    # a level is written signed with two decimals ("+112.00"); anything else is a misreading
    if worst < MIN_SURE or not re.fullmatch(r"[+-]\d{1,4}\.\d\d", value):
        return None
    return float(value)


def k_ink(win: np.ndarray, paper: float, dark: float) -> float:
    """Share of a window's pixels that are ink (darker than a third of the way to the ink)."""
    return float((win < paper - 0.33 * (paper - dark)).mean())
