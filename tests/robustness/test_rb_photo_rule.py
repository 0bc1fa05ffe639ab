"""The "is this a drawing at all?" rule of `load_drawing`: scans and phone photos of prints pass,
noise and smooth photos / gradients are refused with their own message."""

import numpy as np
import pytest
from PIL import Image

from cad3d.data.synth import generate_sample
from cad3d.errors import NoDrawing
from cad3d.io.load import load_drawing


def _load(tmp_path, arr):
    path = tmp_path / "x.png"
    Image.fromarray(arr).save(path)
    return load_drawing(path, scale=0.02)


@pytest.mark.parametrize("domain", ["floorplan", "part", "landscape"])
def test_degraded_scans_are_drawings(tmp_path, domain):
    for seed in (1_000_000, 1_000_001, 1_000_002):
        img = generate_sample(domain, seed, degraded=True, num_points=16).image
        assert _load(tmp_path, img).image.shape == img.shape


@pytest.mark.parametrize("darkest", [0.45, 0.3])
def test_phone_photo_of_a_print_with_uneven_light_is_a_drawing(tmp_path, rb, darkest):
    ex = np.asarray(Image.open(rb.examples / "floorplan.png").convert("L")).astype(np.float32)
    yy, xx = np.mgrid[0 : ex.shape[0], 0 : ex.shape[1]]
    light = darkest + 0.5 * (xx / ex.shape[1]) * (0.6 + 0.4 * yy / ex.shape[0])
    noise = np.random.default_rng(1).normal(0, 6, ex.shape)
    photo = np.clip(ex * light + noise, 0, 255).astype(np.uint8)
    assert _load(tmp_path, photo).image.shape == ex.shape


@pytest.mark.parametrize(
    "name, words",
    [
        ("noise", "looks like a photo"),
        ("dark_ramp", "looks like a photo"),
        ("ramp", "smooth photo or gradient"),
        ("vignette", "smooth photo or gradient"),
    ],
)
def test_noise_and_smooth_images_are_refused(tmp_path, name, words):
    rng = np.random.default_rng(0)
    g = np.linspace(0, 1, 300)[:, None] * np.linspace(0, 1, 400)[None]
    arr = {
        "noise": rng.integers(0, 256, (300, 400), dtype=np.uint8),
        "dark_ramp": np.tile(np.linspace(0, 255, 400), (300, 1)).astype(np.uint8),
        "ramp": np.tile(np.linspace(90, 255, 400), (300, 1)).astype(np.uint8),
        "vignette": (60 + 190 * g).astype(np.uint8),
    }[name]
    with pytest.raises(NoDrawing, match=words):
        _load(tmp_path, arr)
