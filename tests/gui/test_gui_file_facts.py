"""What the image command asks before a file goes to the engine (headers only, no Qt)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, PngImagePlugin

from freecad_cad3d.gui.file_facts import FileFacts, inspect, needs, pdf_pages

sys.path.insert(0, str(Path(__file__).resolve().parent))  # importlib mode adds no test folder
from gui_inputs import bomb_png  # noqa: E402 - tests/gui/gui_inputs.py


def test_pdf_page_count_with_and_without_pypdfium2(tmp_path, monkeypatch):
    pdf = tmp_path / "three.pdf"
    pages = [Image.new("L", (50, 40), 255) for _ in range(3)]
    pages[0].save(pdf, save_all=True, append_images=pages[1:], resolution=72.0)
    assert pdf_pages(pdf) == 3
    f = inspect(pdf)
    assert f == FileFacts("pdf", 3, False, None) and needs(f, 0.0) == (True, True)
    assert needs(f, 0.02) == (True, False)  # the panel's scale is used
    monkeypatch.setitem(sys.modules, "pypdfium2", None)  # FreeCAD's Python without it
    assert pdf_pages(pdf) == 3  # the page tree's /Count
    (tmp_path / "one.pdf").write_bytes(b"%PDF-1.4\n%\xe2\xe3\n1 0 obj <</Type /Catalog>> endobj")
    assert pdf_pages(tmp_path / "one.pdf") is None  # unknown: the dialog lets the engine check


def test_images_scale_tags_sidecars_and_dpi(tmp_path):
    grey = Image.fromarray(np.full((30, 40), 255, np.uint8))
    plain = tmp_path / "plain.png"
    grey.save(plain, dpi=(150, 150))
    f = inspect(plain)
    assert f.kind == "image" and f.pages == 1 and not f.states_scale
    assert f.dpi == pytest.approx(150, abs=0.1) and needs(f, 0.0) == (False, True)
    tagged = tmp_path / "tagged.png"
    info = PngImagePlugin.PngInfo()
    info.add_text("cad3d:scale", "0.02")
    grey.save(tagged, pnginfo=info)
    assert inspect(tagged).states_scale and needs(inspect(tagged), 0.0) == (False, False)
    side = tmp_path / "side.png"
    grey.save(side)
    (tmp_path / "side.json").write_text(json.dumps({"scale": 0.05}))
    assert inspect(side).states_scale
    tif = tmp_path / "two.tif"
    grey.save(tif, save_all=True, append_images=[grey])
    assert inspect(tif).pages == 2 and needs(inspect(tif), 0.02) == (True, False)


def test_files_the_engine_refuses_get_no_questions(tmp_path):
    (tmp_path / "empty.png").write_bytes(b"")
    (tmp_path / "plan.dwg").write_bytes(b"AC1032" + bytes(200))
    (tmp_path / "notes.txt").write_text("not a drawing")
    (tmp_path / "broken.pdf").write_bytes(b"%PDF-1.7\n garbage")
    bomb_png(tmp_path / "bomb.png")
    (tmp_path / "half.png").write_bytes(b"\x89PNG\r\n\x1a\n\0\0")
    for name in ("empty.png", "plan.dwg", "notes.txt", "broken.pdf", "bomb.png", "half.png"):
        f = inspect(tmp_path / name)
        assert f.kind == "other" and needs(f, 0.0) == (False, False), name
    (tmp_path / "plan.dxf").write_text("  0\nSECTION\n  2\nHEADER\n  0\nENDSEC\n  0\nEOF\n")
    assert needs(inspect(tmp_path / "plan.dxf"), 0.0) == (False, False)  # DXF carries units
