"""Load, ahead of time, what a conversion result needs, so the result lands without a freeze.

Measured in FreeCAD 0.20's GUI: the first result imports trimesh and cad3d (1.5-3 s cold) and
MeshGui (0.3 s). Pure-Python modules are imported on a background thread while the user reads
the panel or the engine works; FreeCAD's C++ modules only on the main thread, once, when the
session starts.
"""

from __future__ import annotations

import sys
import threading

WARM_MODULES = (
    "trimesh",
    "shapely.wkt",
    "cad3d.geometry.meshset",
    "cad3d.converters.base",
    "cad3d.plan",
    "cad3d.classes",
    "freecad_cad3d.solids",
    "freecad_cad3d.objects",
)
GUI_MODULES = ("Mesh", "MeshGui", "Points", "PointsGui", "PartGui")


def pure_modules() -> None:
    """Import, off the main thread and while the engine works, the pure-Python modules the
    result needs (trimesh alone takes seconds cold): the result then lands without a freeze."""

    def run() -> None:
        import importlib

        for name in WARM_MODULES:
            try:
                importlib.import_module(name)
            except Exception:  # the main thread will meet and report the same error
                return

    if not all(name in sys.modules for name in WARM_MODULES):
        threading.Thread(target=run, name="cad3d-warm-imports", daemon=True).start()


def gui_modules() -> None:
    """FreeCAD's own modules the group needs (main thread only, ~0.3 s once)."""
    for name in GUI_MODULES:
        try:
            __import__(name)
        except ImportError:
            pass
