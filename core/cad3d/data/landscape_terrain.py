"""Synthetic site terrain: a smooth height field stored as parameters, and its contour lines.

The generator keeps the field as a few numbers (a plane plus anisotropic Gaussian bumps) in
`plan.meta["terrain"]`, so the exact ground can be recomputed anywhere by `terrain_height`
(ground truth for lifting) while the drawing shows it only through contour lines.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
from shapely import ops
from shapely.geometry import LineString, MultiLineString


def terrain_height(meta: Mapping[str, Any], x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Exact ground height (meters above the site datum) at (x, y) meters; any broadcastable shapes.

    meta: a plan's `meta` (or its `meta["terrain"]` itself) holding
    `{"kind": "gaussian-sum", "offset": z0, "slope": [gx, gy], "bumps": [[cx, cy, amp, sx, sy, theta], ...]}`:
    z = z0 + gx * x + gy * y + sum(amp * exp(-(u^2 / sx^2 + v^2 / sy^2) / 2)) where (u, v) is
    (x - cx, y - cy) rotated by -theta (radians). Everything in meters.
    """
    t = meta.get("terrain", meta)
    assert t.get("kind") == "gaussian-sum", "unknown terrain kind"
    x = np.asarray(x, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    gx, gy = t["slope"]
    z = t["offset"] + gx * x + gy * y
    for cx, cy, amp, sx, sy, th in t["bumps"]:
        dx, dy = x - cx, y - cy
        c, s = np.cos(th), np.sin(th)
        u, v = c * dx + s * dy, -s * dx + c * dy
        z = z + amp * np.exp(-0.5 * ((u / sx) ** 2 + (v / sy) ** 2))
    return z


def random_terrain(
    rng: np.random.Generator, width: float, height: float, relief: float
) -> dict[str, Any]:
    """Terrain parameters over a width x height m site with about `relief` m between low and high."""
    size = max(width, height)
    bumps = []
    for _ in range(int(rng.integers(2, 6))):
        sx = rng.uniform(0.12, 0.45) * size
        bumps.append(
            [
                rng.uniform(-0.1, 1.1) * width,
                rng.uniform(-0.1, 1.1) * height,
                rng.choice([-1.0, 1.0]) * rng.uniform(0.3, 1.0),
                sx,
                sx * rng.uniform(0.5, 1.6),
                rng.uniform(0, np.pi),
            ]
        )
    ang = rng.uniform(0, 2 * np.pi)
    g = rng.uniform(0.0, 1.2) / size
    t = {"kind": "gaussian-sum", "offset": 0.0, "slope": [g * np.cos(ang), g * np.sin(ang)]}
    t["bumps"] = bumps
    return normalise_relief(t, width, height, relief)


def normalise_relief(
    t: dict[str, Any], width: float, height: float, relief: float
) -> dict[str, Any]:
    """Scale the field so that max - min over the site is `relief` and min is 0 (a new dict)."""
    xs, ys = np.meshgrid(np.linspace(0, width, 64), np.linspace(0, height, 64))
    z = terrain_height(t, xs, ys)
    k = relief / max(float(z.max() - z.min()), 1e-9)
    out = {
        "kind": "gaussian-sum",
        "offset": 0.0,
        "slope": [float(t["slope"][0] * k), float(t["slope"][1] * k)],
        "bumps": [
            [float(b[0]), float(b[1]), float(b[2] * k), *map(float, b[3:])] for b in t["bumps"]
        ],
    }
    zmin = float(terrain_height(out, xs, ys).min())
    out["offset"] = -zmin
    return out


def isolines(z: np.ndarray, xs: np.ndarray, ys: np.ndarray, level: float) -> list[LineString]:
    """Marching squares: the polylines where the gridded field z crosses `level`.

    z: (ny, nx) values at (xs[j], ys[i]); xs (nx,), ys (ny,) meters. Saddles are split by the
    cell-centre mean. Closed lines come back as closed LineStrings (first point == last).
    """
    above = z >= level
    ny, nx = z.shape
    # crossing points on horizontal edges (i, j)-(i, j+1) and vertical edges (i, j)-(i+1, j)
    with np.errstate(divide="ignore", invalid="ignore"):
        th = (level - z[:, :-1]) / (z[:, 1:] - z[:, :-1])
        tv = (level - z[:-1, :]) / (z[1:, :] - z[:-1, :])
    hx = xs[None, :-1] + th * np.diff(xs)[None, :]
    vy = ys[:-1, None] + tv * np.diff(ys)[:, None]
    hcross = above[:, :-1] != above[:, 1:]
    vcross = above[:-1, :] != above[1:, :]

    def hpt(i: np.ndarray, j: np.ndarray) -> np.ndarray:
        return np.stack([hx[i, j], ys[i]], -1)

    def vpt(i: np.ndarray, j: np.ndarray) -> np.ndarray:
        return np.stack([xs[j], vy[i, j]], -1)

    # edges of cell (i, j): bottom h(i, j), right v(i, j+1), top h(i+1, j), left v(i, j)
    ci, cj = np.nonzero(hcross[:-1, :] | hcross[1:, :] | vcross[:, :-1] | vcross[:, 1:])
    e = np.stack(
        [hcross[ci, cj], vcross[ci, cj + 1], hcross[ci + 1, cj], vcross[ci, cj]], -1
    )  # (K, 4)
    pts = np.stack([hpt(ci, cj), vpt(ci, cj + 1), hpt(ci + 1, cj), vpt(ci, cj)], 1)  # (K, 4, 2)
    segs: list[np.ndarray] = []
    two = e.sum(1) == 2
    if two.any():
        k = np.nonzero(two)[0]
        idx = np.argsort(~e[k], axis=1, kind="stable")[:, :2]
        segs.append(np.stack([pts[k, idx[:, 0]], pts[k, idx[:, 1]]], 1))
    four = e.sum(1) == 4
    if four.any():
        k = np.nonzero(four)[0]
        i, j = ci[k], cj[k]
        centre = (z[i, j] + z[i, j + 1] + z[i + 1, j] + z[i + 1, j + 1]) / 4 >= level
        same = centre == above[i, j]
        a = np.where(
            same[:, None], [0, 2], [3, 1]
        )  # bottom-right & top-left, or left-bottom & right-top
        b = np.where(same[:, None], [1, 3], [0, 2])
        for col in range(2):
            segs.append(np.stack([pts[k, a[:, col]], pts[k, b[:, col]]], 1))
    if not segs:
        return []
    allsegs = np.concatenate(segs)
    merged = ops.linemerge(MultiLineString([tuple(map(tuple, s)) for s in allsegs]))
    lines = list(merged.geoms) if hasattr(merged, "geoms") else [merged]
    return [ln for ln in lines if ln.length > 0]
