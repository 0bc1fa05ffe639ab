"""The live preview: the engine's current points (or the vectorised plan's lines) in the 3D view.

One SoSeparator on the active view's scene graph: SoMatrixTransform (the drawing's placement,
meters -> mm), SoDrawStyle(pointSize), SoMaterial + SoMaterialBinding PER_VERTEX, SoCoordinate3,
SoPointSet; and a second branch of SoLineSet for plan outlines. Coordinates are updated in place
from numpy. Call it from the main thread only (the engine client's signals arrive there).
"""

from __future__ import annotations

from typing import Any

import numpy as np

NODE_NAME = "CAD3D_Preview"
MM = 1000.0


def class_colors(labels: np.ndarray | None, n: int) -> np.ndarray:
    """(n, 3) float32 RGB in [0, 1] from class ids; POINTS' colour where labels are missing."""
    from cad3d.classes import BY_ID, BY_NAME

    table = np.zeros((256, 3), np.float32)
    table[:] = np.array(BY_NAME["POINTS"].rgb, np.float32) / 255
    for cid, info in BY_ID.items():
        table[cid] = np.array(info.rgb, np.float32) / 255
    if labels is None:
        return np.repeat(table[BY_NAME["POINTS"].id][None], n, axis=0)
    return table[np.clip(np.asarray(labels, np.int64), 0, 255)]


class Preview:
    """A preview node in `view`'s scene graph; `placement`: FreeCAD.Placement of the drawing."""

    def __init__(self, view: Any, placement: Any = None, point_size: float = 3.0) -> None:
        from pivy import coin

        self.view = view
        self.root = coin.SoSeparator()
        self.root.setName(NODE_NAME)
        xf = coin.SoMatrixTransform()
        m = np.diag([MM, MM, MM, 1.0])
        if placement is not None:
            pm = placement.toMatrix()
            m = np.array([[pm.A[r * 4 + c] for c in range(4)] for r in range(4)]) @ m
        xf.matrix.setValue(coin.SbMatrix(*m.T.reshape(-1).tolist()))  # Inventor: row vectors
        self.root.addChild(xf)

        pts = coin.SoSeparator()
        style = coin.SoDrawStyle()
        style.pointSize = point_size
        self.material = coin.SoMaterial()
        binding = coin.SoMaterialBinding()
        binding.value = coin.SoMaterialBinding.PER_VERTEX
        self.coords = coin.SoCoordinate3()
        self.points = coin.SoPointSet()
        for node in (style, self.material, binding, self.coords, self.points):
            pts.addChild(node)

        lines = coin.SoSeparator()
        lstyle = coin.SoDrawStyle()
        lstyle.lineWidth = 2
        lmat = coin.SoMaterial()
        lmat.diffuseColor = (0.1, 0.1, 0.1)
        self.line_coords = coin.SoCoordinate3()
        self.lines = coin.SoLineSet()
        for node in (lstyle, lmat, self.line_coords, self.lines):
            lines.addChild(node)

        self.root.addChild(pts)
        self.root.addChild(lines)
        self.n_points = 0
        self.n_segments = 0
        view.getSceneGraph().addChild(self.root)

    def set_points(self, points: np.ndarray, labels: np.ndarray | None = None) -> None:
        """points: (N, 3) float32 meters, drawing coordinates; labels: (N,) class ids."""
        pts = np.ascontiguousarray(points, np.float32).reshape(-1, 3)
        n = len(pts)
        cols = np.ascontiguousarray(class_colors(labels, n), np.float32)
        self.coords.point.setNum(n)
        self.material.diffuseColor.setNum(n)
        if n:
            self.coords.point.setValues(0, n, pts)
            self.material.diffuseColor.setValues(0, n, cols)
        self.points.numPoints = n
        self.n_points = n

    def set_segments(self, segments: np.ndarray) -> None:
        """segments: (M, 2, 3) float32 meters: the vectorised plan's outlines."""
        segs = np.ascontiguousarray(segments, np.float32).reshape(-1, 3)
        m = len(segs) // 2
        self.line_coords.point.setNum(len(segs))
        if m:
            self.line_coords.point.setValues(0, len(segs), segs)
        self.lines.numVertices.setNum(m)
        if m:
            self.lines.numVertices.setValues(0, m, [2] * m)
        self.n_segments = m

    def remove(self) -> None:
        """Take the node out of the scene graph (when the native objects arrive, or on cancel)."""
        if self.root is not None:
            try:
                self.view.getSceneGraph().removeChild(self.root)
            except Exception:  # the view was closed meanwhile
                pass
            self.root = None


def find_preview_nodes(view: Any) -> int:
    """How many preview nodes are in `view`'s scene graph (tests and sanity checks)."""
    sg = view.getSceneGraph()
    return sum(1 for i in range(sg.getNumChildren()) if sg.getChild(i).getName() == NODE_NAME)
