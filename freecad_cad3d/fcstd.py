"""Write a conversion as a FreeCAD document (.FCStd): the `cad3d.writers` entry point "fcstd".

`cad3d convert plan.png -o plan.FCStd` runs in a plain Python: FreeCAD's lib folder is added to
sys.path here when needed. The document is created hidden, never touching documents the user
has open, saved to a temporary file beside the target and renamed, then closed.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

from cad3d.converters.base import Conversion
from cad3d.errors import DependencyMissing, OutputError

from .paths import ensure_freecad_importable


def write(result: Conversion, path: str | Path, name: str | None = None, **_: Any) -> Path:
    """Save `result` (meters) as an .FCStd holding DESIGN.md's group of native objects (mm).

    name: the group's name (default: the file's stem). Raises DependencyMissing without FreeCAD,
    OutputError when the folder is missing or not writable.
    """
    if not ensure_freecad_importable():
        raise DependencyMissing("writing .FCStd needs FreeCAD (its Python modules were not found)")
    import FreeCAD as App

    from .objects import build_group, object_name

    path = Path(path)
    folder = path.parent if str(path.parent) else Path(".")
    if not folder.is_dir():
        raise OutputError(f"cannot write {path}: folder {folder} does not exist")
    try:
        tmpdir = Path(tempfile.mkdtemp(prefix=".cad3d-", dir=folder))
    except OSError as exc:
        raise OutputError(f"cannot write in {folder}: {exc.strerror}") from None
    doc = App.newDocument(object_name(path.stem), hidden=True)
    try:
        doc.Label = path.stem
        build_group(doc, result, name or path.stem)
        doc.recompute()
        tmp = tmpdir / path.name  # same basename: the saved document keeps its name
        doc.saveAs(str(tmp))
        if not tmp.is_file():
            raise OutputError(f"FreeCAD could not save {path.name}")
        os.replace(tmp, path)
    finally:
        App.closeDocument(doc.Name)
        shutil.rmtree(tmpdir, ignore_errors=True)
    return path
