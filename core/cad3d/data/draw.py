"""Drawing primitives for the synthetic generators: a grey canvas addressed in meters.

Generators think in meters (their ground truth is a `Plan`); drawings are pixels. `Canvas` holds
one (H, W) uint8 image (white 255 paper, dark ink) and its scale, takes geometry in meters in
drawing coordinates (x = c * s, y = (H - r) * s, DESIGN.md) and line weights / text heights in
pixels, because those are properties of the drawing, not of the building. Every primitive uses
the same anti-aliasing setting (`aa`) so a generator's strokes look alike; sub-pixel positions
are kept (cv2 `shift`) so thin lines land where the plan says; fills are area-true (a pixel's darkness is its coverage), so
a filled wall's pixels at the mid-grey threshold have the wall's true width.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import cv2
import numpy as np
from shapely.geometry import MultiLineString, MultiPolygon, Polygon
from shapely.geometry.base import BaseGeometry

from .draw_geom import XY, dash_segments, polygons, rings, thickness, to_px, to_world

_SHIFT = 4  # cv2 fixed-point bits: positions to 1/16 px
_ONE = 1 << _SHIFT
_SUPER = 4  # anti-aliased fills: coverage from a 4 x 4 supersampled mask

__all__ = ["FONTS", "XY", "Canvas", "dash_segments", "to_px", "to_world"]

FONTS = (
    cv2.FONT_HERSHEY_SIMPLEX,
    cv2.FONT_HERSHEY_PLAIN,
    cv2.FONT_HERSHEY_DUPLEX,
    cv2.FONT_HERSHEY_COMPLEX,
    cv2.FONT_HERSHEY_TRIPLEX,
    cv2.FONT_HERSHEY_COMPLEX_SMALL,
    cv2.FONT_HERSHEY_SCRIPT_SIMPLEX,
)


@dataclass
class Canvas:
    """An (H, W) uint8 drawing at `scale` meters per pixel; geometry in meters, weights in px."""

    image: np.ndarray
    scale: float
    aa: bool = True

    @classmethod
    def blank(cls, width_px: int, height_px: int, scale: float, aa: bool = True) -> Canvas:
        return cls(np.full((height_px, width_px), 255, np.uint8), scale, aa)

    @property
    def height(self) -> int:
        return self.image.shape[0]

    @property
    def width(self) -> int:
        return self.image.shape[1]

    @property
    def _lt(self) -> int:
        return cv2.LINE_AA if self.aa else cv2.LINE_8

    def px(self, xy: np.ndarray | XY) -> np.ndarray:
        """Meters to float pixel (column, row)."""
        return to_px(xy, self.height, self.scale)

    def _fix(self, cr: np.ndarray) -> np.ndarray:
        return np.round(np.asarray(cr) * _ONE).astype(np.int32)

    # --- strokes ---------------------------------------------------------------------------
    def polyline(
        self,
        pts: np.ndarray | Sequence[XY],
        weight: float = 1.0,
        dash: Sequence[float] | None = None,
        ink: int = 0,
        closed: bool = False,
    ) -> None:
        """Stroke a polyline (N, 2) meters; weight in px; dash lengths (on, off, ...) in px."""
        cr = self.px(np.asarray(pts, dtype=np.float64).reshape(-1, 2))
        if closed:
            cr = np.vstack([cr, cr[:1]])
        t = thickness(weight)
        pieces = dash_segments(cr, dash) if dash else [cr]
        fixed = [self._fix(p) for p in pieces if len(p) > 1]
        if fixed:
            cv2.polylines(self.image, fixed, False, int(ink), t, self._lt, _SHIFT)

    def line(
        self, p0: XY, p1: XY, weight: float = 1.0, dash: Sequence[float] | None = None, ink: int = 0
    ) -> None:
        """Stroke the segment p0-p1 (meters)."""
        self.polyline(np.array([p0, p1], dtype=np.float64), weight, dash, ink)

    def outline(
        self,
        area: BaseGeometry,
        weight: float = 1.0,
        dash: Sequence[float] | None = None,
        ink: int = 0,
    ) -> None:
        """Stroke every ring of a (Multi)Polygon or every part of a (Multi)LineString."""
        for ring in rings(area):
            self.polyline(np.asarray(ring.coords), weight, dash, ink)

    # --- areas -----------------------------------------------------------------------------
    def fill(self, area: Polygon | MultiPolygon | np.ndarray, ink: int = 0) -> None:
        """Fill an area (shapely polygon with holes, or an (N, 2) ring in meters) with ink."""
        polys = [Polygon(area)] if isinstance(area, np.ndarray) else polygons(area)
        for poly in polys:
            if poly.is_empty:
                continue
            ext = self.px(np.asarray(poly.exterior.coords))
            c0, r0 = np.floor(ext.min(0)).astype(int) - 2
            c1, r1 = np.ceil(ext.max(0)).astype(int) + 2
            c0, r0 = max(c0, 0), max(r0, 0)
            c1, r1 = min(c1, self.width), min(r1, self.height)
            if c1 <= c0 or r1 <= r0:
                continue
            f = _SUPER if self.aa else 1
            mask = np.zeros(((r1 - r0) * f, (c1 - c0) * f), np.uint8)
            off = np.array([c0, r0], dtype=np.float64)
            rings = [(poly.exterior, 255)] + [(h, 0) for h in poly.interiors]
            for ring, value in rings:
                sub = (self.px(np.asarray(ring.coords)) - off + 0.5) * f - 0.5
                # cv2 fills every pixel within ~half a pixel of the ring: shrink it by that much
                shrunk = Polygon(sub).buffer(-0.5, join_style=2)
                for part in polygons(shrunk):
                    if part.is_empty:
                        continue
                    cv2.fillPoly(
                        mask,
                        [self._fix(np.asarray(part.exterior.coords))],
                        value,
                        cv2.LINE_8,
                        _SHIFT,
                    )
            if f > 1:
                mask = cv2.resize(mask, (c1 - c0, r1 - r0), interpolation=cv2.INTER_AREA)
            region = self.image[r0:r1, c0:c1]
            painted = 255 - (mask.astype(np.uint16) * (255 - int(ink)) // 255).astype(np.uint8)
            np.minimum(region, painted, out=region)

    def hatch(
        self,
        area: Polygon | MultiPolygon,
        angle_deg: float = 45.0,
        spacing_px: float = 6.0,
        weight: float = 1.0,
        ink: int = 0,
        dash: Sequence[float] | None = None,
    ) -> None:
        """Parallel lines at `angle_deg` (from +x, counter-clockwise), `spacing_px` apart, clipped to area."""
        if area.is_empty:
            return
        x0, y0, x1, y1 = area.bounds
        cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
        half = math.hypot(x1 - x0, y1 - y0) / 2 + 1e-6
        a = math.radians(angle_deg)
        d = np.array([math.cos(a), math.sin(a)])
        n = np.array([-d[1], d[0]])
        step = spacing_px * self.scale
        k = np.arange(-math.ceil(half / step), math.ceil(half / step) + 1)
        c = np.array([cx, cy])
        lines = [(c + n * i * step - d * half, c + n * i * step + d * half) for i in k]
        clipped = MultiLineString([tuple(map(tuple, seg)) for seg in lines]).intersection(area)
        for part in rings(clipped):
            self.polyline(np.asarray(part.coords), weight, dash, ink)

    # --- curves ----------------------------------------------------------------------------
    def arc(
        self,
        center: XY,
        radius: float,
        a0_deg: float,
        a1_deg: float,
        weight: float = 1.0,
        dash: Sequence[float] | None = None,
        ink: int = 0,
    ) -> None:
        """Arc from a0 to a1 (degrees, counter-clockwise from +x in drawing coordinates), meters."""
        n = max(8, int(abs(a1_deg - a0_deg) / 360 * 2 * math.pi * radius / self.scale / 2) + 2)
        t = np.radians(np.linspace(a0_deg, a1_deg, n))
        pts = np.stack([center[0] + radius * np.cos(t), center[1] + radius * np.sin(t)], 1)
        self.polyline(pts, weight, dash, ink)

    def circle(
        self, center: XY, radius: float, weight: float = 1.0, ink: int = 0, filled: bool = False
    ) -> None:
        """A circle (meters); `filled` paints the disc."""
        c = self._fix(self.px(center))
        r = int(round(radius / self.scale * _ONE))
        t = -1 if filled else thickness(weight)
        cv2.circle(self.image, (int(c[0]), int(c[1])), r, int(ink), t, self._lt, _SHIFT)

    # --- text ------------------------------------------------------------------------------
    def text_size(
        self,
        s: str,
        height_px: float = 12.0,
        font: int = cv2.FONT_HERSHEY_SIMPLEX,
        weight: float = 1.0,
    ) -> tuple[float, float]:
        """(width, height) in meters of `text(s, ...)` at rotation 0, so callers can place labels."""
        t = max(1, int(round(weight)))
        (_, h0), _ = cv2.getTextSize("H", font, 1.0, t)
        (w, h), base = cv2.getTextSize(s, font, height_px / max(0.75 * h0, 1), t)
        return (w + 2 * t) * self.scale, (h + base + 2 * t) * self.scale

    def text(
        self,
        s: str,
        at: XY,
        height_px: float = 12.0,
        rotation: int = 0,
        font: int = cv2.FONT_HERSHEY_SIMPLEX,
        weight: float = 1.0,
        ink: int = 0,
    ) -> None:
        """Text centred on `at` (meters), cap height about `height_px`; rotation 0 or 90 (reads upwards)."""
        t = max(1, int(round(weight)))
        (_, h0), _ = cv2.getTextSize("H", font, 1.0, t)
        fs = height_px / max(0.75 * h0, 1)  # Hershey caps are ~3/4 of getTextSize's height
        (w, h), base = cv2.getTextSize(s, font, fs, t)
        pad = t + 2
        tile = np.full((h + base + 2 * pad, w + 2 * pad), 255, np.uint8)
        cv2.putText(tile, s, (pad, pad + h), font, fs, int(ink), t, self._lt)
        if rotation % 180 == 90:
            tile = np.rot90(tile)
        elif rotation % 180:
            raise ValueError("text rotation must be 0 or 90")
        c, r = self.px(at)
        r0 = int(round(r - tile.shape[0] / 2))
        c0 = int(round(c - tile.shape[1] / 2))
        rr0, cc0 = max(r0, 0), max(c0, 0)
        rr1 = min(r0 + tile.shape[0], self.height)
        cc1 = min(c0 + tile.shape[1], self.width)
        if rr1 <= rr0 or cc1 <= cc0:
            return
        sub = tile[rr0 - r0 : rr1 - r0, cc0 - c0 : cc1 - c0]
        region = self.image[rr0:rr1, cc0:cc1]
        np.minimum(region, sub, out=region)

    def dimension(
        self,
        p0: XY,
        p1: XY,
        offset: float,
        label: str | None = None,
        end: str = "arrow",
        weight: float = 1.0,
        text_px: float = 10.0,
        font: int = cv2.FONT_HERSHEY_SIMPLEX,
        ink: int = 0,
        ext: tuple[bool, bool] = (True, True),
        ext_gap: float | None = None,
    ) -> None:
        """A dimension between p0 and p1 (meters), its line `offset` m to the left of p0->p1.

        ext: which extension lines to draw (a chain shares them); ext_gap: meters between the
        measured points and the extension lines' start (default 2 px).

        Extension lines, the dimension line, `end` marks ("arrow", "tick" or "dot") and the label
        (default: the length in meters, 2 decimals) centred beside the line, rotated 0 or 90.
        """
        p0, p1 = np.asarray(p0, float), np.asarray(p1, float)
        d = p1 - p0
        length = float(np.hypot(*d))
        if length <= 0:
            return
        u = d / length
        n = np.array([-u[1], u[0]])
        q0, q1 = p0 + n * offset, p1 + n * offset
        gap = (2 * self.scale if ext_gap is None else ext_gap) * np.sign(offset)
        over = 3 * self.scale * np.sign(offset)
        if ext[0]:
            self.line(p0 + n * gap, q0 + n * over, weight, ink=ink)
        if ext[1]:
            self.line(p1 + n * gap, q1 + n * over, weight, ink=ink)
        self.line(q0, q1, weight, ink=ink)
        m = 6 * self.scale  # mark size: 6 px
        for q, inward in ((q0, u), (q1, -u)):
            if end == "arrow":
                tri = np.array(
                    [q, q + inward * m * 1.6 + n * m * 0.5, q + inward * m * 1.6 - n * m * 0.5]
                )
                self.fill(tri, ink)
            elif end == "tick":
                t = (u + n) / math.sqrt(2) * m * 0.7
                self.line(q - t, q + t, weight + 1, ink=ink)
            else:
                self.circle(q, m * 0.3, ink=ink, filled=True)
        label = f"{length:.2f}" if label is None else label
        vertical = abs(u[1]) > abs(u[0])
        side = n * np.sign(offset) if offset else n
        at = (q0 + q1) / 2 + side * (text_px * 0.9 * self.scale)
        self.text(label, at, text_px, 90 if vertical else 0, font, 1.0, ink)
