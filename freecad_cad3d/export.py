"""A conversion group back to the engine's MeshSet, and from there to DXF (or any format).

FreeCAD holds millimetres with each object's placement; the engine and DXF hold meters in
document coordinates. Mesh topology read from a feature has its placement applied already.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import trimesh

from cad3d.classes import BY_NAME, class_id
from cad3d.converters.base import Conversion
from cad3d.errors import NoGeometry
from cad3d.geometry.meshset import MeshSet, PointCloud

from .solids import MM


def _members(group_or_list: Any) -> list:
    """The objects of a group (recursively) or of a list of objects/groups."""
    items = list(group_or_list) if isinstance(group_or_list, (list, tuple)) else [group_or_list]
    out = []
    for obj in items:
        if getattr(obj, "TypeId", "") == "App::DocumentObjectGroup":
            out += _members(list(obj.Group))
        else:
            out.append(obj)
    return out


def _class_of(obj) -> str:
    cls = getattr(obj, "CAD3D_Class", "") or obj.Label
    return cls.upper() if cls.upper() in BY_NAME else cls


def group_meshset(group_or_list: Any) -> tuple[MeshSet, PointCloud | None]:
    """(MeshSet in meters, point cloud in meters or None) of a group's Mesh/Points features."""
    meshes = MeshSet()
    clouds = []
    for obj in _members(group_or_list):
        if obj.isDerivedFrom("Mesh::Feature"):
            verts, faces = obj.Mesh.Topology  # placement applied
            if not faces:
                continue
            v = np.array([(p.x, p.y, p.z) for p in verts], dtype=np.float64) / MM
            tri = trimesh.Trimesh(v, np.asarray(faces, dtype=np.int64), process=False)
            meshes.add(_class_of(obj), tri)
        elif obj.isDerivedFrom("Points::Feature"):
            pts = obj.Points.copy()
            pts.transformGeometry(obj.Placement.toMatrix())
            clouds.append(np.array([(p.x, p.y, p.z) for p in pts.Points]) / MM)
    cloud = None
    if clouds:
        pts = np.concatenate(clouds).astype(np.float32)
        cloud = PointCloud(pts, np.full(len(pts), class_id("POINTS"), dtype=np.int64))
    return meshes, cloud


def export_group(group_or_list: Any, path: str | Path, **opts: Any) -> Path:
    """Write a group's meshes (meters, one layer per class) to `path`; the extension picks the
    format (.dxf .obj .stl .ply .glb). opts go to `cad3d.exchange.registry.save`
    (dxf_entity="polyface"|"mesh"|"3dface", points=True, overwrite=True)."""
    from cad3d.exchange.registry import save

    meshes, cloud = group_meshset(group_or_list)
    if not meshes:
        raise NoGeometry("the selection holds no meshes to export")
    method = getattr(group_or_list, "CAD3D_Method", "")
    domains = {BY_NAME[c].domain for c in meshes.classes if c in BY_NAME} - {"any"}
    domain = domains.pop() if len(domains) == 1 else ""
    result = Conversion(meshes=meshes, domain=domain, method=method, points=cloud)
    return save(result, Path(path), **opts)
