"""Open 3D DXF meshes in FreeCAD: POLYFACE, MESH and 3DFACE, one `Mesh::Feature` per layer.

FreeCAD 0.20's own DXF importers read none of these as surfaces (ANCHORS.md); this module is
registered by Init.py as an import type for *.dxf. `$INSUNITS` is honoured (the engine's reader
returns meters); objects are in millimetres.
"""

from __future__ import annotations

from pathlib import Path

from cad3d.exchange.dxf_read import read_dxf_meshes

__all__ = ["insert", "open", "read_dxf_meshes"]


def insert(filename: str, docname: str):
    """Add the file's meshes to document `docname` (created if missing); return their group."""
    import FreeCAD as App

    from .objects import _color_view, _rgb, fc_mesh, object_name

    meshes = read_dxf_meshes(filename)
    try:
        doc = App.getDocument(docname)
    except NameError:
        doc = App.newDocument(docname)
    stem = Path(filename).stem
    before = {o.Name for o in doc.Objects}
    doc.openTransaction(f"Import {stem}")
    try:
        group = doc.addObject("App::DocumentObjectGroup", object_name(stem))
        group.Label = stem
        for layer, tri in meshes:
            obj = doc.addObject("Mesh::Feature", object_name(layer))
            obj.Mesh = fc_mesh(tri.vertices, tri.faces)
            obj.Label = layer
            _color_view(obj, _rgb(layer))
            group.addObject(obj)
        doc.recompute()
    except BaseException:
        doc.abortTransaction()
        for name in {o.Name for o in doc.Objects} - before:
            doc.removeObject(name)
        raise
    doc.commitTransaction()
    return group


def open(filename: str):  # noqa: A001 - FreeCAD's import-type protocol names it `open`
    """Open the file as a new document; return the document."""
    import FreeCAD as App

    doc = App.newDocument(Path(filename).stem)
    insert(filename, doc.Name)
    return doc
