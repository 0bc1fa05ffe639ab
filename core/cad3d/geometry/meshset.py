"""Per-class triangle meshes and point clouds: what every converter returns, in meters."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import trimesh


@dataclass
class MeshSet:
    """One triangle mesh per class name (`WALL`, `PART`, ...), meters, drawing coordinates.

    Meshes are `trimesh.Trimesh` built with `process=False` so vertex order is kept.
    """

    meshes: dict[str, trimesh.Trimesh] = field(default_factory=dict)

    def add(self, cls: str, mesh: trimesh.Trimesh) -> None:
        """Append `mesh` to class `cls`, concatenating with what is there."""
        if len(mesh.faces) == 0:
            return
        if cls in self.meshes:
            mesh = trimesh.util.concatenate([self.meshes[cls], mesh])
        self.meshes[cls] = mesh

    def __iter__(self):
        return iter(self.meshes.items())

    def __len__(self) -> int:
        return len(self.meshes)

    def __bool__(self) -> bool:
        return any(len(m.faces) for m in self.meshes.values())

    @property
    def classes(self) -> list[str]:
        return list(self.meshes)

    @property
    def bounds(self) -> np.ndarray:
        """(2, 3) min and max corner over all classes."""
        assert self.meshes, "empty MeshSet has no bounds"
        b = np.array([m.bounds for m in self.meshes.values()])
        return np.stack([b[:, 0].min(0), b[:, 1].max(0)])

    def merged(self) -> trimesh.Trimesh:
        """All classes as one mesh (for metrics and rendering)."""
        return trimesh.util.concatenate(list(self.meshes.values()))

    def face_count(self) -> int:
        return sum(len(m.faces) for m in self.meshes.values())


@dataclass
class PointCloud:
    """points: (N, 3) float32 meters; labels: (N,) int class ids; normals: (N, 3) or None."""

    points: np.ndarray
    labels: np.ndarray | None = None
    normals: np.ndarray | None = None

    def __len__(self) -> int:
        return len(self.points)
