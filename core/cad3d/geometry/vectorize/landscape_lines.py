"""Raster line tracing for site plans: text stripping, thinning, tracing, gap joining.

Pure functions on (H, W) 0/1 uint8 masks; polylines are (K, 2) float px (column, row).
"""

from __future__ import annotations

import cv2
import numpy as np
from scipy.spatial import cKDTree
from shapely.geometry import LineString


def binarise(grey: np.ndarray) -> np.ndarray:
    """(H, W) 0/1 uint8 ink of a grey sheet, the threshold set from its paper and ink levels.

    A clean white sheet with black ink gets grey < 191 (light print greys stay ink); a scan
    with grey paper, pale ink or noise gets paper - max(25 % of the ink contrast, 4 sigma).
    """
    g = grey.astype(np.float32)
    paper = float(np.median(g))
    dark = float(np.percentile(g, 0.5))
    above = g[g >= paper]
    sigma = 1.4826 * float(np.median(above - paper)) if above.size else 0.0
    thr = paper - max(0.25 * (paper - dark), 4.0 * sigma, 12.0)
    return (g < thr).astype(np.uint8)


def stroke_radius(ink: np.ndarray) -> float:
    """Median distance-to-paper on the skeleton of the ink: about 1 for 1-px lines, 2 for 3-px."""
    dt = cv2.distanceTransform(ink, cv2.DIST_L2, 3)
    sk = thin(ink, max_iter=4).astype(bool) & (dt > 0)
    return float(np.median(dt[sk])) if sk.any() else 1.0


def strip_text(ink: np.ndarray) -> np.ndarray:
    """ink without glyphs: small components (< 12 px, or < 20 px with a neighbour within 14 px)."""
    lines = ink.copy()
    _, lab, stats, _ = cv2.connectedComponentsWithStats(lines, connectivity=8)
    size = np.maximum(stats[:, 2], stats[:, 3])
    cand = np.nonzero(size < 20)[0]
    cand = cand[cand > 0]
    centre = stats[cand, :2] + stats[cand, 2:4] / 2
    near = (
        np.linalg.norm(centre[:, None] - centre[None], axis=-1) if len(cand) else np.zeros((0, 0))
    )
    text = [c for k, c in enumerate(cand) if size[c] < 12 or (near[k] < 14).sum() >= 2]
    lines[np.isin(lab, text)] = 0
    return lines


def extend_to(p: np.ndarray, stop: np.ndarray, ink: np.ndarray, reach: int = 14) -> np.ndarray:
    """Prolong each end of polyline p straight on to `stop` (a feature it was clipped at)."""
    h, w = stop.shape
    ends = []
    for q in (p, p[::-1]):
        t = q[0] - _point_back(q, 6.0)
        t = t / (np.linalg.norm(t) + 1e-9)
        new = None
        for k in range(2, reach):
            x, y = np.rint(q[0] + t * k).astype(int)
            if not (0 <= x < w and 0 <= y < h):
                break
            if stop[y, x]:
                new = q[0] + t * k
                break
            if k > 4 and ink[y, x]:  # another line (the first px are this line's own stroke)
                break
        ends.append(new)
    out = p
    if ends[0] is not None:
        out = np.vstack([ends[0], out])
    if ends[1] is not None:
        out = np.vstack([out, ends[1]])
    return out


def _lut(kind: str) -> np.ndarray:
    """256-entry tables over the 8-neighbour code (P2..P9 = bits 0..7): transitions or thinning."""
    out = np.zeros(256, np.uint8)
    for code in range(256):
        p = [(code >> k) & 1 for k in range(8)]
        b = sum(p)
        a = sum(p[k] == 0 and p[(k + 1) % 8] == 1 for k in range(8))
        if kind == "a":
            out[code] = a
        elif kind == "zs0":
            out[code] = (
                2 <= b <= 6 and a == 1 and p[0] * p[2] * p[4] == 0 and p[2] * p[4] * p[6] == 0
            )
        else:
            out[code] = (
                2 <= b <= 6 and a == 1 and p[0] * p[2] * p[6] == 0 and p[0] * p[4] * p[6] == 0
            )
    return out


_NB = np.array([[128, 1, 2], [64, 0, 4], [32, 16, 8]], np.float32)  # P9 P2 P3 / P8 . P4 / P7 P6 P5


def _codes(img: np.ndarray) -> np.ndarray:
    return cv2.filter2D(img, cv2.CV_32F, _NB, borderType=cv2.BORDER_CONSTANT).astype(np.int32)


def thin(mask: np.ndarray, max_iter: int = 12) -> np.ndarray:
    """Zhang-Suen thinning of a 0/1 mask to 1-px (8-connected) lines.

    Each pass peels one pixel per side, so `max_iter` passes thin strokes up to ~2 x max_iter
    px wide; wider blobs are not lines and stay thick (bounded time on a blotted scan).
    """
    img = np.pad(mask.astype(np.uint8), 1)
    luts = (_lut("zs0"), _lut("zs1"))
    for _ in range(max_iter):
        changed = False
        for lut in luts:
            kill = (img == 1) & (lut[_codes(img)] == 1)
            if kill.any():
                img[kill] = 0
                changed = True
        if not changed:
            break
    return img[1:-1, 1:-1]


def trace(skel: np.ndarray) -> list[np.ndarray]:
    """Split a 1-px skeleton at junctions and order each piece: [(K, 2) float px (column, row)]."""
    trans = _lut("a")
    chains = skel.copy()
    chains[(skel == 1) & (trans[_codes(skel)] >= 3)] = 0
    n, lab, stats, _ = cv2.connectedComponentsWithStats(chains, connectivity=8)
    out = []
    for i in range(1, n):
        x, y, bw, bh, area = stats[i]
        if area < 6:
            continue
        comp = (lab[y : y + bh, x : x + bw] == i).astype(np.uint8)
        cs, _ = cv2.findContours(np.pad(comp, 1), cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_NONE)
        seq = max(cs, key=len)[:, 0, :] - 1
        ends = np.argwhere((comp == 1) & (trans[_codes(comp)] <= 1))[:, ::-1]
        if len(ends) >= 2:
            d = np.linalg.norm(ends[:, None] - ends[None], axis=-1)
            a, b = np.unravel_index(np.argmax(d), d.shape)
            ia = np.nonzero((seq == ends[a]).all(1))[0]
            ib = np.nonzero((seq == ends[b]).all(1))[0]
            if len(ia) and len(ib):
                lo, hi = sorted((int(ia[0]), int(ib[0])))
                fwd, back = seq[lo : hi + 1], np.concatenate([seq[hi:], seq[: lo + 1]])
                seq = fwd if len(fwd) <= len(back) else back[::-1]
        else:
            seq = np.vstack([seq, seq[:1]])
        out.append(seq.astype(np.float64) + [x, y])
    return out


def join_lines(lines: list[list], gap: float):
    """Join polylines whose ends line up across a gap < `gap` px; [(pts, index, closed)].

    Ends are paired greedily by cost (distance x misalignment); each end joins at most once.
    """
    pts = [_smooth(p) for p, _ in lines]
    idx = [ix for _, ix in lines]
    n = len(pts)
    tip, tan, ok = np.zeros((2 * n, 2)), np.zeros((2 * n, 2)), np.zeros(2 * n, bool)
    for i, p in enumerate(pts):
        if len(p) < 2 or np.allclose(p[0], p[-1]):
            continue
        for head in (0, 1):
            q = p if head == 0 else p[::-1]
            back = _point_back(q, 8.0)
            t = q[0] - back
            tip[2 * i + head], tan[2 * i + head] = q[0], t / (np.linalg.norm(t) + 1e-9)
            ok[2 * i + head] = True
    link: dict[int, int] = {}
    if ok.any():
        e = np.nonzero(ok)[0]
        pairs = cKDTree(tip[e]).query_pairs(gap, output_type="ndarray")  # (P, 2), i < j
        ia, ib = pairs[:, 0], pairs[:, 1]
        ta, tb = tan[e[ia]], tan[e[ib]]
        v = tip[e[ib]] - tip[e[ia]]  # a -> b
        dist = np.linalg.norm(v, axis=1)
        u = v / (dist[:, None] + 1e-9)
        ca, cb = (ta * u).sum(1), -(tb * u).sum(1)
        mid = ta - tb  # a circular arc's chord runs along this
        mid = mid / (np.linalg.norm(mid, axis=1, keepdims=True) + 1e-9)
        off = np.abs(mid[:, 0] * v[:, 1] - mid[:, 1] * v[:, 0])
        good = (dist > 1e-6) & (ca >= 0.85) & (cb >= 0.85) & (off <= 2.0 + 0.15 * dist)
        ia, ib, dist = ia[good], ib[good], dist[good]
        cost = dist * (3.0 - ca[good] - cb[good])
        group = list(range(n))

        def find(k: int) -> int:
            while group[k] != k:
                group[k] = group[group[k]]
                k = group[k]
            return k

        glen = {i: polyline_length(p) for i, p in enumerate(pts)}
        for k in np.argsort(cost):
            a, b = int(e[ia[k]]), int(e[ib[k]])
            if a in link or b in link:
                continue
            ga, gb = find(a // 2), find(b // 2)
            if ga == gb and dist[k] * 3 > glen[ga]:
                continue
            link[a], link[b] = b, a
            if ga != gb:
                group[gb] = ga
                glen[ga] += glen[gb]
    out, seen = [], set()
    starts = [i for i in range(n) if 2 * i not in link or 2 * i + 1 not in link]
    for i in starts + list(range(n)):  # open chains first, then loops
        if i in seen:
            continue
        head = 2 * i if 2 * i not in link else (2 * i + 1 if 2 * i + 1 not in link else 2 * i)
        chain, members, cur, closed = [], [], head, False
        while True:
            li = cur // 2
            seen.add(li)
            p = pts[li] if cur % 2 == 0 else pts[li][::-1]
            chain.append(p)
            members.append(li)
            far = cur ^ 1
            if far not in link:
                break
            nxt = link[far]
            if nxt // 2 in seen:
                closed = nxt // 2 == i
                break
            cur = nxt
        q = np.vstack(chain)
        lens = [polyline_length(c) for c in chain]
        ix = sum(ln for ln, c in zip(lens, members, strict=True) if idx[c]) > 0.5 * sum(lens)
        if closed:
            q = np.vstack([q, q[:1]])
        out.append((q, bool(ix), bool(closed or np.allclose(q[0], q[-1]))))
    return out


def _point_back(q: np.ndarray, dist: float) -> np.ndarray:
    """The point `dist` px along polyline q from its start (or its end if shorter)."""
    seg = np.linalg.norm(np.diff(q, axis=0), axis=1)
    cum = np.concatenate([[0], np.cumsum(seg)])
    return np.array(LineString(q).interpolate(min(dist, cum[-1])).coords[0])


def _smooth(p: np.ndarray) -> np.ndarray:
    q = LineString(p).simplify(0.7)
    return np.asarray(q.coords)


def polyline_length(p: np.ndarray) -> float:
    return float(np.linalg.norm(np.diff(p, axis=0), axis=1).sum())
