"""Every bad input of issue 8 through the real command line: one line, its own exit code, no
traceback, no output file left behind."""

import shutil
import struct
import zlib

import ezdxf
import numpy as np
import pytest


def _png_bomb(path, side=50_000):
    """A ~300 kB PNG that would decode to side x side pixels (1-bit, all black)."""

    def chunk(tag, data):
        return struct.pack(">I", len(data)) + tag + data + struct.pack(">I", zlib.crc32(tag + data))

    comp = zlib.compressobj(9)
    row = b"\x00" + bytes((side + 7) // 8)
    body = b"".join(comp.compress(row) for _ in range(side)) + comp.flush()
    ihdr = struct.pack(">IIBBBBB", side, side, 1, 0, 0, 0, 0)
    path.write_bytes(
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", body) + chunk(b"IEND", b"")
    )


def _dxf_no_2d(path):
    doc = ezdxf.new("R2010")
    msp = doc.modelspace()
    msp.add_text("NOTHING TO SEE", dxfattribs={"height": 0.5})
    msp.add_mtext("only\\Ptext")
    msp.add_3dface([(0, 0, 0), (1, 0, 1), (1, 1, 2), (0, 1, 1)])
    doc.saveas(path)


def _write(kind, tmp, rb):
    """The input file of each case."""
    p = tmp / f"in_{kind}"
    if kind == "empty":
        p = tmp / "empty.png"
        p.write_bytes(b"")
    elif kind == "truncated_png":
        p = tmp / "cut.png"
        p.write_bytes(rb.image_bytes(rb.line_drawing(300, 400), "PNG")[:300])
    elif kind == "truncated_jpeg":
        p = tmp / "cut.jpg"
        p.write_bytes(rb.image_bytes(rb.line_drawing(300, 400), "JPEG")[:700])
    elif kind == "bomb":
        p = tmp / "bomb.png"
        _png_bomb(p)
    elif kind == "blank":
        p = tmp / "blank.png"
        p.write_bytes(rb.image_bytes(np.full((200, 300), 255, np.uint8), "PNG"))
    elif kind == "black":
        p = tmp / "black.png"
        p.write_bytes(rb.image_bytes(np.zeros((200, 300), np.uint8), "PNG"))
    elif kind == "noise_photo":
        p = tmp / "photo.jpg"
        noise = np.random.default_rng(0).integers(0, 256, (240, 320, 3), dtype=np.uint8)
        p.write_bytes(rb.image_bytes(noise, "JPEG"))
    elif kind == "gradient_photo":
        p = tmp / "sky.png"
        grad = np.tile(np.linspace(90, 255, 320), (240, 1)).astype(np.uint8)
        p.write_bytes(rb.image_bytes(grad, "PNG"))
    elif kind == "dxf_no_2d":
        p = tmp / "text_only.dxf"
        _dxf_no_2d(p)
    elif kind == "dwg":
        p = tmp / "house.dwg"
        p.write_bytes(b"AC1032" + bytes(500))
    elif kind == "text_as_png":
        p = tmp / "notes.png"
        p.write_text("these are my notes, not a drawing\n")
    return p


# case -> (exit code, words the one-line message must contain)
BAD = {
    "empty": (4, "the file is empty"),
    "truncated_png": (4, "cannot decode the image"),
    "truncated_jpeg": (4, "cannot decode the image"),
    "bomb": (5, "over the 150 MP limit"),
    "blank": (6, "the page is blank"),
    "black": (6, "almost all black"),
    "noise_photo": (6, "looks like a photo"),
    "gradient_photo": (6, "smooth photo or gradient"),
    "dxf_no_2d": (7, "no 2D geometry"),
    "dwg": (3, "convert it to DXF"),
    "text_as_png": (3, "not an image or PDF"),
}


def _assert_one_line_error(r, code, words):
    assert r.returncode == code, (r.returncode, r.stderr)
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("cad3d: error: "), r.stderr
    assert words in lines[0]
    assert "Traceback" not in r.stderr + r.stdout


@pytest.mark.parametrize("kind", list(BAD))
def test_bad_input_one_line_distinct_code_no_output(kind, tmp_path, rb):
    src = _write(kind, tmp_path, rb)
    out = tmp_path / "out" / "model.dxf"
    out.parent.mkdir()
    r = rb.run_cli("convert", src, "-o", out, "--scale", "0.02")
    _assert_one_line_error(r, *BAD[kind])
    assert list(out.parent.iterdir()) == []  # nothing written, not even a temporary file


def test_wrong_extension_is_read_by_content(tmp_path, rb):
    src = tmp_path / "floorplan.tif"  # a PNG (with its scale tag) under a TIFF name
    shutil.copy(rb.examples / "floorplan.png", src)
    out = tmp_path / "m.stl"
    r = rb.run_cli("convert", src, "-o", out)
    assert r.returncode == 0, r.stderr
    assert out.stat().st_size > 1000


def test_unwritable_output_folder(tmp_path, rb):
    src = tmp_path / "d.png"
    src.write_bytes(rb.image_bytes(rb.line_drawing(), "PNG"))
    blocker = tmp_path / "file"
    blocker.write_text("x")  # a file where the output folder should be: unwritable even for root
    r = rb.run_cli("convert", src, "-o", blocker / "o.dxf", "--scale", "0.02")
    _assert_one_line_error(r, 8, "cannot write")
    assert blocker.read_text() == "x"


def test_existing_output_needs_overwrite(tmp_path, rb):
    src = tmp_path / "d.png"
    src.write_bytes(rb.image_bytes(rb.line_drawing(), "PNG"))
    out = tmp_path / "o.obj"
    out.write_text("precious")
    r = rb.run_cli("convert", src, "-o", out, "--scale", "0.02")
    _assert_one_line_error(r, 11, "--overwrite")
    assert out.read_text() == "precious"


def test_dxf_needing_recover_and_binary_dxf_convert(tmp_path, rb):
    rb.dxf_floorplan(tmp_path / "ok.dxf")
    text = (tmp_path / "ok.dxf").read_text()
    broken = tmp_path / "broken.dxf"
    broken.write_text(text[: text.rindex("  0\nEOF")])  # missing EOF: plain ezdxf.readfile refuses
    with pytest.raises(ezdxf.DXFStructureError):
        ezdxf.readfile(broken)
    rb.dxf_floorplan(tmp_path / "bin.dxf", fmt="bin")
    assert (tmp_path / "bin.dxf").read_bytes().startswith(b"AutoCAD Binary DXF")
    for src in (broken, tmp_path / "bin.dxf"):
        out = tmp_path / f"{src.stem}_3d.dxf"
        r = rb.run_cli("convert", src, "-o", out)
        assert r.returncode == 0 and r.stderr == "", r.stderr
        assert "floorplan" in r.stdout and "10 x 8 x 3 m" in r.stdout
