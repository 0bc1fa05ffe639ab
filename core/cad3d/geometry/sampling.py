"""Area-weighted surface sampling of a MeshSet: the ground-truth point clouds."""

from __future__ import annotations

import numpy as np

from ..classes import class_id
from .meshset import MeshSet, PointCloud


def sample_surface(meshes: MeshSet, n: int, seed: int) -> PointCloud:
    """`n` points uniformly over the total surface area of all classes, deterministic by seed.

    Returns points (n, 3) float32 meters, labels (n,) int64 class ids (classes.py), normals
    (n, 3) float32 unit face normals. An empty MeshSet gives an empty cloud.
    """
    tris, labels = [], []
    for cls, mesh in meshes:
        t = np.asarray(mesh.triangles, dtype=np.float64)  # (F, 3, 3)
        tris.append(t)
        labels.append(np.full(len(t), class_id(cls), dtype=np.int64))
    if not tris or n <= 0:
        return PointCloud(
            np.zeros((0, 3), np.float32), np.zeros(0, np.int64), np.zeros((0, 3), np.float32)
        )
    tri = np.concatenate(tris)
    lab = np.concatenate(labels)
    cross = np.cross(tri[:, 1] - tri[:, 0], tri[:, 2] - tri[:, 0])
    area2 = np.linalg.norm(cross, axis=1)
    keep = area2 > 0
    tri, lab, cross, area2 = tri[keep], lab[keep], cross[keep], area2[keep]
    rng = np.random.default_rng(seed)
    cdf = np.cumsum(area2)
    face = np.minimum(np.searchsorted(cdf, rng.random(n) * cdf[-1], side="right"), len(cdf) - 1)
    u, v = rng.random(n), rng.random(n)
    flip = u + v > 1.0
    u[flip], v[flip] = 1.0 - u[flip], 1.0 - v[flip]
    t = tri[face]
    pts = t[:, 0] + u[:, None] * (t[:, 1] - t[:, 0]) + v[:, None] * (t[:, 2] - t[:, 0])
    normals = cross[face] / area2[face, None]
    return PointCloud(pts.astype(np.float32), lab[face], normals.astype(np.float32))
