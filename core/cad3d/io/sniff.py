"""Tell a file's type by its first bytes, not its extension (users rename files)."""

from __future__ import annotations

from pathlib import Path

_MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"\x89PNG\r\n\x1a\n", "image"),
    (b"\xff\xd8\xff", "image"),
    (b"II*\x00", "image"),
    (b"MM\x00*", "image"),
    (b"BM", "image"),
    (b"GIF8", "image"),
    (b"%PDF", "pdf"),
    (b"AutoCAD Binary DXF", "dxf-binary"),
    (b"AC10", "dwg"),
)


def sniff(path: Path) -> str:
    """One of image, pdf, dxf, dxf-binary, dwg, empty, unknown."""
    with open(path, "rb") as f:
        head = f.read(64)
    if not head:
        return "empty"
    if head.startswith(b"RIFF") and head[8:12] == b"WEBP":
        return "image"
    for magic, kind in _MAGIC:
        if head.startswith(magic):
            return kind
    text = head.removeprefix(b"\xef\xbb\xbf").lstrip().upper()
    if text.startswith(b"0") and (b"SECTION" in text or b"999" in text[:8]):
        return "dxf"
    return "unknown"
