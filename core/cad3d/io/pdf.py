"""Render one page of a PDF to a grey raster with pypdfium2 (a maintained PDFium binding)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ..errors import CorruptInput, InputTooLarge, UsageError


def render_pdf_page(path: Path, page: int, dpi: float) -> tuple[np.ndarray, float]:
    """Page `page` (0-based) at `dpi`: (H, W) uint8 and the dpi used (1 pt = 1/72 in)."""
    import pypdfium2 as pdfium

    from .load import MAX_PIXELS

    try:
        pdf = pdfium.PdfDocument(str(path))
    except pdfium.PdfiumError as exc:
        raise CorruptInput(f"{path}: cannot open the PDF ({exc})") from None
    try:
        if page >= len(pdf):
            raise UsageError(f"{path} has {len(pdf)} page(s); --page {page} does not exist")
        pg = pdf[page]
        w_pt, h_pt = pg.get_size()
        if w_pt * h_pt * (dpi / 72.0) ** 2 > MAX_PIXELS:
            raise InputTooLarge(
                f"{path}: page {page} at {dpi:.0f} dpi is over the pixel limit; lower --dpi"
            )
        bitmap = pg.render(scale=dpi / 72.0, grayscale=True)
        image = np.asarray(bitmap.to_numpy())
        if image.ndim == 3:
            image = image[..., 0]
        return image.astype(np.uint8).copy(), dpi
    except pdfium.PdfiumError as exc:
        raise CorruptInput(f"{path}: cannot render page {page} ({exc})") from None
    finally:
        pdf.close()
