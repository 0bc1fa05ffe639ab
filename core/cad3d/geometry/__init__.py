"""Pure geometry: plans and point clouds in, per-class meshes out. No file I/O here."""
