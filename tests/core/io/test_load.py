"""Loading drawings: modes, scale sources, and every bad file giving its own one-line error."""

import struct
import zlib

import numpy as np
import pytest
from PIL import Image, PngImagePlugin

from cad3d import errors
from cad3d.io.load import load_drawing, parse_drawing_scale


def _plan_like(h=120, w=160) -> np.ndarray:
    img = np.full((h, w), 255, np.uint8)
    img[20:30, 20:140] = 0
    img[20:100, 20:30] = 0
    return img


def _save_png(path, arr, scale=None, mode=None):
    info = PngImagePlugin.PngInfo()
    if scale is not None:
        info.add_text("cad3d:scale", str(scale))
    im = Image.fromarray(arr)
    if mode:
        im = im.convert(mode)
    im.save(path, pnginfo=info)
    return path


def test_png_with_scale_tag_loads_grey_at_scale(tmp_path):
    d = load_drawing(_save_png(tmp_path / "a.png", _plan_like(), scale=0.02))
    assert d.image.dtype == np.uint8 and d.image.shape == (120, 160)
    assert d.scale == pytest.approx(0.02)
    assert d.extent == pytest.approx((3.2, 2.4))


def test_explicit_scale_beats_the_tag(tmp_path):
    d = load_drawing(_save_png(tmp_path / "a.png", _plan_like(), scale=0.02), scale=0.05)
    assert d.scale == pytest.approx(0.05)


def test_sidecar_json_gives_the_scale(tmp_path):
    _save_png(tmp_path / "b.png", _plan_like())
    (tmp_path / "b.json").write_text('{"scale": 0.01}')
    assert load_drawing(tmp_path / "b.png").scale == pytest.approx(0.01)


def test_drawing_scale_with_dpi():
    assert parse_drawing_scale("1:100") == 100.0
    with pytest.raises(errors.UsageError):
        parse_drawing_scale("100")


def test_dpi_and_drawing_scale_give_meters_per_pixel(tmp_path):
    p = tmp_path / "s.png"
    Image.fromarray(_plan_like()).save(p, dpi=(254, 254))
    d = load_drawing(p, drawing_scale="1:50")
    assert d.scale == pytest.approx(0.0001 * 50)


def test_no_scale_anywhere_is_a_usage_error(tmp_path):
    with pytest.raises(errors.UsageError, match="scale unknown"):
        load_drawing(_save_png(tmp_path / "c.png", _plan_like()))


@pytest.mark.parametrize("mode", ["RGB", "RGBA", "P", "CMYK", "I;16", "1"])
def test_modes_become_the_same_grey_drawing(tmp_path, mode):
    arr = _plan_like()
    im = Image.fromarray(arr)
    if mode == "I;16":
        im = Image.fromarray(arr.astype(np.uint16) * 257)
    else:
        im = im.convert(mode)
    ext = "jpg" if mode == "CMYK" else ("tif" if mode == "I;16" else "png")
    p = tmp_path / f"m.{ext}"
    im.save(p)
    d = load_drawing(p, scale=0.01)
    ink = d.image < 128
    assert abs(int(ink.sum()) - int((arr < 128).sum())) < 0.03 * (arr < 128).sum()


def test_transparent_background_is_white(tmp_path):
    rgba = np.zeros((50, 60, 4), np.uint8)  # fully transparent black
    rgba[10:20, 10:50] = (0, 0, 0, 255)
    p = tmp_path / "t.png"
    Image.fromarray(rgba, "RGBA").save(p)
    d = load_drawing(p, scale=0.01)
    assert d.image[0, 0] == 255 and d.image[15, 30] == 0


def test_multipage_tiff_page(tmp_path):
    a, b = _plan_like(), 255 - (255 - _plan_like()).T[:120, :120].copy()
    p = tmp_path / "m.tif"
    Image.fromarray(a).save(p, save_all=True, append_images=[Image.fromarray(b)])
    assert load_drawing(p, scale=0.01, page=1).image.shape == b.shape
    with pytest.raises(errors.UsageError, match="page"):
        load_drawing(p, scale=0.01, page=5)


def test_pdf_page_scale_from_drawing_scale(tmp_path):
    p = tmp_path / "d.pdf"
    Image.fromarray(_plan_like()).save(p, resolution=72.0)
    d = load_drawing(p, drawing_scale="1:100", dpi=144)
    assert d.image.shape == (240, 320)
    assert d.scale == pytest.approx(0.0254 / 144 * 100)


def _bomb_png(path, w=50_000, h=50_000):
    def chunk(tag, data):
        return struct.pack(">I", len(data)) + tag + data + struct.pack(">I", zlib.crc32(tag + data))

    ihdr = struct.pack(">IIBBBBB", w, h, 1, 0, 0, 0, 0)
    raw = zlib.compress(b"\x00" + b"\xff" * (w // 8), 9)  # one row only: tiny file
    path.write_bytes(
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", raw) + chunk(b"IEND", b"")
    )
    return path


@pytest.mark.parametrize(
    "make, error, words",
    [
        (lambda p: None, errors.InputNotFound, "no such file"),
        (lambda p: p.write_bytes(b""), errors.CorruptInput, "empty"),
        (lambda p: p.write_bytes(b"AC1032" + b"\0" * 100), errors.UnsupportedInput, "DWG"),
        (lambda p: p.write_text("hello, not a drawing"), errors.UnsupportedInput, "not an image"),
        (lambda p: p.write_bytes(_png_bytes()[:60]), errors.CorruptInput, "cannot decode"),
        (lambda p: _bomb_png(p), errors.InputTooLarge, "limit"),
        (lambda p: Image.new("L", (200, 100), 255).save(p, "PNG"), errors.NoDrawing, "blank"),
        (lambda p: Image.new("L", (200, 100), 0).save(p, "PNG"), errors.NoDrawing, "black"),
    ],
)
def test_bad_inputs_raise_their_own_one_line_error(tmp_path, make, error, words):
    p = tmp_path / "in.png"
    make(p)
    with pytest.raises(error, match=words) as info:
        load_drawing(p, scale=0.01)
    assert "\n" not in str(info.value)


def _png_bytes():
    import io

    buf = io.BytesIO()
    Image.fromarray(_plan_like()).save(buf, "PNG")
    return buf.getvalue()


def test_a_png_named_jpg_still_loads(tmp_path):
    p = tmp_path / "wrong.jpg"
    p.write_bytes(_png_bytes())
    assert load_drawing(p, scale=0.01).image.shape == (120, 160)
