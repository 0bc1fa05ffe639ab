"""Relative contour levels from a drawing's geometry alone (no label reading).

A drawing without OCR tells neither absolute elevation nor which way is up; what it does tell
is which contour faces which across the ground between them. Each contour is probed with short
rays along its normal on both sides; the first contour a side's rays hit is its neighbour
there. Levels then spread from the longest contour with one rule: the slope keeps its sense
across each neighbour (up stays up), except that two closed rings facing each other from
outside (two hills, or two pits) sit at the same level. The overall sense is chosen last:
water lies low; else innermost closed rings are hills; else the ground rises to the top.
"""

from __future__ import annotations

import heapq

import cv2
import numpy as np
from shapely.geometry import Polygon

Line = tuple[np.ndarray, bool, bool]  # points (K, 2) px (column, row), is_index, is_closed


def contour_levels(
    lines: list[Line], block: np.ndarray, water: list[int], reach: float
) -> list[int]:
    """Integer level (in contour intervals, any offset) of each line.

    block: (H, W) bool, areas rays stop at (buildings, water, paths, legend); water: indices
    of lines that are water edges (their water side is low); reach: ray length in px.
    Index flags are not used: tried as a constraint in the walk, they lowered agreement.
    """
    if not lines:
        return []
    h, w = block.shape
    ids = np.zeros((h, w), np.int32)
    tx = np.zeros((h, w), np.float32)
    ty = np.zeros((h, w), np.float32)
    for i, (p, _, _) in enumerate(lines):
        q = np.rint(p).astype(np.int32)
        for a, b in zip(q[:-1], q[1:], strict=True):
            d = (b - a).astype(np.float32)
            n = float(np.hypot(*d)) or 1.0
            cv2.line(ids, tuple(map(int, a)), tuple(map(int, b)), i + 1, 3)
            cv2.line(tx, tuple(map(int, a)), tuple(map(int, b)), float(d[0] / n), 3)
            cv2.line(ty, tuple(map(int, a)), tuple(map(int, b)), float(d[1] / n), 3)
    ids[block & (ids == 0)] = -1
    rings = [Polygon(p) if closed and len(p) >= 4 else None for p, _, closed in lines]
    nbrs = [_neighbours(i, p, ids, tx, ty, reach) for i, (p, _, _) in enumerate(lines)]
    inside = [
        _inside_side(p, r) if r is not None else -1
        for (p, _, _), r in zip(lines, rings, strict=True)
    ]

    level: dict[int, int] = {}
    up: dict[int, int] = {}
    seed = max(range(len(lines)), key=lambda i: len(lines[i][0]))
    level[seed], up[seed] = 0, 0
    heap: list = []
    _push(heap, seed, nbrs)
    while heap:  # strongest neighbour relation first (a maximum spanning tree)
        _, c, side, c2, side2 = heapq.heappop(heap)
        if c2 in level:
            continue
        sib = inside[c] >= 0 and inside[c2] >= 0 and side != inside[c] and side2 != inside[c2]
        if sib:  # two rings facing from outside: same level, same sense
            level[c2] = level[c]
            up[c2] = inside[c2] if up[c] == inside[c] else 1 - inside[c2]
        elif side == up[c]:  # c2 lies uphill of c: one interval up, c on its downhill side
            level[c2], up[c2] = level[c] + 1, 1 - side2
        else:
            level[c2], up[c2] = level[c] - 1, side2
        _push(heap, c2, nbrs)
    out = [level.get(i, 0) for i in range(len(lines))]
    return [_sense(lines, out, up, inside, water) * k for k in out]


def _push(heap: list, c: int, nbrs) -> None:
    for side in (0, 1):
        for c2, side2, hits in nbrs[c][side]:
            heapq.heappush(heap, (-hits, c, side, c2, side2))


def _neighbours(i, p, ids, tx, ty, reach) -> list[list[tuple[int, int, int]]]:
    """Per side (0: left of travel, +normal), the contours its rays hit first, with their side."""
    h, w = ids.shape
    seg = np.linalg.norm(np.diff(p, axis=0), axis=1)
    cum = np.concatenate([[0.0], np.cumsum(seg)])
    if cum[-1] < 6:
        return [[], []]
    t = np.arange(3.0, cum[-1] - 3.0, 6.0)
    if len(t) == 0:
        t = np.array([cum[-1] / 2])
    x = np.interp(t, cum, p[:, 0])
    y = np.interp(t, cum, p[:, 1])
    x2, y2 = np.interp(t + 1, cum, p[:, 0]), np.interp(t + 1, cum, p[:, 1])
    d = np.stack([x2 - x, y2 - y], 1)
    d /= np.linalg.norm(d, axis=1, keepdims=True) + 1e-9
    nrm = np.stack([-d[:, 1], d[:, 0]], 1)
    k = np.arange(3, int(reach))
    out: list[list[tuple[int, int, int]]] = []
    for sgn in (1, -1):
        px = np.rint(x[:, None] + sgn * nrm[:, 0:1] * k).astype(int)
        py = np.rint(y[:, None] + sgn * nrm[:, 1:2] * k).astype(int)
        ok = (px >= 0) & (px < w) & (py >= 0) & (py < h)
        v = np.zeros(px.shape, np.int32)
        v[ok] = ids[py[ok], px[ok]]
        v[v == i + 1] = 0  # its own stroke
        hit = v != 0
        first = np.argmax(hit, 1)
        got = hit[np.arange(len(t)), first]
        hid = v[np.arange(len(t)), first][got]
        hx, hy = px[np.arange(len(t)), first][got], py[np.arange(len(t)), first][got]
        # the hit line's side facing back to the origin
        ox, oy = x[got], y[got]
        dot = (ox - hx) * (-ty[hy, hx]) + (oy - hy) * tx[hy, hx]
        found: list[tuple[int, int, int]] = []
        for c in np.unique(hid[hid > 0]):
            m = hid == c
            if m.sum() >= 2:
                found.append((int(c) - 1, 0 if np.median(dot[m]) > 0 else 1, int(m.sum())))
        out.append(found)
    return out


def _inside_side(p: np.ndarray, ring: Polygon) -> int:
    """Which side (0: +normal, 1: -normal) of closed line p is its inside."""
    j = len(p) // 2
    a, b = p[j], p[min(j + 1, len(p) - 1)]
    d = (b - a) / (np.linalg.norm(b - a) + 1e-9)
    q = (a + b) / 2 + 1.5 * np.array([-d[1], d[0]])
    from shapely import contains_xy

    return 0 if contains_xy(ring, q[0], q[1]) else 1


def _sense(lines, lv, up, inside, water) -> int:
    """+1 keeps the walk's sense, -1 flips it (module docstring: water low, rings hills, north up)."""
    votes = 0
    for i, ins in enumerate(inside):
        if ins < 0 or i not in up:
            continue
        hill = up[i] == ins  # rises inwards
        if i in water:
            votes += -5 if hill else 5
        else:
            votes += 1 if hill else -1
    if votes:
        return 1 if votes > 0 else -1
    ys = np.array([np.mean(p[:, 1]) for p, _, _ in lines])
    if len(set(lv)) < 2:
        return 1
    return -1 if np.corrcoef(-ys, lv)[0, 1] < 0 else 1
