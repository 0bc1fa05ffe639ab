"""Load a drawing file (image or PDF) into a grey `Drawing` at a known scale, within a memory bound.

Memory bound: an image may decode to at most MAX_PIXELS pixels (about 150 MB as grey); larger
ones are refused before decoding. Drawings wider than MAX_SIDE are downscaled (scale adjusted).
"""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import numpy as np

from ..converters.base import Drawing
from ..errors import (
    CorruptInput,
    InputNotFound,
    InputTooLarge,
    NoDrawing,
    UnsupportedInput,
    UsageError,
)
from .sniff import sniff

MAX_PIXELS = 150_000_000
MAX_SIDE = 4096
SCALE_KEY = "cad3d:scale"  # PNG text chunk that our examples and synthetic data carry (m/px)


def parse_drawing_scale(text: str) -> float:
    """'1:100' -> 100.0 (meters on site per meter on paper)."""
    try:
        a, b = text.split(":")
        ratio = float(b) / float(a)
    except ValueError:
        raise UsageError(f"drawing scale {text!r} is not of the form 1:100") from None
    if ratio <= 0:
        raise UsageError(f"drawing scale {text!r} must be positive")
    return ratio


def load_drawing(
    path: Path,
    scale: float | None = None,
    page: int = 0,
    drawing_scale: str | None = None,
    dpi: float | None = None,
    layer_table: str | Path | dict | None = None,
) -> Drawing:
    """Read `path` (PNG, JPEG, TIFF, BMP, WebP, GIF, PDF or 2D DXF) as a grey drawing with dark ink.

    scale: meters per pixel. Without it: the file's own `cad3d:scale` tag or a sidecar
    `NAME.json` with "scale", else `drawing_scale` ('1:100') with the file's or the given DPI.
    layer_table: a 2D DXF's extra layer keywords (JSON file or dict, dxf_layers.py); else unused.
    """
    path = Path(path)
    if not path.exists():
        raise InputNotFound(f"{path}: no such file")
    if path.is_dir():
        raise InputNotFound(f"{path} is a folder, not a drawing file")
    kind = sniff(path)
    if kind == "empty":
        raise CorruptInput(f"{path}: the file is empty (0 bytes)")
    if kind == "dwg":
        raise UnsupportedInput(f"{path}: DWG is a closed format; convert it to DXF or PDF first")
    if kind in ("dxf", "dxf-binary"):
        from .dxf2d import load_dxf_drawing

        drawing = load_dxf_drawing(path, scale, layer_table=layer_table)
        drawing.image, drawing.scale = _bound_size(drawing.image, drawing.scale)
        return drawing
    if kind == "unknown":
        raise UnsupportedInput(
            f"{path}: not an image or PDF (supported: PNG JPEG TIFF BMP WebP GIF PDF DXF)"
        )
    if kind == "pdf":
        from .pdf import render_pdf_page

        image, file_dpi = render_pdf_page(path, page, dpi or 200.0)
        tags: dict[str, str] = {}
    else:
        image, file_dpi, tags = _read_image(path, page)
    scale = _resolve_scale(path, scale, tags, drawing_scale, dpi or file_dpi)
    image, scale = _bound_size(image, scale)
    _check_content(path, image)
    return Drawing(image=image, scale=scale, source=str(path))


def _read_image(path: Path, page: int) -> tuple[np.ndarray, float | None, dict[str, str]]:
    from PIL import Image, ImageSequence

    too_large = (
        f"{path}: the image is over the {MAX_PIXELS // 1_000_000} MP limit; "
        "export it at a lower resolution"
    )
    try:
        with warnings.catch_warnings():  # PIL warns above 89 MP; our own bound is MAX_PIXELS
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            with Image.open(path) as im:
                w, h = im.size
                if w * h > MAX_PIXELS:
                    raise InputTooLarge(too_large.replace("the image is", f"{w} x {h} px is"))
                frames = getattr(im, "n_frames", 1)
                if page >= frames:
                    raise UsageError(f"{path} has {frames} page(s); --page {page} does not exist")
                frame = ImageSequence.Iterator(im)[page]
                tags = {k: str(v) for k, v in getattr(frame, "text", {}).items()}
                dpi = frame.info.get("dpi", (None,))[0]
                grey = _to_grey(frame)
    except (InputTooLarge, UsageError):
        raise
    except Image.DecompressionBombError:
        raise InputTooLarge(too_large) from None
    except (OSError, SyntaxError, ValueError) as exc:
        raise CorruptInput(
            f"{path}: cannot decode the image ({str(exc).splitlines()[0][:80]})"
        ) from None
    return grey, float(dpi) if dpi else None, tags


def _to_grey(frame) -> np.ndarray:
    """Any PIL mode to (H, W) uint8: alpha composited on white, 16-bit rescaled, CMYK/palette via RGB."""
    from PIL import Image

    if frame.mode in ("I;16", "I;16B", "I;16L", "I", "F"):
        a = np.asarray(frame, dtype=np.float64)
        lo, hi = float(a.min()), float(a.max())
        return ((a - lo) / (hi - lo or 1.0) * 255.0).round().astype(np.uint8)
    if frame.mode in ("RGBA", "LA", "PA") or (frame.mode == "P" and "transparency" in frame.info):
        rgba = frame.convert("RGBA")
        white = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        frame = Image.alpha_composite(white, rgba)
    return np.asarray(frame.convert("L"), dtype=np.uint8).copy()


def _resolve_scale(
    path: Path,
    scale: float | None,
    tags: dict[str, str],
    drawing_scale: str | None,
    dpi: float | None,
) -> float:
    if scale is not None:
        if not scale > 0:
            raise UsageError(f"scale must be a positive number of meters per pixel, got {scale}")
        return float(scale)
    if SCALE_KEY in tags:
        return float(tags[SCALE_KEY])
    sidecar = path.with_suffix(".json")
    if sidecar.is_file():
        try:
            return float(json.loads(sidecar.read_text())["scale"])
        except (ValueError, KeyError, TypeError):
            pass
    if drawing_scale:
        if not dpi:
            raise UsageError(f"{path} states no DPI; pass --dpi with --drawing-scale")
        return 0.0254 / dpi * parse_drawing_scale(drawing_scale)
    raise UsageError(
        f"{path}: scale unknown; pass --scale METERS_PER_PIXEL or --drawing-scale 1:100 (with --dpi)"
    )


def _bound_size(image: np.ndarray, scale: float) -> tuple[np.ndarray, float]:
    import cv2

    h, w = image.shape
    factor = MAX_SIDE / max(h, w)
    if factor >= 1.0:
        return image, scale
    warnings.warn(f"drawing of {w} x {h} px downscaled to fit {MAX_SIDE} px", stacklevel=3)
    small = cv2.resize(image, (round(w * factor), round(h * factor)), interpolation=cv2.INTER_AREA)
    return small, scale * w / small.shape[1]


def _check_content(path: Path, image: np.ndarray) -> None:
    ink = float((image < 128).mean())
    if image.size == 0 or ink < 2e-4:
        raise NoDrawing(f"{path}: the page is blank (no lines found)")
    if ink > 0.9:
        raise NoDrawing(f"{path}: the page is almost all black; is it inverted or a photo?")
    # a drawing is ink on plain paper: once the lighting is flattened (phone photos of prints),
    # most pixels sit within 25 grey levels of one light level (>= 0.72 on degraded synthetic
    # scans); noise and photos spread out (<= 0.34); a smooth gradient flattens to no ink at all
    paper, share = _paper_share(image)
    if paper >= 128 and share >= 0.5:
        return
    flat, lighting = _flatten_lighting(image)
    paper, share = _paper_share(flat)
    if paper < 128 or share < 0.5 or float((lighting < 64).mean()) > 0.1:
        raise NoDrawing(
            f"{path}: this looks like a photo, not a line drawing (no plain paper background)"
        )
    if float((flat < 180).mean()) < 1e-3:
        raise NoDrawing(
            f"{path}: no lines found; this looks like a smooth photo or gradient, not a drawing"
        )


def _paper_share(image: np.ndarray) -> tuple[int, float]:
    """(the commonest grey level, share of pixels within 25 levels of it)."""
    hist = np.bincount(image.ravel(), minlength=256)
    paper = int(np.argmax(np.convolve(hist, np.ones(9), "same")))
    return paper, float(hist[max(0, paper - 25) : paper + 26].sum()) / image.size


def _flatten_lighting(image: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The image at <= 512 px divided by its paper brightness (a closing wider than ink lines),
    and that brightness."""
    import cv2

    h, w = image.shape
    f = min(1.0, 512 / max(h, w))
    small = cv2.resize(
        image, (max(1, round(w * f)), max(1, round(h * f))), interpolation=cv2.INTER_AREA
    )
    k = max(3, max(small.shape) // 8) | 1
    paper = cv2.morphologyEx(
        small, cv2.MORPH_CLOSE, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (k, k))
    )
    paper = cv2.GaussianBlur(paper, (0, 0), k / 2)
    flat = np.clip(small.astype(np.float32) / np.maximum(paper, 1) * 255, 0, 255).astype(np.uint8)
    return flat, paper
