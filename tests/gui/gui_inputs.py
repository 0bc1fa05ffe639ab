"""Input files for the GUI tests: bad drawings, a 2-page PDF, a 2D DXF floor plan (pytest side)."""

from __future__ import annotations

import struct
import zlib
from pathlib import Path

import numpy as np


def bomb_png(path: Path, side: int = 50_000) -> Path:
    """A ~100-byte PNG whose header claims side x side grey pixels (2.5 GB decoded)."""

    def chunk(tag: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + tag + data + struct.pack(">I", zlib.crc32(tag + data))

    ihdr = struct.pack(">IIBBBBB", side, side, 8, 0, 0, 0, 0)
    body = chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"\0" * 1000)) + chunk(b"IEND", b"")
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + body)
    return path


def bad_inputs(folder: Path, good_png: Path) -> dict[str, Path]:
    """Every bad input of issue 8 that an image command can meet, by name."""
    import cv2

    folder.mkdir(parents=True, exist_ok=True)
    out = {}
    out["empty"] = folder / "empty.png"
    out["empty"].write_bytes(b"")
    data = good_png.read_bytes()
    out["truncated"] = folder / "truncated.png"
    out["truncated"].write_bytes(data[: len(data) * 6 // 10])
    out["dwg"] = folder / "plan.dwg"
    out["dwg"].write_bytes(b"AC1032" + bytes(250))
    out["bomb"] = bomb_png(folder / "bomb.png")
    out["blank"] = folder / "blank.png"
    cv2.imwrite(str(out["blank"]), np.full((300, 400), 255, np.uint8))
    out["black"] = folder / "black.png"
    cv2.imwrite(str(out["black"]), np.zeros((300, 400), np.uint8))
    rng = np.random.default_rng(0)  # a "photo": colour grain, no paper, no lines
    out["photo"] = folder / "photo.jpg"
    cv2.imwrite(str(out["photo"]), rng.integers(0, 256, (240, 320, 3), dtype=np.uint8))
    out["gradient"] = folder / "sky.png"  # a smooth photo: a sky with no drawing on it
    cv2.imwrite(str(out["gradient"]), np.tile(np.linspace(90, 255, 320), (240, 1)).astype(np.uint8))
    return out


def two_page_pdf(path: Path) -> list[float]:
    """A PDF at 1:100 (127 dpi on paper) whose page 1 is blank and page 2 a 6 x 4 m room with
    0.2 m walls, its outer corner 1.5 m from the page's bottom-left; returns the room's
    [xmin, ymin, xmax, ymax] in meters."""
    import cv2
    from PIL import Image

    px = 0.02  # meters per image pixel: 0.2 mm on paper at 1:100 = 127 dpi
    w, h, t, o = round(9 / px), round(7 / px), round(0.2 / px), round(1.5 / px)
    img = np.full((h, w), 255, np.uint8)
    x1, y1 = o + round(6 / px), o + round(4 / px)
    cv2.rectangle(img, (o, h - y1), (x1, h - o), 0, -1)
    cv2.rectangle(img, (o + t, h - y1 + t), (x1 - t, h - o - t), 255, -1)
    blank = Image.new("L", (w, h), 255)
    blank.save(path, save_all=True, append_images=[Image.fromarray(img)], resolution=127.0)
    return [1.5, 1.5, 7.5, 5.5]


def plan_dxf(path: Path) -> Path:
    """A 2D DXF floor plan in mm: a 6 x 4 m room with 0.2 m walls (layer WALLS, closed
    LWPOLYLINEs) and a door swing (LINE + ARC on DOORS)."""
    import ezdxf

    doc = ezdxf.new("R2010", units=4)
    msp = doc.modelspace()
    for name in ("WALLS", "DOORS"):
        doc.layers.add(name)
    for ring in (
        [(0, 0), (6000, 0), (6000, 4000), (0, 4000)],
        [(200, 200), (5800, 200), (5800, 3800), (200, 3800)],
    ):
        msp.add_lwpolyline(ring, close=True, dxfattribs={"layer": "WALLS"})
    msp.add_line((2000, 200), (2000, 1100), dxfattribs={"layer": "DOORS"})
    msp.add_arc((2000, 200), 900, 0, 90, dxfattribs={"layer": "DOORS"})
    doc.saveas(path)
    return path
