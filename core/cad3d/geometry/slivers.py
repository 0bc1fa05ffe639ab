"""Remove sliver triangles from a closed triangle mesh while keeping it closed.

Booleans of nearly coincident faces (a window cut's side passing 1e-9 m from a wall vertex)
leave edges of 1e-10..1e-6 m and needle triangles of zero area; importers (assimp) read those
as lines. Short edges are collapsed (their ends welded) and a needle whose vertex lies on its
long edge is removed by splitting the neighbour across that edge: every directed edge keeps
its twin, so a watertight input stays watertight and the volume moves by at most
edge-length x face-area (~1e-12 m^3 here).
"""

from __future__ import annotations

import numpy as np


def _weld(verts: np.ndarray, tris: np.ndarray, tol: float) -> np.ndarray:
    """tris with each edge shorter than `tol` collapsed onto the end that changes the enclosed
    volume least (moving a vertex along its faces' planes changes nothing)."""
    rep = np.arange(len(verts))
    e = np.concatenate([tris[:, [0, 1]], tris[:, [1, 2]], tris[:, [2, 0]]])
    short = e[np.linalg.norm(verts[e[:, 0]] - verts[e[:, 1]], axis=1) < tol]
    if len(short) == 0:
        return tris
    cur = tris.copy()
    for a, b in short:
        a, b = int(rep[a]), int(rep[b])
        while rep[a] != a:
            a = int(rep[a])
        while rep[b] != b:
            b = int(rep[b])
        if a == b:
            continue
        cost = []
        for src, dst in ((b, a), (a, b)):  # move src onto dst
            faces = cur[(cur == src).any(axis=1) & ~(cur == dst).any(axis=1)]
            faces = np.array([np.roll(f, -int(np.nonzero(f == src)[0][0])) for f in faces])
            dv = 0.0
            if len(faces):
                q, r = verts[faces[:, 1]], verts[faces[:, 2]]
                dv = float(
                    np.sum(np.cross(q - verts[src], r - verts[src]) @ (verts[dst] - verts[src]))
                )
            cost.append(abs(dv))
        src, dst = (b, a) if cost[0] <= cost[1] else (a, b)
        rep[src] = dst
        cur[cur == src] = dst
    return cur


def _drop_degenerate(tris: np.ndarray, keep_mask: np.ndarray) -> np.ndarray:
    """Mask of triangles with three distinct vertices that are not one of an opposite pair."""
    ok = (
        keep_mask
        & (tris[:, 0] != tris[:, 1])
        & (tris[:, 1] != tris[:, 2])
        & (tris[:, 0] != tris[:, 2])
    )
    key = np.sort(tris, axis=1)
    _, inv, counts = np.unique(key, axis=0, return_inverse=True, return_counts=True)
    inv = inv.reshape(-1)
    ok &= ~((counts[inv] > 1) & ok)  # two faces on the same three vertices: a zero-volume fin
    return ok


def _has_edge(tris: np.ndarray, p: int, q: int) -> bool:
    """Whether some triangle has the directed edge p -> q."""
    return bool(
        (
            ((tris[:, 0] == p) & (tris[:, 1] == q))
            | ((tris[:, 1] == p) & (tris[:, 2] == q))
            | ((tris[:, 2] == p) & (tris[:, 0] == q))
        ).any()
    )


def _split_needles(
    verts: np.ndarray, tris: np.ndarray, cls: np.ndarray, area: float, careful: bool
):
    """Remove needles (area < `area`, vertex on the long edge) by splitting their neighbour.
    careful: a needle whose split would duplicate an edge (v and w already joined) stays (else
    a later split often removes the duplicate again; the caller checks the result is closed)."""
    stay: set[tuple[int, ...]] = set()
    for _ in range(len(tris)):
        t = verts[tris]
        a2 = np.linalg.norm(np.cross(t[:, 1] - t[:, 0], t[:, 2] - t[:, 0]), axis=1)
        bad = [i for i in np.nonzero(a2 < 2 * area)[0] if tuple(tris[i]) not in stay]
        if not bad:
            break
        i = int(bad[0])
        tri = tris[i]
        lens = [np.linalg.norm(verts[tri[(k + 1) % 3]] - verts[tri[k]]) for k in range(3)]
        k = int(np.argmax(lens))
        a, b, v = tri[k], tri[(k + 1) % 3], tri[(k + 2) % 3]  # v lies on a->b
        twin = np.nonzero(
            ((tris[:, 0] == b) & (tris[:, 1] == a))
            | ((tris[:, 1] == b) & (tris[:, 2] == a))
            | ((tris[:, 2] == b) & (tris[:, 0] == a))
        )[0]
        if len(twin) != 1:
            return tris, cls, False
        j = int(twin[0])
        r = int(np.nonzero(tris[j] == b)[0][0])
        w = tris[j][(r + 2) % 3]  # twin is (b, a, w)
        if w == v or careful and (_has_edge(tris, v, w) or _has_edge(tris, w, v)):
            stay.add(tuple(tri))
            continue
        new = np.array([[b, v, w], [v, a, w]])
        keep = np.ones(len(tris), dtype=bool)
        keep[[i, j]] = False
        tris = np.concatenate([tris[keep], new])
        cls = np.concatenate([cls[keep], [cls[j], cls[j]]])
    return tris, cls, True


def remove_slivers(
    verts: np.ndarray, tris: np.ndarray, tri_cls: np.ndarray, tol: float = 1e-5, area: float = 1e-10
) -> tuple[np.ndarray, np.ndarray]:
    """(tris, tri_cls) of a closed mesh without edges < `tol` m nor triangles < `area` m^2.

    verts: (V, 3) float64 meters; tris: (T, 3) int; tri_cls: (T,) labels kept per triangle.
    Returns the input unchanged when a step would open the mesh (a non-manifold edge).
    """
    if len(tris) == 0:
        return tris, tri_cls
    t = verts[tris]
    shortest = np.linalg.norm(t - np.roll(t, 1, axis=1), axis=2).min(axis=1)
    doubled = np.linalg.norm(np.cross(t[:, 1] - t[:, 0], t[:, 2] - t[:, 0]), axis=1)
    if shortest.min() >= tol and doubled.min() >= 2 * area:
        return tris, tri_cls  # the usual case: nothing to do, no copies
    welded = _weld(verts, tris, tol)
    ok = _drop_degenerate(welded, np.ones(len(welded), dtype=bool))
    for careful in (False, True):
        out, cls, fine = _split_needles(verts, welded[ok], tri_cls[ok], area, careful)
        if fine and _closed(out):
            return out, cls
    return tris, tri_cls


def _closed(tris: np.ndarray) -> bool:
    """Every directed edge appears once and has its reverse: closed and consistently oriented."""
    e = np.concatenate([tris[:, [0, 1]], tris[:, [1, 2]], tris[:, [2, 0]]])
    fwd = set(map(tuple, e.tolist()))
    return len(fwd) == len(e) and all((b, a) in fwd for a, b in fwd)
