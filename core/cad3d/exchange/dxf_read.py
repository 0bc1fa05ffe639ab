"""Read 3D meshes back from a DXF: POLYFACE, MESH and 3DFACE entities, per layer, in meters.

FreeCAD 0.20's DXF importer does not read 3D meshes (ANCHORS.md), so the FreeCAD side imports
through this; the round-trip tests use it too. Layer names become class names.
"""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

import ezdxf
import numpy as np
import trimesh
from ezdxf import units

from ..errors import CorruptInput, InputNotFound
from ..geometry.meshset import MeshSet


def _fan(face: list[int]) -> list[tuple[int, int, int]]:
    """Triangles of a convex polygon given by vertex indices (drops repeated indices)."""
    idx = [v for i, v in enumerate(face) if i == 0 or v != face[i - 1]]
    if len(idx) > 2 and idx[-1] == idx[0]:
        idx = idx[:-1]
    return [(idx[0], idx[k], idx[k + 1]) for k in range(1, len(idx) - 1)]


def _polyface(entity) -> tuple[list, list]:
    """Vertices and triangles of a POLYFACE, read from its raw VERTEX records."""
    points, tris = [], []
    for v in entity.vertices:
        if v.is_poly_face_mesh_vertex:
            points.append(tuple(v.dxf.location))
        elif v.is_face_record:
            idx = [abs(v.dxf.get(n, 0)) - 1 for n in ("vtx0", "vtx1", "vtx2", "vtx3")]
            tris.extend(_fan([i for i in idx if i >= 0]))
    return points, tris


def _mesh(entity) -> tuple[list, list]:
    points = [tuple(p) for p in entity.vertices]
    tris = [t for face in entity.faces for t in _fan(list(face))]
    return points, tris


def _face3d(entity) -> tuple[list, list]:
    points = [tuple(entity.dxf.get(n)) for n in ("vtx0", "vtx1", "vtx2", "vtx3")]
    return points, _fan([0, 1, 2, 3 if points[3] != points[2] else 2])


def _insunits_factor(doc) -> float:
    """Meters per drawing unit from $INSUNITS; unitless (0) files are taken as meters."""
    code = int(doc.header.get("$INSUNITS", 0))
    if code == 0:
        return 1.0
    try:
        return float(units.conversion_factor(code, units.M))
    except (KeyError, ValueError, IndexError):
        return 1.0


def read_dxf_meshes(path: str | Path) -> MeshSet:
    """Per-layer triangle meshes (meters) from the POLYFACE, MESH and 3DFACE entities in `path`.

    Raises InputNotFound for a missing file and CorruptInput for one ezdxf cannot parse.
    """
    path = Path(path)
    if not path.is_file():
        raise InputNotFound(f"{path} not found")
    try:
        doc = ezdxf.readfile(path)
    except (OSError, ezdxf.DXFError) as exc:
        raise CorruptInput(f"{path} is not a readable DXF file: {exc}") from None
    factor = _insunits_factor(doc)
    parts: dict[str, list[tuple[np.ndarray, np.ndarray]]] = defaultdict(list)
    for e in doc.modelspace():
        kind = e.dxftype()
        if kind == "POLYLINE" and e.is_poly_face_mesh:
            points, tris = _polyface(e)
        elif kind == "MESH":
            points, tris = _mesh(e)
        elif kind == "3DFACE":
            points, tris = _face3d(e)
        else:
            continue
        if tris:
            parts[e.dxf.layer].append(
                (np.asarray(points, dtype=np.float64), np.asarray(tris, dtype=np.int64))
            )
    result = MeshSet()
    for layer, pieces in parts.items():
        offsets = np.cumsum([0] + [len(v) for v, _ in pieces[:-1]])
        vertices = np.concatenate([v for v, _ in pieces]) * factor
        faces = np.concatenate([f + o for (_, f), o in zip(pieces, offsets, strict=True)])
        mesh = trimesh.Trimesh(vertices, faces, process=False)
        if len(pieces) > 1:  # several entities (split POLYFACEs, 3DFACEs): share vertices
            mesh.merge_vertices()
        result.add(layer, mesh)
    return result
