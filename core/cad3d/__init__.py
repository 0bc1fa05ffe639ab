"""cad3d: 2D CAD drawings to 3D models. The engine, free of FreeCAD.

Light at import: heavy modules (torch, timm, ezdxf) load where used.
"""

__version__ = "0.1.0"
