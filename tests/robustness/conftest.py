"""Shared makers for the robustness suite: the CLI as a subprocess, small valid files of each type."""

import io
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import ezdxf
import numpy as np
import pytest
from ezdxf import units
from PIL import Image

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def run_cli(*args: str, timeout: float = 180) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "cad3d.cli.main", *map(str, args)],
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def line_drawing(h: int = 120, w: int = 160) -> np.ndarray:
    img = np.full((h, w), 255, np.uint8)
    img[20:30, 20:140] = 0
    img[20:100, 20:30] = 0
    img[90:100, 20:140] = 0
    return img


def image_bytes(arr: np.ndarray, fmt: str, **kw) -> bytes:
    buf = io.BytesIO()
    Image.fromarray(arr).save(buf, format=fmt, **kw)
    return buf.getvalue()


def pdf_bytes() -> bytes:
    """A one-page vector PDF with a rectangle and a line (written by hand: no extra dependency)."""
    content = b"2 w 50 50 200 120 re S 50 110 m 250 110 l S"
    objs = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 300 220] /Contents 4 0 R >>",
        b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream",
    ]
    out, offsets = bytearray(b"%PDF-1.4\n"), []
    for k, body in enumerate(objs, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % k + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objs) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objs) + 1, xref)
    return bytes(out)


def dxf_floorplan(
    path: Path,
    *,
    wall_layer: str = "A-WALL",
    door_layer: str = "A-DOOR",
    window_layer: str = "A-GLAZ",
    origin: tuple[float, float] = (1000.0, 2000.0),
    unit: int = units.M,
    fmt: str = "asc",
) -> list[list[tuple[float, float]]]:
    """A 10 x 8 m house: wall polygons with a door gap and a window gap, a door block and a window
    block; returns the wall polygons in meters relative to `origin`."""
    f = units.conversion_factor(units.M, unit)
    ox, oy = origin
    doc = ezdxf.new("R2010")
    doc.header["$INSUNITS"] = unit
    door = doc.blocks.new("DOOR90")
    door.add_line((0, 0), (0, 0.9 * f))
    door.add_arc((0, 0), 0.9 * f, 0, 90)
    door.add_line((0, 0), (0, -0.2 * f))
    door.add_line((0.9 * f, 0), (0.9 * f, -0.2 * f))
    win = doc.blocks.new("WIN120")
    win.add_lwpolyline([(0, 0), (1.2 * f, 0), (1.2 * f, 0.2 * f), (0, 0.2 * f)], close=True)
    win.add_line((0, 0.1 * f), (1.2 * f, 0.1 * f))
    walls = [
        # outer ring with a door gap (x 2..2.9, bottom) and a window gap (x 6..7.2, bottom)
        [
            (0, 0),
            (2, 0),
            (2, 0.2),
            (0.2, 0.2),
            (0.2, 7.8),
            (9.8, 7.8),
            (9.8, 0.2),
            (7.2, 0.2),
            (7.2, 0),
            (10, 0),
            (10, 8),
            (0, 8),
        ],
        [(2.9, 0), (6, 0), (6, 0.2), (2.9, 0.2)],
        [(5, 0.2), (5.1, 0.2), (5.1, 7.8), (5, 7.8)],
    ]
    msp = doc.modelspace()
    for poly in walls:
        pts = [((x + ox) * f, (y + oy) * f) for x, y in poly]
        msp.add_lwpolyline(pts, close=True, dxfattribs={"layer": wall_layer})
    msp.add_blockref("DOOR90", ((2 + ox) * f, (0.2 + oy) * f), dxfattribs={"layer": door_layer})
    msp.add_blockref("WIN120", ((6 + ox) * f, oy * f), dxfattribs={"layer": window_layer})
    msp.add_text("LIVING", dxfattribs={"layer": "TEXT", "height": 0.3 * f}).set_placement(
        ((3 + ox) * f, (3 + oy) * f)
    )
    doc.saveas(path, fmt=fmt)
    return walls


@pytest.fixture
def rb():
    """The helpers above, for test modules (conftest is not importable under importlib mode)."""
    return SimpleNamespace(
        run_cli=run_cli,
        line_drawing=line_drawing,
        image_bytes=image_bytes,
        pdf_bytes=pdf_bytes,
        dxf_floorplan=dxf_floorplan,
        examples=EXAMPLES,
    )
