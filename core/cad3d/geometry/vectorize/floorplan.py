"""Floor-plan vectoriser: a drawing to WALL / DOOR / WINDOW / FLOOR with default heights.

The "Simple Extrusion" baseline's xy half. Steps: grey -> deskew (projection profiles) ->
wall band (ink plus small enclosed white regions, opened by a square under the thinnest wall:
see fp_masks) -> windows inside the band and door gaps between wall ends (fp_openings; windows
with glazing lines in any wall, bare window strips in exterior walls only) -> polygons,
corrected for the stroke width (outlined walls put their lines *on* the faces, so the band's
edge sits half a stroke outside them) -> back to drawing coordinates (x = c * s,
y = (H - r) * s).
Same conventions as `cad3d.data.floorplan`: one WALL solid holding the openings, cuts 1 cm
beyond both faces, a FLOOR surface on the building outline.
"""

from __future__ import annotations

from typing import Any

import cv2
import numpy as np
from shapely import affinity
from shapely.geometry import LineString, MultiPolygon, Polygon, box
from shapely.ops import unary_union
from shapely.validation import make_valid

from ...defaults import DOOR_HEAD, WALL_HEIGHT, WINDOW_HEAD, WINDOW_SILL
from ...errors import NoGeometry
from ...plan import Cut, Plan, Solid, Surface
from .fp_masks import (
    denoise,
    estimate_skew,
    keep_large,
    long_lines,
    run_width,
    thresholds,
    to_grey,
    wall_masks,
)
from .fp_openings import Opening, find_gaps, find_windows
from .fp_refine import coverage, refined_polygons

CUT_EXTRA = 0.01  # meters beyond each wall face


def vectorize_floorplan(
    image: np.ndarray, scale: float, notes: dict[str, Any] | None = None
) -> Plan:
    """Walls, doors, windows and floor of a floor-plan drawing.

    image: (H, W) uint8 grey (or RGB), dark ink on light paper; scale: meters per pixel.
    notes: optional overrides `wall_height`, `door_head`, `window_sill`, `window_head` (m).
    Raises NoGeometry when no wall is found.
    """
    notes = notes or {}
    grey = denoise(to_grey(image))
    hpx, wpx = grey.shape
    t_gen, _ = thresholds(grey)
    angle = estimate_skew(grey < t_gen)
    rot = cv2.getRotationMatrix2D((wpx / 2, hpx / 2), angle, 1.0)
    if abs(angle) > 0.05:
        grey = cv2.warpAffine(grey, rot, (wpx, hpx), flags=cv2.INTER_CUBIC, borderValue=255)
    m = wall_masks(grey, scale)
    if not m.band.any():
        raise NoGeometry("no walls found in the floor plan")

    # long thin lines: windows' glazing, face lines (stroke width), never filled walls
    solid_grown = cv2.dilate(m.solid.astype(np.uint8), np.ones((3, 3), np.uint8)) > 0
    thin_h, thin_v = long_lines(m.ink & ~solid_grown, max(5, int(round(0.5 / scale))))
    inked_walls = m.solid.sum() > 0.5 * m.band.sum()  # filled style
    inner = cv2.erode(m.band.astype(np.uint8), np.ones((5, 5), np.uint8)) > 0
    hatched = not inked_walls and (m.ink & inner & ~thin_h & ~thin_v).sum() > 0.08 * max(
        inner.sum(), 1
    )
    w_gen = run_width(thin_h, thin_v)
    w_mid = run_width(thin_h & m.ink_mid, thin_v & m.ink_mid)
    # how far the band's edge sits outside the true wall face, px
    excess = 0.0 if inked_walls else w_mid / 2

    windows = find_windows(
        m, thin_h, thin_v, scale, inked_walls or hatched, int(np.ceil(w_gen)) + 1
    )
    gaps, patch = find_gaps(m, thin_h, thin_v, scale)
    openings = _dedupe(windows + gaps)

    walls = m.band | patch
    for o in openings:
        c0, r0, c1, r1 = (int(round(v)) for v in o.box_px())
        walls[max(r0, 0) : r1, max(c0, 0) : c1] = True
    walls = keep_large(walls, scale, 0.25)
    openings = [o for o in openings if walls[_centre(o, walls.shape)]]
    outside = _outside(walls)
    # a bare strip is a window only in an exterior wall (inside, it is more likely a wall
    # whose hatching faded); glazing strokes say window wherever they are
    openings = [o for o in openings if o.src != "strip" or _on_exterior(o, outside)]
    if inked_walls:  # area-true edges: the mid-grey threshold, not the generous one
        keep = m.ink_mid | m.holes | patch
        for o in openings:
            c0, r0, c1, r1 = (int(round(v)) for v in o.box_px())
            keep[max(r0, 0) : r1, max(c0, 0) : c1] = True
        walls &= keep
    walls = _fill_specks(walls, int((0.25 / scale) ** 2))
    cov = coverage(grey)
    wall_px = refined_polygons(walls, cov, "step" if inked_walls else "line", 0.5 - excess)
    if wall_px.is_empty:
        raise NoGeometry("no walls found in the floor plan")
    wall_px = _straighten(wall_px, openings)

    to_world = _pixel_to_world(rot, hpx, scale)
    wall = _clean(affinity.affine_transform(wall_px, to_world))
    cuts = []
    hd, hw0, hw1 = (
        float(notes.get(k, d))
        for k, d in (
            ("door_head", DOOR_HEAD),
            ("window_sill", WINDOW_SILL),
            ("window_head", WINDOW_HEAD),
        )
    )
    for o in openings:
        fp = affinity.affine_transform(_cut_box(o, excess, CUT_EXTRA / scale, wall_px), to_world)
        if o.cls == "DOOR":
            cuts.append(Cut("DOOR", fp, 0.0, hd, "WALL"))
        else:
            cuts.append(Cut("WINDOW", fp, hw0, hw1, "WALL"))
    polys = list(wall.geoms) if isinstance(wall, MultiPolygon) else [wall]
    floor = unary_union([Polygon(p.exterior) for p in polys if p.area > 1.0])
    plan = Plan(
        domain="floorplan",
        extent=(wpx * scale, hpx * scale),
        solids=[Solid("WALL", wall, 0.0, float(notes.get("wall_height", WALL_HEIGHT)))],
        cuts=cuts,
        surfaces=[Surface("FLOOR", floor, 0.0)] if not floor.is_empty else [],
        meta=dict(
            skew_deg=-angle,  # the drawing's rotation (cv2 sense) that was undone
            style="filled" if inked_walls else "hatched" if hatched else "outline",
            stroke_px=w_gen,
            doors=sum(o.cls == "DOOR" for o in openings),
            windows=sum(o.cls == "WINDOW" for o in openings),
        ),
    )
    return plan


def _centre(o: Opening, shape: tuple[int, int]) -> tuple[int, int]:
    """(row, col) of an opening's centre pixel, inside an image of `shape`."""
    c0, r0, c1, r1 = o.box_px()
    r, c = int((r0 + r1) / 2), int((c0 + c1) / 2)
    return min(max(r, 0), shape[0] - 1), min(max(c, 0), shape[1] - 1)


def _fill_specks(walls: np.ndarray, max_area: int) -> np.ndarray:
    """Fill small holes in the wall mask (scan drop-outs): rooms are far bigger."""
    n, labels, stats, _ = cv2.connectedComponentsWithStats(
        (~walls).astype(np.uint8), connectivity=4
    )
    small = stats[:, cv2.CC_STAT_AREA] <= max_area
    small[0] = False  # label 0: the walls themselves
    return walls | small[labels]


def _outside(walls: np.ndarray) -> np.ndarray:
    """(H, W) bool: paper reachable from the image border without crossing a wall."""
    h, w = walls.shape
    flood = np.pad(walls.astype(np.uint8), 1)
    mask = np.zeros((h + 4, w + 4), np.uint8)
    cv2.floodFill(flood, mask, (0, 0), 2)
    return flood[1:-1, 1:-1] == 2


def _on_exterior(o: Opening, outside: np.ndarray) -> bool:
    """Windows sit in exterior walls: one face of the opening looks onto the outside."""
    h, w = outside.shape
    mid = (o.a0 + o.a1) // 2
    for b in (o.b0 - 3, o.b1 + 3):
        r, c = (b, mid) if o.axis == "h" else (mid, b)
        if 0 <= r < h and 0 <= c < w and outside[r, c]:
            return True
    return False


def _dedupe(ops: list[Opening]) -> list[Opening]:
    """Drop an opening whose box overlaps one already kept (windows come first)."""
    kept: list[Opening] = []
    for o in ops:
        b = box(*o.box_px())
        if all(b.intersection(box(*k.box_px())).area < 0.3 * b.area for k in kept):
            kept.append(o)
    return kept


def _faces(
    wall_px, axis: str, along: float, centre: float, reach: float
) -> tuple[float, float] | None:
    """The wall's two faces (pixel coordinate across it) on a probe at `along` through `centre`."""
    if axis == "h":
        probe = LineString([(along, centre - reach), (along, centre + reach)])
    else:
        probe = LineString([(centre - reach, along), (centre + reach, along)])
    hit = probe.intersection(wall_px)
    k = 1 if axis == "h" else 0
    for seg in getattr(hit, "geoms", [hit]):
        if isinstance(seg, LineString) and not seg.is_empty:
            lo, hi = sorted((seg.coords[0][k], seg.coords[-1][k]))
            if lo - 1.0 <= centre <= hi + 1.0:
                return lo, hi
    return None


def _straighten(wall_px, openings: list[Opening]):
    """Run each wall's faces straight through its openings, at the faces read just beyond the
    jambs: inside an opening the ink (a window's strokes, a bare gap) does not show the faces."""
    clears, fills = [], []
    for o in openings:
        c0, r0, c1, r1 = o.box_px()
        a0, a1, b0, b1 = (c0, c1, r0, r1) if o.axis == "h" else (r0, r1, c0, c1)
        centre, reach = (b0 + b1) / 2, (b1 - b0) + 4
        sides = [_faces(wall_px, o.axis, a, centre, reach) for a in (a0 - 2.5, a1 + 2.5)]
        sides = [f for f in sides if f is not None and f[1] - f[0] <= 1.5 * (b1 - b0) + 2]
        if not sides:
            continue
        f0, f1 = float(np.mean([f[0] for f in sides])), float(np.mean([f[1] for f in sides]))
        if o.axis == "h":
            clears.append(box(a0, b0 - 3, a1, b1 + 3))
            fills.append(box(a0, f0, a1, f1))
        else:
            clears.append(box(b0 - 3, a0, b1 + 3, a1))
            fills.append(box(f0, a0, f1, a1))
    if not clears:
        return wall_px
    return wall_px.difference(unary_union(clears)).union(unary_union(fills))


def _cut_box(o: Opening, excess: float, extra: float, wall_px) -> Polygon:
    """An opening's footprint in pixels: along its true jambs, across the traced wall's two
    faces (read on a probe through its middle) plus `extra` beyond each."""
    c0, r0, c1, r1 = o.box_px()
    along_pad = excess if o.cls == "DOOR" else 0.0  # a gap ends at the jamb strokes' outer edges
    f0, f1 = (r0 + excess, r1 - excess) if o.axis == "h" else (c0 + excess, c1 - excess)
    mid, centre = (
        ((c0 + c1) / 2, (r0 + r1) / 2) if o.axis == "h" else ((r0 + r1) / 2, (c0 + c1) / 2)
    )
    reach = (f1 - f0) + 4
    probe = LineString(
        [(mid, centre - reach), (mid, centre + reach)]
        if o.axis == "h"
        else [(centre - reach, mid), (centre + reach, mid)]
    )
    hit = probe.intersection(wall_px)
    for seg in getattr(hit, "geoms", [hit]):
        if isinstance(seg, LineString) and not seg.is_empty:
            k = 1 if o.axis == "h" else 0
            lo, hi = sorted((seg.coords[0][k], seg.coords[-1][k]))
            if lo - 0.5 <= centre <= hi + 0.5 and hi - lo <= 1.5 * (f1 - f0) + 2:
                f0, f1 = lo, hi
                break
    if o.axis == "h":
        return box(c0 - along_pad, f0 - extra, c1 + along_pad, f1 + extra)
    return box(f0 - extra, r0 - along_pad, f1 + extra, r1 + along_pad)


def _pixel_to_world(rot: np.ndarray, hpx: int, scale: float) -> list[float]:
    """shapely affine [a, b, d, e, xoff, yoff]: deskewed pixel (c, r) -> drawing meters."""
    inv = cv2.invertAffineTransform(rot)
    s = scale
    return [
        s * inv[0, 0],
        s * inv[0, 1],
        -s * inv[1, 0],
        -s * inv[1, 1],
        s * inv[0, 2],
        s * (hpx - inv[1, 2]),
    ]


def _clean(geom) -> Polygon | MultiPolygon:
    """Valid polygons only, with sub-millimetre slivers dropped."""
    geom = make_valid(geom)
    parts = [g for g in getattr(geom, "geoms", [geom]) if isinstance(g, Polygon) and g.area > 1e-4]
    parts += [p for g in getattr(geom, "geoms", []) if isinstance(g, MultiPolygon) for p in g.geoms]
    return unary_union(parts) if parts else Polygon()
