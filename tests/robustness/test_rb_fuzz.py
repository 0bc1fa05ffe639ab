"""Property and fuzz tests of the loaders: any image of any size, mode and dtype, and thousands of
byte-mutated PNG / JPEG / PDF / DXF files, give a Drawing or a documented `Cad3dError`, never
anything else. Seeds are fixed, so a failure reproduces."""

import time
import warnings

import ezdxf
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image

from cad3d.converters.base import Drawing
from cad3d.errors import Cad3dError
from cad3d.io.load import load_drawing

MODES = ("L", "RGB", "RGBA", "P", "I;16", "1", "CMYK")
FORMATS = {
    "L": "PNG",
    "RGB": "JPEG",
    "RGBA": "PNG",
    "P": "GIF",
    "I;16": "PNG",
    "1": "BMP",
    "CMYK": "TIFF",
}


def _loads_or_documented_error(path, **kw):
    """The property: a well-formed Drawing, or one of our errors; anything else fails the test."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            d = load_drawing(path, **kw)
        except Cad3dError as exc:
            msg = str(exc)
            assert msg and "\n" not in msg
            return exc
    assert isinstance(d, Drawing) and d.image.ndim == 2 and d.image.dtype == np.uint8
    assert d.scale > 0 and min(d.image.shape) >= 1
    return d


@st.composite
def images(draw):
    h, w = draw(st.integers(1, 300)), draw(st.integers(1, 300))
    mode = draw(st.sampled_from(MODES))
    dtype = np.uint16 if mode == "I;16" else np.uint8
    pattern = draw(st.sampled_from(["noise", "blank", "lines", "black"]))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    top = np.iinfo(dtype).max
    if pattern == "noise":
        a = rng.integers(0, top, (h, w), dtype=dtype, endpoint=True)
    else:
        a = np.full((h, w), 0 if pattern == "black" else top, dtype)
        if pattern == "lines":
            a[h // 3 : h // 3 + max(1, h // 20)] = 0
            a[:, w // 2 : w // 2 + max(1, w // 25)] = 0
    im = Image.fromarray(a) if mode == "I;16" else Image.fromarray(a).convert(mode)
    fmt = draw(st.sampled_from([FORMATS[mode], "TIFF" if mode != "CMYK" else "JPEG"]))
    return im, fmt


@settings(
    max_examples=300, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck)
)
@given(images())
def test_any_image_mode_size_dtype(tmp_path_factory, case):
    im, fmt = case
    path = tmp_path_factory.mktemp("h") / f"x.{fmt.lower()}"
    im.save(path, format=fmt)
    out = _loads_or_documented_error(path, scale=0.01)
    if isinstance(out, Drawing):
        assert out.image.shape == (im.size[1], im.size[0])


def _mutate(data: bytes, rng: np.random.Generator) -> bytes:
    b = bytearray(data)
    op = rng.integers(0, 5)
    if op == 0:  # flip a few bytes
        for i in rng.integers(0, len(b), rng.integers(1, 9)):
            b[i] = int(rng.integers(0, 256))
    elif op == 1:  # truncate
        del b[int(rng.integers(0, len(b))) :]
    elif op == 2:  # insert junk
        i = int(rng.integers(0, len(b)))
        b[i:i] = rng.integers(0, 256, int(rng.integers(1, 64)), dtype=np.uint8).tobytes()
    elif op == 3:  # duplicate a slice
        i, j = sorted(rng.integers(0, len(b), 2))
        b[j:j] = b[i : i + 256]
    else:  # zero a run
        i, n = int(rng.integers(0, len(b))), int(rng.integers(1, 32))
        b[i : i + n] = bytes(len(b[i : i + n]))
    return bytes(b)


def _dxf_bytes(tmp_path, fmt: str) -> bytes:
    doc = ezdxf.new("R12")
    blk = doc.blocks.new("DOOR")
    blk.add_arc((0, 0), 0.9, 0, 90)
    blk.add_line((0, 0), (0, 0.9))
    msp = doc.modelspace()
    msp.add_polyline2d([(0, 0), (6, 0), (6, 4), (0, 4)], close=True, dxfattribs={"layer": "WALL"})
    msp.add_polyline2d(
        [(0.2, 0.2), (5.8, 0.2), (5.8, 3.8), (0.2, 3.8)], close=True, dxfattribs={"layer": "WALL"}
    )
    msp.add_blockref("DOOR", (2, 0.2), dxfattribs={"layer": "DOOR"})
    msp.add_circle((3, 2), 0.5)
    msp.add_line((1, 1), (2, 3))
    path = tmp_path / f"base_{fmt}.dxf"
    doc.saveas(path, fmt=fmt)
    return path.read_bytes()


# base file -> number of mutated cases (5 000 in all, ~35 s on one busy core)
CASES = {"png": 1500, "jpeg": 1500, "pdf": 800, "dxf": 800, "dxf_bin": 400}


@pytest.mark.parametrize("kind", list(CASES))
def test_mutated_files_never_crash_the_loader(kind, tmp_path, rb):
    if kind == "png":
        base = rb.image_bytes(rb.line_drawing(60, 80), "PNG")
    elif kind == "jpeg":
        base = rb.image_bytes(rb.line_drawing(60, 80), "JPEG")
    elif kind == "pdf":
        base = rb.pdf_bytes()
    else:
        base = _dxf_bytes(tmp_path, "bin" if kind == "dxf_bin" else "asc")
    assert isinstance(
        _loads_or_documented_error(_write(tmp_path, 0, base), scale=0.01, dpi=72), Drawing
    )
    rng = np.random.default_rng(8 + len(kind))
    t, outcomes = time.perf_counter(), {}
    for k in range(CASES[kind]):
        path = _write(tmp_path, k + 1, _mutate(base, rng))
        out = _loads_or_documented_error(path, scale=0.01, dpi=72)
        name = type(out).__name__
        outcomes[name] = outcomes.get(name, 0) + 1
    seconds = time.perf_counter() - t
    print(f"{kind}: {CASES[kind]} cases in {seconds:.1f} s: {outcomes}")
    assert sum(outcomes.values()) == CASES[kind]
    assert seconds < 60


def _write(tmp_path, k: int, data: bytes):
    path = tmp_path / f"m{k % 4}.bin"
    path.write_bytes(data)
    return path
