"""Tree meshes: a trunk cylinder under a spherical crown, standing on the ground.

The crown is a sphere of the drawn crown radius whose top is at ground + height; the trunk
runs from the ground into the crown's centre. Both are closed meshes (the crown is a separate
shell overlapping the trunk, so the tree's union of shells encloses its volume).
"""

from __future__ import annotations

import numpy as np
import trimesh

from ..plan import Tree

TRUNK_RADIUS_PER_CROWN = 0.12  # trunk radius = this x crown radius
MIN_TRUNK_RADIUS = 0.05


def crown_interval(tree: Tree, ground_z: float) -> tuple[float, float]:
    """(z_bottom, z_top) of the crown sphere in meters (z_bottom never below the ground)."""
    top = ground_z + tree.height
    return max(ground_z, top - 2.0 * tree.crown_radius), top


def _unit_shapes() -> tuple[trimesh.Trimesh, trimesh.Trimesh]:
    sphere = trimesh.creation.icosphere(subdivisions=2, radius=1.0)
    cyl = trimesh.creation.cylinder(radius=1.0, height=1.0, sections=12)
    cyl.apply_translation((0.0, 0.0, 0.5))  # z in [0, 1]
    return sphere, cyl


def tree_meshes(trees: list[Tree], ground_z: np.ndarray) -> trimesh.Trimesh | None:
    """All trees as one mesh in meters; ground_z: (T,) ground height under each tree."""
    if not trees:
        return None
    sphere, cyl = _unit_shapes()
    sv, sf = np.asarray(sphere.vertices), np.asarray(sphere.faces)
    cv, cf = np.asarray(cyl.vertices), np.asarray(cyl.faces)
    verts, faces, off = [], [], 0
    for t, g in zip(trees, ground_z, strict=True):
        r = float(t.crown_radius)
        h = float(t.height)
        if not (r > 0 and h > 0):
            continue
        cz = g + h - r if h >= 2 * r else g + h / 2
        rz = r if h >= 2 * r else h / 2  # a squat tree: flatten the crown to fit
        crown = sv * np.array([r, r, rz]) + np.array([t.x, t.y, cz])
        tr = max(MIN_TRUNK_RADIUS, TRUNK_RADIUS_PER_CROWN * r)
        trunk = cv * np.array([tr, tr, max(cz - g, 1e-3)]) + np.array([t.x, t.y, g])
        for v, f in ((crown, sf), (trunk, cf)):
            verts.append(v)
            faces.append(f + off)
            off += len(v)
    if not verts:
        return None
    return trimesh.Trimesh(np.concatenate(verts), np.concatenate(faces), process=False)
