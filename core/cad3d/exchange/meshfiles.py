"""Per-class meshes to OBJ (+MTL), STL, PLY and GLB, in meters.

OBJ keeps one object and material per class; STL merges every class (it has no groups);
PLY carries the class colour per vertex; GLB has one node per class named by the class, with a
PBR material of the class colour. glTF is y-up, so each GLB node carries the z-up -> y-up
rotation and the geometry itself stays in drawing coordinates: `read_glb` gives them back exactly.
"""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import trimesh
from trimesh.visual.material import PBRMaterial

from ..classes import BY_NAME
from ..geometry.meshset import MeshSet
from ..io.atomic import atomic_path

_GREY = (128, 128, 128)
# glTF's +Y is up: (x, y, z)_drawing -> (x, z, -y)_gltf
Z_UP_TO_Y_UP = np.array(
    [[1.0, 0, 0, 0], [0, 0, 1.0, 0], [0, -1.0, 0, 0], [0, 0, 0, 1.0]], dtype=np.float64
)


def class_rgb(name: str) -> tuple[int, int, int]:
    """The class colour (classes.py); grey for names that are not classes."""
    info = BY_NAME.get(name)
    return info.rgb if info else _GREY


def _nonempty(meshes: MeshSet) -> list[tuple[str, trimesh.Trimesh]]:
    return [(n, m) for n, m in meshes if len(m.faces)]


def write_obj(meshes: MeshSet, path: Path, overwrite: bool = True) -> Path:
    """OBJ with one `o`/`g` block and `usemtl` per class, and a sibling .mtl of class colours."""
    path = Path(path)
    mtl_path = path.with_suffix(".mtl")
    mtl, obj = io.StringIO(), io.StringIO()
    obj.write(f"# cad3d export, meters, z up\nmtllib {mtl_path.name}\n")
    base = 1
    for name, mesh in _nonempty(meshes):
        r, g, b = (c / 255.0 for c in class_rgb(name))
        mtl.write(
            f"newmtl {name}\nKd {r:.4f} {g:.4f} {b:.4f}\nKa 0 0 0\nKs 0 0 0\nd 1\nillum 1\n\n"
        )
        obj.write(f"o {name}\ng {name}\nusemtl {name}\n")
        np.savetxt(obj, np.asarray(mesh.vertices), fmt="v %.6f %.6f %.6f")
        np.savetxt(obj, np.asarray(mesh.faces) + base, fmt="f %d %d %d")
        base += len(mesh.vertices)
    with atomic_path(mtl_path, overwrite=overwrite) as tmp:
        tmp.write_text(mtl.getvalue())
    with atomic_path(path, overwrite=overwrite) as tmp:
        tmp.write_text(obj.getvalue())
    return path


def write_stl(meshes: MeshSet, path: Path, overwrite: bool = True) -> Path:
    """Binary STL of all classes merged (STL has no groups or colours)."""
    path = Path(path)
    data = meshes.merged().export(file_type="stl")
    with atomic_path(path, overwrite=overwrite) as tmp:
        tmp.write_bytes(data)
    return path


def write_ply(meshes: MeshSet, path: Path, overwrite: bool = True) -> Path:
    """Binary PLY of all classes merged, each vertex coloured by its class."""
    path = Path(path)
    parts = []
    for name, mesh in _nonempty(meshes):
        part = trimesh.Trimesh(mesh.vertices, mesh.faces, process=False)
        rgba = np.array([*class_rgb(name), 255], dtype=np.uint8)
        part.visual = trimesh.visual.ColorVisuals(
            part, vertex_colors=np.tile(rgba, (len(part.vertices), 1))
        )
        parts.append(part)
    merged = trimesh.util.concatenate(parts)
    data = merged.export(file_type="ply", encoding="binary")
    with atomic_path(path, overwrite=overwrite) as tmp:
        tmp.write_bytes(data)
    return path


def meshset_scene(meshes: MeshSet) -> trimesh.Scene:
    """A trimesh Scene: one node per class named by the class, PBR material of its colour."""
    scene = trimesh.Scene()
    for name, mesh in _nonempty(meshes):
        part = trimesh.Trimesh(mesh.vertices, mesh.faces, process=False)
        material = PBRMaterial(
            name=name,
            baseColorFactor=(*class_rgb(name), 255),
            metallicFactor=0.0,
            roughnessFactor=0.9,
            doubleSided=True,
        )
        part.visual = trimesh.visual.TextureVisuals(material=material)
        scene.add_geometry(part, node_name=name, geom_name=name, transform=Z_UP_TO_Y_UP)
    return scene


def write_glb(meshes: MeshSet, path: Path, overwrite: bool = True) -> Path:
    """Binary glTF, one node per class (see module doc for the axes)."""
    path = Path(path)
    data = meshset_scene(meshes).export(file_type="glb")
    with atomic_path(path, overwrite=overwrite) as tmp:
        tmp.write_bytes(data)
    return path


def read_glb(path: str | Path) -> MeshSet:
    """The MeshSet written by `write_glb`, in drawing coordinates (node names = classes)."""
    scene = trimesh.load(Path(path), force="scene", process=False)
    result = MeshSet()
    for node in scene.graph.nodes_geometry:
        transform, geom = scene.graph[node]
        mesh = scene.geometry[geom]
        # undo the y-up node rotation (and anything else a tool put on the node)
        to_drawing = np.linalg.inv(Z_UP_TO_Y_UP) @ transform
        verts = trimesh.transform_points(np.asarray(mesh.vertices), to_drawing)
        result.add(node, trimesh.Trimesh(verts, np.asarray(mesh.faces), process=False))
    return result


WRITERS = {".obj": write_obj, ".stl": write_stl, ".ply": write_ply, ".glb": write_glb}
