"""The engine boundary: a worker process (FreeCAD-free) and the GUI's client of it.

`protocol` and `transfer` import neither FreeCAD nor Qt, so the worker can run in the engine's
own Python; `client` is the Qt side and is imported by the GUI only.
"""
