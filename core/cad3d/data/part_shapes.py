"""Plate-part geometry for the part generator: profiles, corner treatments, feature shapes.

Pure functions in meters, in the part's local frame (its bounding box starts at the origin).
Profiles are orthogonal outlines (rectangle, L, T, U) whose 90-degree corners are kept sharp,
rounded (convex: rounds, concave: fillets) or chamfered.
"""

from __future__ import annotations

import math

import numpy as np
from shapely.geometry import LineString, Point, Polygon, box

PROFILES = ("rect", "L", "T", "U")
ARC_SEGMENTS = 12  # segments per quarter circle in ground-truth polygons


def ortho_outline(kind: str, w: float, h: float, rng: np.random.Generator) -> np.ndarray:
    """Vertices (N, 2) of an orthogonal profile of bounding box w x h, meters, counter-clockwise."""
    u = rng.uniform
    if kind == "rect":
        v = [(0, 0), (w, 0), (w, h), (0, h)]
    elif kind == "L":
        a, b = w * u(0.35, 0.6), h * u(0.35, 0.6)
        v = [(0, 0), (w, 0), (w, h - b), (w - a, h - b), (w - a, h), (0, h)]
    elif kind == "T":
        b, a = h * u(0.3, 0.5), w * u(0.3, 0.55)
        x0, x1 = (w - a) / 2, (w + a) / 2
        v = [(x0, 0), (x1, 0), (x1, h - b), (w, h - b), (w, h), (0, h), (0, h - b), (x0, h - b)]
    elif kind == "U":
        a, b = w * u(0.3, 0.45), h * u(0.35, 0.6)
        x0, x1 = (w - a) / 2, (w + a) / 2
        v = [(0, 0), (w, 0), (w, h), (x1, h), (x1, h - b), (x0, h - b), (x0, h), (0, h)]
    else:
        raise ValueError(f"unknown profile {kind!r}")
    return np.asarray(v, dtype=np.float64)


def orient(verts: np.ndarray, quarter_turns: int, mirror: bool) -> np.ndarray:
    """Rotate (N, 2) vertices by 90-degree steps and mirror them; back to the origin, CCW."""
    p = verts.copy()
    if mirror:
        p[:, 0] = -p[:, 0]
        p = p[::-1]
    for _ in range(quarter_turns % 4):
        p = np.stack([-p[:, 1], p[:, 0]], axis=1)
    return p - p.min(axis=0)


def treat_corners(verts: np.ndarray, treatments: list[tuple[str, float]]) -> Polygon:
    """Polygon of the CCW outline with each corner i sharp, ("round", d) or ("chamfer", d).

    d is the leg length along both edges (the radius for a round); it is clipped to 45 % of the
    shorter adjacent edge so neighbouring treatments never overlap.
    """
    n = len(verts)
    out: list[np.ndarray] = []
    for i in range(n):
        p, v, q = verts[i - 1], verts[i], verts[(i + 1) % n]
        kind, d = treatments[i]
        lp, lq = np.linalg.norm(p - v), np.linalg.norm(q - v)
        d = min(d, 0.45 * lp, 0.45 * lq)
        if kind == "sharp" or d <= 0:
            out.append(v[None])
            continue
        up, uq = (p - v) / lp, (q - v) / lq
        a, b = v + d * up, v + d * uq
        if kind == "chamfer":
            out.append(np.stack([a, b]))
            continue
        c = v + d * up + d * uq
        t0 = math.atan2(a[1] - c[1], a[0] - c[0])
        t1 = math.atan2(b[1] - c[1], b[0] - c[0])
        dt = (t1 - t0 + math.pi) % (2 * math.pi) - math.pi
        t = t0 + dt * np.linspace(0, 1, ARC_SEGMENTS + 1)
        out.append(np.stack([c[0] + d * np.cos(t), c[1] + d * np.sin(t)], axis=1))
    return Polygon(np.concatenate(out))


def convex_corners(verts: np.ndarray) -> np.ndarray:
    """(N,) bool: True where the CCW outline turns left (a convex corner)."""
    d0 = verts - np.roll(verts, 1, axis=0)
    d1 = np.roll(verts, -1, axis=0) - verts
    return (d0[:, 0] * d1[:, 1] - d0[:, 1] * d1[:, 0]) > 0


def circle(cx: float, cy: float, r: float) -> Polygon:
    """A circle as a 4 * 4 * ARC_SEGMENTS-gon (meters)."""
    return Point(cx, cy).buffer(r, quad_segs=4 * ARC_SEGMENTS)


def rounded_rect(cx: float, cy: float, w: float, h: float, r: float) -> Polygon:
    """An axis-aligned w x h rectangle centred at (cx, cy) with corner radius r (obround at r = min/2)."""
    r = max(0.0, min(r, min(w, h) / 2))
    if r >= min(w, h) / 2 * 0.999:  # obround slot: a segment buffered by its half width
        if w >= h:
            seg = LineString([(cx - w / 2 + r, cy), (cx + w / 2 - r, cy)])
        else:
            seg = LineString([(cx, cy - h / 2 + r), (cx, cy + h / 2 - r)])
        return seg.buffer(r, quad_segs=ARC_SEGMENTS)
    b = box(cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2)
    if r == 0:
        return b
    return b.buffer(-r, join_style="mitre").buffer(r, quad_segs=ARC_SEGMENTS)
