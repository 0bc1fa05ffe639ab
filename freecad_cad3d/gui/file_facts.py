"""What a drawing file's header says, before it goes to the engine (no Qt, no FreeCAD).

Only headers are read, never the pixels: a decompression bomb must reach the engine's size
check, not FreeCAD's process. Files that cannot be read here (empty, DWG, broken headers) are
"other": the engine's one-line error then says what is wrong.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

SCALE_KEY = "cad3d:scale"


@dataclass
class FileFacts:
    """What the header says. kind: image | pdf | dxf | other; pages: None when unknown."""

    kind: str
    pages: int | None = 1
    states_scale: bool = False
    dpi: float | None = None


def _sniff(path: Path) -> str:
    try:
        from cad3d.io.sniff import sniff

        kind = sniff(path)
    except Exception:  # unreadable: the engine says why
        return "other"
    return {"dxf-binary": "dxf"}.get(kind, kind if kind in ("image", "pdf", "dxf") else "other")


def _sidecar_scale(path: Path) -> bool:
    side = path.with_suffix(".json")
    try:
        return float(json.loads(side.read_text())["scale"]) > 0
    except (OSError, ValueError, KeyError, TypeError):
        return False


def pdf_pages(path: Path) -> int | None:
    """Page count of a PDF: pypdfium2 when FreeCAD's Python has it (raises when it cannot open
    the file), else the page tree's /Count; None when unknown."""
    try:
        import pypdfium2 as pdfium
    except ImportError:
        pdfium = None
    if pdfium is not None:
        pdf = pdfium.PdfDocument(str(path))
        try:
            return len(pdf)
        finally:
            pdf.close()
    try:
        data = path.read_bytes()[: 64 << 20]
    except OSError:
        return None
    # the root /Pages node holds the largest /Count; compressed object streams hide it
    counts = [int(m) for m in re.findall(rb"/Type\s*/Pages\b[^>]*?/Count\s+(\d+)", data)]
    counts += [int(m) for m in re.findall(rb"/Count\s+(\d+)[^>]*?/Type\s*/Pages\b", data)]
    return max(counts) if counts else None


def _image_header(path: Path) -> tuple[int | None, bool, float | None]:
    """(frames, has a cad3d:scale tag, dpi) from the header; raises when unreadable."""
    try:
        from PIL import Image
    except ImportError:
        Image = None
    if Image is not None:
        with Image.open(path) as im:  # PIL refuses bombs here (DecompressionBombError)
            frames = int(getattr(im, "n_frames", 1))
            tagged = SCALE_KEY in im.info  # text chunks before the pixels (no decode)
            dpi = im.info.get("dpi", (None,))[0]
            return frames, tagged, float(dpi) if dpi else None
    from PySide import QtGui  # FreeCAD's shim; only when PIL is missing

    reader = QtGui.QImageReader(str(path))
    if not reader.canRead():
        raise OSError(reader.errorString())
    return max(reader.imageCount(), 1), bool(reader.text(SCALE_KEY)), None


def inspect(path: str | Path) -> FileFacts:
    """The file's kind, page count, whether it states its scale, and its DPI (header only)."""
    path = Path(path)
    kind = _sniff(path)
    if kind == "pdf":
        try:
            pages = pdf_pages(path)
        except Exception:
            return FileFacts("other")  # a PDF that PDFium cannot open: the engine says why
        return FileFacts("pdf", pages, _sidecar_scale(path), None)
    if kind != "image":
        return FileFacts(kind, 1, kind == "dxf", None)  # DXF carries its units
    try:
        frames, tagged, dpi = _image_header(path)
    except Exception:
        return FileFacts("other")  # a broken header: no questions, the engine says why
    return FileFacts("image", frames, tagged or _sidecar_scale(path), dpi)


def needs(facts: FileFacts, panel_scale: float) -> tuple[bool, bool]:
    """(ask the page, ask the scale) for these facts and the panel's scale (0: from drawing)."""
    if facts.kind not in ("image", "pdf"):
        return False, False
    page = facts.pages is None or facts.pages > 1
    scale = panel_scale <= 0 and not facts.states_scale
    return page, scale
