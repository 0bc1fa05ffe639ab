"""Converters: drawing in, per-class meshes out. Each is a thin composition of the packages."""
