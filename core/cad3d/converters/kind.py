"""Pick the drawing's domain when the user says `--kind auto`.

The drawing's physical size is the strongest cue we have, because the scale is known: a
mechanical part is centimetres across, a floor plan metres to tens of metres, a site plan tens to
hundreds. Between the bands, an ink cue decides: floor plans carry thick straight wall strokes.
"""

from __future__ import annotations

import numpy as np

PART_MAX_EXTENT = 2.0  # meters: larger than any part drawing, smaller than any room
SITE_MIN_EXTENT = 60.0  # meters: larger than any house plan
AMBIGUOUS_LOW = 30.0


def thick_ink_share(image: np.ndarray, scale: float) -> float:
    """Share of ink that survives an opening the size of a thin wall (8 cm): walls drawn filled."""
    import cv2

    ink = (image < 128).astype(np.uint8)
    total = int(ink.sum())
    if total == 0:
        return 0.0
    k = max(3, int(round(0.08 / scale)) | 1)
    opened = cv2.morphologyEx(ink, cv2.MORPH_OPEN, np.ones((k, k), np.uint8))
    return float(opened.sum()) / total


def detect_kind(image: np.ndarray, scale: float) -> str:
    """'part', 'floorplan' or 'landscape' for an (H, W) uint8 drawing at `scale` m/px."""
    h, w = image.shape[:2]
    extent = max(h, w) * scale
    if extent <= PART_MAX_EXTENT:
        return "part"
    if extent >= SITE_MIN_EXTENT:
        return "landscape"
    if extent < AMBIGUOUS_LOW:
        return "floorplan"
    return "floorplan" if thick_ink_share(image, scale) > 0.25 else "landscape"
