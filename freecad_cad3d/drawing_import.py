"""File > Open / Import of a drawing image or PDF: converted with the panel's default settings.

Registered by Init.py as the import type "cad3d drawing (*.png *.jpg ...)". The scale comes from
the file (its `cad3d:scale` tag or a sidecar JSON) or from the panel's Scale setting.
"""

from __future__ import annotations

from pathlib import Path

__all__ = ["insert", "open"]


def _settings() -> dict:
    """method, steps, scale, kind from the panel's preferences (defaults when unavailable)."""
    try:
        from . import params

        scale = float(params.get("Scale"))
        return {
            "method": params.get("Method") if params.get("Method") != "selftest" else "hybrid",
            "steps": int(params.get("Steps")),
            "scale": scale if scale > 0 else None,
            "kind": params.get("Kind"),
        }
    except Exception:  # preferences are a convenience: fall back to the API defaults
        return {}


def insert(filename: str, docname: str):
    """Convert the drawing into document `docname` (created if missing); return the group."""
    import FreeCAD as App

    from . import convert

    try:
        doc = App.getDocument(docname)
    except NameError:
        doc = App.newDocument(docname)
    return convert(filename, doc=doc, **_settings())


def open(filename: str):  # noqa: A001 - FreeCAD's import-type protocol names it `open`
    """Convert the drawing into a new document named after the file; return the document."""
    import FreeCAD as App

    doc = App.newDocument(Path(filename).stem)
    insert(filename, doc.Name)
    return doc
