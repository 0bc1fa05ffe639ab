"""The plain-Python face: `cad3d.api.convert(path, method=...)` and `save(...)`.

>>> from cad3d.api import convert, save
>>> result = convert("plan.png", scale=0.02)      # meters per pixel
>>> save(result, "plan.dxf")
"""

from __future__ import annotations

from pathlib import Path

from .converters.base import Conversion, Drawing, ProgressFn
from .converters.registry import create_converter


def load(
    source: str | Path | Drawing, scale: float | None = None, kind: str = "auto", **opts
) -> Drawing:
    """A `Drawing` from a file path (image, PDF, 2D DXF) or a ready Drawing."""
    if isinstance(source, Drawing):
        drawing = source
    else:
        from .io.load import load_drawing

        drawing = load_drawing(Path(source), scale=scale, **opts)
    if kind != "auto":
        drawing.kind = kind
    return drawing


def convert(
    source: str | Path | Drawing,
    method: str = "extrude",
    scale: float | None = None,
    kind: str = "auto",
    steps: int = 50,
    progress: ProgressFn | None = None,
    **opts,
) -> Conversion:
    """Convert a drawing to per-class 3D meshes in meters. See `cad3d convert --help`."""
    drawing = load(source, scale=scale, kind=kind)
    converter = create_converter(method, steps=steps, **opts)
    return converter.convert(drawing, progress=progress)


def save(result: Conversion, path: str | Path, **opts) -> Path:
    """Write a conversion; the extension picks the format (.dxf .obj .stl .ply .glb .FCStd)."""
    from .exchange.registry import save as save_meshes

    return save_meshes(result, Path(path), **opts)
