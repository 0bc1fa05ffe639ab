"""Domain detection from the drawing's physical size and its ink."""

import numpy as np

from cad3d.converters.kind import detect_kind, thick_ink_share


def _walls(thick_px: int) -> np.ndarray:
    img = np.full((500, 500), 255, np.uint8)
    img[50 : 50 + thick_px, 50:450] = 0
    img[50:450, 50 : 50 + thick_px] = 0
    return img


def test_physical_size_decides_clear_cases():
    img = _walls(10)
    assert detect_kind(img, 0.0002) == "part"  # 10 cm across
    assert detect_kind(img, 0.02) == "floorplan"  # 10 m
    assert detect_kind(img, 0.3) == "landscape"  # 150 m


def test_thick_strokes_tip_an_ambiguous_size_to_floorplan():
    scale = 40.0 / 500  # 40 m across: a big house or a small site
    assert thick_ink_share(_walls(6), scale) > 0.9  # 0.48 m thick walls
    assert detect_kind(_walls(6), scale) == "floorplan"
    thin = _walls(1)
    assert thick_ink_share(thin, scale) == 0.0
    assert detect_kind(thin, scale) == "landscape"
