"""One `save(result, path)`: the file extension picks the writer, every write is atomic.

.dxf .obj .stl .ply .glb are written here; .fcstd comes from the FreeCAD side through the
`cad3d.writers` entry point named "fcstd" (a callable `write(result, path)`), so `cad3d` never
imports FreeCAD itself.
"""

from __future__ import annotations

from collections.abc import Callable
from importlib.metadata import entry_points
from pathlib import Path
from typing import Any

from ..converters.base import Conversion
from ..errors import DependencyMissing, OutputError, UsageError
from ..geometry.meshset import MeshSet


def _dxf(result: Conversion, path: Path, opts: dict[str, Any]) -> Path:
    from .dxf_write import write_dxf

    points = result.points if opts["points"] else None
    return write_dxf(
        result.meshes, path, entity=opts["dxf_entity"], points=points, overwrite=opts["overwrite"]
    )


def _mesh_format(ext: str) -> Callable[[Conversion, Path, dict[str, Any]], Path]:
    def write(result: Conversion, path: Path, opts: dict[str, Any]) -> Path:
        from .meshfiles import WRITERS

        return WRITERS[ext](result.meshes, path, overwrite=opts["overwrite"])

    return write


def _fcstd(result: Conversion, path: Path, opts: dict[str, Any]) -> Path:
    plugins = [ep for ep in entry_points(group="cad3d.writers") if ep.name == "fcstd"]
    if not plugins:
        raise DependencyMissing(
            "writing .FCStd needs FreeCAD: the cad3d FreeCAD writer is not installed"
        )
    try:
        write = plugins[0].load()
    except ImportError as exc:
        raise DependencyMissing(f"writing .FCStd needs FreeCAD: {exc}") from None
    if path.exists() and not opts["overwrite"]:
        raise OutputError(f"{path} exists; pass --overwrite to replace it")
    try:
        write(result, path)
    except ImportError as exc:  # the plugin imports FreeCAD lazily
        raise DependencyMissing(f"writing .FCStd needs FreeCAD: {exc}") from None
    return path


_WRITERS: dict[str, Callable[[Conversion, Path, dict[str, Any]], Path]] = {
    ".dxf": _dxf,
    ".obj": _mesh_format(".obj"),
    ".stl": _mesh_format(".stl"),
    ".ply": _mesh_format(".ply"),
    ".glb": _mesh_format(".glb"),
    ".fcstd": _fcstd,
}
FORMATS: tuple[str, ...] = tuple(_WRITERS)


def save(
    result: Conversion | MeshSet,
    path: str | Path,
    *,
    dxf_entity: str = "polyface",
    points: bool = True,
    overwrite: bool = True,
) -> Path:
    """Write `result` to `path` in the format its extension names (case-insensitive).

    dxf_entity: "polyface" | "mesh" | "3dface" (DXF only). points: also write the conversion's
    point cloud where the format holds one (DXF: a POINTS layer). Raises OutputError for an
    unknown extension or an unwritable path, DependencyMissing for .FCStd without FreeCAD.
    """
    path = Path(path)
    if isinstance(result, MeshSet):
        result = Conversion(meshes=result, domain="", method="")
    ext = path.suffix.lower()
    writer = _WRITERS.get(ext)
    if writer is None:
        known = " ".join(FORMATS)
        raise OutputError(
            f"cannot write {path.name}: unknown extension {path.suffix!r}; known: {known}"
        )
    if not result.meshes:
        raise OutputError(f"nothing to write to {path.name}: the result has no geometry")
    if dxf_entity not in ("polyface", "mesh", "3dface"):
        raise UsageError(f"unknown DXF entity {dxf_entity!r}; known: polyface mesh 3dface")
    opts = {"dxf_entity": dxf_entity, "points": points, "overwrite": overwrite}
    return writer(result, path, opts)
