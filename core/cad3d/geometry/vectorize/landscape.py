"""Vectorise a site plan: contours, trees, paths, water and buildings from a grey raster.

Rules (sizes in px are properties of the drawing, not of the site):
- BUILDING: a face closed by a heavy stroke (>= 3 px) and hatched diagonally inside; WATER: the
  same with a horizontal (wavy) hatch. The footprint is the stroke's centreline.
- TREE: an isolated solid dot (about 7 px) inside a plain or scalloped circle; the radius is the
  innermost ring that >= 80 % of the rays from the dot cross.
- PATH: a blank face between lines holding gravel stipple (isolated 1-3 px specks), 0.5-8 m
  wide. Bare double lines are not enough: evenly spaced contours bound such strips too.
- Contours: every other line (glyphs, the boxed legend and the features above removed), thinned,
  traced, joined across gaps (labels, crowns) where the ends line up, and prolonged to the
  building / path / water edge they stop at; a line drawn heavier than the rest is an index line.
Ink is set from the sheet's own paper and ink greys, and stroke sizes are scaled by the
measured thin-stroke width, so a scan's grey paper, pale or thickened ink still reads.
Elevations: landscape_levels.py gives relative levels from the geometry (which contour faces
which); landscape_z.py makes them absolute from the labels read (landscape_labels.py) and the
legend's datum (landscape_labels.py, landscape_datum.py): z = label - datum, or the label where
no datum is stated (DESIGN.md). `plan.meta` holds "elevation_rule", "datum" (a value, "none
stated" or "unreadable") and "labels" (how many were used). BUILDING z0 = the lowest of the
three contours nearest its footprint, z1 = z0 + defaults.BUILDING_HEIGHT.
"""

from __future__ import annotations

import math
from typing import Any

import cv2
import numpy as np
import shapely
from shapely.geometry import LineString, Polygon

from ... import defaults
from ...errors import NoGeometry
from ...plan import Contour, Plan, Solid, Surface, Tree
from .landscape_levels import contour_levels
from .landscape_lines import (
    binarise,
    extend_to,
    join_lines,
    strip_text,
    stroke_radius,
    thin,
    trace,
)
from .landscape_z import elevations


def vectorize_landscape(
    image: np.ndarray, scale: float, notes: dict[str, Any] | None = None
) -> Plan:
    """A landscape `Plan` (meters) from an (H, W) uint8 grey (or (H, W, 3)) site plan at `scale` m/px."""
    notes = notes or {}
    grey = cv2.cvtColor(image, cv2.COLOR_RGB2GRAY) if image.ndim == 3 else image
    h, w = grey.shape
    ink = binarise(grey)
    if ink.sum() == 0:
        raise NoGeometry("the site plan holds no ink")
    rad = stroke_radius(ink)  # about 1 px on a clean sheet, more on a scan that thickened ink
    stip = _stipple(ink, rad)
    ink[stip] = 0
    s = float(scale)

    buildings, waters, used = _hatched_faces(ink, rad)
    trees, tree_mask = _trees(ink, used, min(160.0, 12.0 / s))
    legend = _legend(ink)
    clean = strip_text(ink)
    paths = _paths(ink, stip, tree_mask | used | legend, s)
    path_band = cv2.dilate(paths, _disc(2)).astype(bool)
    stop = np.zeros((h, w), np.uint8)
    for poly_px, _ in buildings + waters:
        cv2.fillPoly(stop, [np.rint(poly_px).astype(np.int32)], 1)
    stop = stop.astype(bool) | cv2.dilate(paths, _disc(1)).astype(bool) | legend
    lines = _contour_lines(clean, used | legend | path_band | tree_mask, stop, s, rad)
    all_lines = lines + [(_closed(p), True, True) for p, _ in waters]
    block = np.zeros((h, w), bool)  # ground runs on under paths and buildings, not across water
    for _, m in waters:
        block |= m.astype(bool)
    water_ids = list(range(len(lines), len(all_lines)))
    levels = contour_levels(all_lines, block, water_ids, reach=min(float(max(h, w)), 60.0 / s))

    interval = float(notes.get("interval", defaults.CONTOUR_INTERVAL))
    z_of, zmeta = elevations(all_lines, levels, ink, grey, legend, notes, interval)
    plan = Plan("landscape", (w * s, h * s))
    for (pts, _ix, _cl), k in zip(all_lines, levels, strict=True):
        plan.contours.append(Contour(LineString(_world(pts, h, s)), z_of(k)))
    for poly_px, _ in buildings:
        plan.solids.append(
            Solid("BUILDING", _world_poly(poly_px, h, s), 0.0, defaults.BUILDING_HEIGHT)
        )
    nl = len(lines)
    for i, (poly_px, _) in enumerate(waters):
        z = z_of(levels[nl + i])
        plan.surfaces.append(Surface("WATER", _world_poly(poly_px, h, s), z))
    for poly_px in _faces_to_polys(paths, 1.0):
        plan.surfaces.append(Surface("PATH", _world_poly(poly_px, h, s), None))
    for cx, cy, r, _, _ in trees:
        plan.trees.append(
            Tree(cx * s, (h - cy) * s, r * s, defaults.TREE_HEIGHT_PER_CROWN_DIAMETER * 2 * r * s)
        )
    _seat_buildings(plan)
    if not (plan.contours or plan.trees or plan.solids or plan.surfaces):
        raise NoGeometry("no contours, trees, paths, water or buildings found in the site plan")
    plan.meta = {"vectorizer": "landscape", **zmeta}
    return plan


# --- hatched faces: buildings and water ------------------------------------------------------
def _hatched_faces(ink: np.ndarray, rad: float = 1.0):
    """Faces closed by heavy strokes and filled with hatch: ([(poly_px, mask)] x2, used mask).

    Heavy: what survives an opening a little wider than the thin strokes (3 px on a clean
    sheet), so a scan's thickened hatch does not cut the face into strips.
    """
    k = 2 * int(round(rad)) + 1
    heavy = cv2.morphologyEx(ink, cv2.MORPH_OPEN, np.ones((k, k), np.uint8))
    n, lab, stats, _ = cv2.connectedComponentsWithStats(1 - heavy, connectivity=4)
    h, w = ink.shape
    buildings, waters = [], []
    used = np.zeros_like(ink, dtype=bool)
    gy = cv2.Sobel(ink.astype(np.float32), cv2.CV_32F, 0, 1, ksize=3)
    gx = cv2.Sobel(ink.astype(np.float32), cv2.CV_32F, 1, 0, ksize=3)
    for i in range(1, n):
        x, y, bw, bh, area = stats[i]
        if area < 150 or x == 0 or y == 0 or x + bw >= w or y + bh >= h or area > 0.4 * h * w:
            continue
        face = lab[y : y + bh, x : x + bw] == i
        inner = cv2.erode(face.astype(np.uint8), np.ones((5, 5), np.uint8)).astype(bool)
        if inner.sum() < 60:
            continue
        density = ink[y : y + bh, x : x + bw][inner].mean()
        jx, jy = gx[y : y + bh, x : x + bw][inner], gy[y : y + bh, x : x + bw][inner]
        jxx, jyy, jxy = float((jx * jx).sum()), float((jy * jy).sum()), float((jx * jy).sum())
        tot = jxx + jyy + 1e-9
        coherence = math.hypot(jxx - jyy, 2 * jxy) / tot
        if density < 0.06 or coherence < 0.35:
            continue
        angle = 0.5 * math.degrees(math.atan2(2 * jxy, jxx - jyy))  # gradient direction
        pad = 16  # work in a crop around the face: its stroke lies within a few px
        y0, x0 = max(y - pad, 0), max(x - pad, 0)
        y1, x1 = min(y + bh + pad, h), min(x + bw + pad, w)
        crop = np.zeros((y1 - y0, x1 - x0), np.uint8)
        crop[y - y0 : y - y0 + bh, x - x0 : x - x0 + bw] = face
        # stroke width around the face: heavy pixels in a band / perimeter
        band = cv2.dilate(crop, np.ones((11, 11), np.uint8)).astype(bool) & heavy[
            y0:y1, x0:x1
        ].astype(bool)
        perim = max(cv2.arcLength(_outer_contour(crop), True), 1.0)
        width = float(np.clip(band.sum() / perim, 1.0, 8.0))
        diag = 25 <= abs(angle) <= 65
        horiz = abs(abs(angle) - 90) <= 20  # gradients vertical: lines run horizontally
        if not (diag or horiz):
            continue
        poly = _face_polygon(crop, 0.5 + width / 2, mitre=diag)
        if poly is None:
            continue
        full = np.zeros_like(ink)
        full[y0:y1, x0:x1] = crop
        (buildings if diag else waters).append((poly + [x0, y0], full))
        grown = cv2.dilate(crop, _disc(int(math.ceil(width)) + 1)).astype(bool)
        used[y0:y1, x0:x1] |= grown
    return buildings, waters, used


def _outer_contour(mask: np.ndarray) -> np.ndarray:
    cs, _ = cv2.findContours(mask.astype(np.uint8), cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_NONE)
    return max(cs, key=cv2.contourArea)


def _face_polygon(mask: np.ndarray, grow: float, mitre: bool) -> np.ndarray | None:
    """Outer ring (K, 2) px (column, row) of a face mask grown by `grow` px, or None."""
    c = _outer_contour(mask)[:, 0, :].astype(np.float64)
    if len(c) < 3:
        return None
    c = cv2.approxPolyDP(c.astype(np.float32), 1.0, True)[:, 0, :].astype(np.float64)
    if len(c) < 3:
        return None
    poly = Polygon(c).buffer(0)
    poly = poly.buffer(grow, join_style="mitre" if mitre else "round", mitre_limit=3.0)
    poly = poly.simplify(0.5)  # px: drop the staircase vertices the raster leaves
    if poly.is_empty or poly.geom_type != "Polygon":
        return None
    return np.asarray(poly.exterior.coords)


def _disc(r: int) -> np.ndarray:
    return cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * r + 1, 2 * r + 1))


# --- trees -----------------------------------------------------------------------------------
def _trees(ink: np.ndarray, used: np.ndarray, rcap: float):
    """Tree (cx, cy, r) in px from centre dots and crown rings, and a mask of their strokes."""
    dots = cv2.morphologyEx(ink, cv2.MORPH_OPEN, _disc(3))
    dots[cv2.dilate(used.astype(np.uint8), _disc(4)).astype(bool)] = 0
    n, _, stats, cents = cv2.connectedComponentsWithStats(dots, connectivity=8)
    h, w = ink.shape
    out, mask = [], np.zeros((h, w), np.uint8)
    ang = np.linspace(0, 2 * np.pi, 96, endpoint=False)
    for i in range(1, n):
        x, y, bw, bh, area = stats[i]
        if not (4 <= bw <= 13 and 4 <= bh <= 13 and area >= 0.55 * bw * bh and abs(bw - bh) <= 3):
            continue
        cx, cy = cents[i]
        r0 = max(bw, bh) / 2
        halo = (cx + np.cos(ang) * (r0 + 3), cy + np.sin(ang) * (r0 + 3))
        hx, hy = (
            np.clip(np.rint(halo[0]).astype(int), 0, w - 1),
            np.clip(np.rint(halo[1]).astype(int), 0, h - 1),
        )
        if ink[hy, hx].mean() > 0.45:  # not an isolated dot: a corner or a blot on a line
            continue
        rmax = int(min(rcap, 0.25 * min(h, w)))
        rad = np.arange(rmax)
        X = np.rint(cx + np.cos(ang)[:, None] * rad).astype(int)
        Y = np.rint(cy + np.sin(ang)[:, None] * rad).astype(int)
        valid = (X >= 0) & (X < w) & (Y >= 0) & (Y < h)
        polar = np.zeros(X.shape, bool)
        polar[valid] = ink[Y[valid], X[valid]] > 0
        polar[:, : int(r0) + 3] = False  # the dot itself
        cum = np.concatenate([np.zeros((len(ang), 1)), np.cumsum(polar, 1)], 1)
        r = np.arange(int(r0) + 4, rmax - 2)
        if len(r) == 0:
            continue
        t = np.rint(1.0 + 0.05 * r).astype(int)
        lo, hi = np.maximum(r - t, 0), np.minimum(r + t + 1, rmax)
        scores = ((cum[:, hi] - cum[:, lo]) > 0).mean(0)
        good = np.nonzero(scores >= 0.8)[0]
        if len(good) == 0:
            continue
        first = good[0]
        run = good[good <= first + 2 * t[first] + 2]  # the innermost ring
        best_r = float(r[run[np.argmax(scores[run])]] if len(run) < 3 else r[run].mean())
        out.append((float(cx), float(cy), best_r, 0.0, r0))
        lo_r = max(int(best_r - 0.1 * best_r - 2), 0)
        band = polar[:, lo_r : int(best_r + 0.1 * best_r + 3)]
        hit = band.any(1)
        dev = np.argmax(band, 1)[hit] + lo_r - best_r
        scalloped = dev.std() > 1.0 + 0.01 * best_r if hit.sum() > 10 else True
        tk = int(1 + 0.08 * best_r) if scalloped else 2
        out[-1] = (float(cx), float(cy), best_r, float(tk), r0)
        cv2.circle(mask, (int(round(cx)), int(round(cy))), int(round(best_r)), 1, 2 * tk + 1)
        cv2.circle(mask, (int(round(cx)), int(round(cy))), int(r0) + 2, 1, -1)
    return out, mask.astype(bool)


# --- legend and paths ------------------------------------------------------------------------
def _legend(ink: np.ndarray) -> np.ndarray:
    """Mask of boxed notes: blank-ish rectangular faces closed by thin straight lines.

    The face (holes filled) must fill its minimum-area rectangle, tilted at most 3 degrees,
    so a scan's slight rotation does not hide the box.
    """
    h, w = ink.shape
    n, lab, stats, _ = cv2.connectedComponentsWithStats(1 - ink, connectivity=4)
    out = np.zeros((h, w), np.uint8)
    for i in range(1, n):
        x, y, bw, bh, area = stats[i]
        if bw < 40 or bh < 20 or x == 0 or y == 0 or x + bw >= w or y + bh >= h:
            continue
        if bw * bh > 0.1 * h * w:
            continue
        face = (lab[y : y + bh, x : x + bw] == i).astype(np.uint8)
        filled = _fill_holes(face)
        if face.mean() > 0.995 or face.sum() < 0.6 * filled.sum():
            continue
        cs, _ = cv2.findContours(filled, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
        rect = cv2.minAreaRect(max(cs, key=cv2.contourArea))
        (rw, rh), ang = rect[1], rect[2] % 90
        if min(ang, 90 - ang) > 3 or filled.sum() < 0.97 * rw * rh:
            continue
        box = cv2.boxPoints(rect) + [x, y]
        cv2.fillPoly(out, [np.rint(box).astype(np.int32)], 1)
    return cv2.dilate(out, np.ones((7, 7), np.uint8)).astype(bool)


def _fill_holes(mask: np.ndarray) -> np.ndarray:
    cs, _ = cv2.findContours(mask.astype(np.uint8), cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
    out = np.zeros_like(mask, np.uint8)
    cv2.drawContours(out, cs, -1, 1, -1)
    return out


def _stipple(ink: np.ndarray, rad: float = 1.0) -> np.ndarray:
    """Mask of stipple dots: ink specks of at most 3 x 3 px and 6 px (more on thickened ink)."""
    _, lab, st, _ = cv2.connectedComponentsWithStats(ink, connectivity=8)
    side, area = 3 + 2 * max(int(round(rad)) - 1, 0), 6 * max(rad, 1.0) ** 2
    speck = (st[:, cv2.CC_STAT_AREA] <= area) & (st[:, 2] <= side) & (st[:, 3] <= side)
    speck[0] = False
    return speck[lab]


def _paths(ink: np.ndarray, stip: np.ndarray, blocked: np.ndarray, s: float) -> np.ndarray:
    """Mask of path faces: blank faces between lines, 0.5-8 m wide, stippled (gravel dots).

    Evenly spaced contours bound strips that look like double lines too: the stipple is what
    tells a path, so a path drawn as bare double lines is not found.
    """
    free = ((ink == 0) & ~blocked).astype(np.uint8)
    pad = cv2.copyMakeBorder(free, 1, 1, 1, 1, cv2.BORDER_CONSTANT, value=1)
    dt = cv2.distanceTransform(pad, cv2.DIST_L2, 5)[1:-1, 1:-1]
    n, lab, stats, _ = cv2.connectedComponentsWithStats(free, connectivity=4)
    _, _, _, dots = cv2.connectedComponentsWithStats(stip.astype(np.uint8), connectivity=8)
    dots = np.rint(dots[1:]).astype(int)
    owner = lab[dots[:, 1], dots[:, 0]] if len(dots) else np.zeros(0, int)
    count = np.bincount(owner, minlength=n)
    out = np.zeros(free.shape, np.uint8)
    for i in np.nonzero(count >= 5)[0]:
        if i == 0:
            continue
        x, y, bw, bh, area = stats[i]
        if count[i] * 150 < area:
            continue
        sl = (slice(y, y + bh), slice(x, x + bw))
        face = lab[sl] == i
        width_m = 2 * float(dt[sl][face].max()) * s
        if 0.5 <= width_m <= 8.0:
            out[sl][face] = 1
    return out


def _faces_to_polys(mask: np.ndarray, grow: float) -> list[np.ndarray]:
    n, lab = cv2.connectedComponents(mask.astype(np.uint8), connectivity=4)
    out = []
    for i in range(1, n):
        p = _face_polygon(lab == i, grow, mitre=False)
        if p is not None:
            out.append(p)
    return out


# --- contour lines ---------------------------------------------------------------------------
def _contour_lines(clean: np.ndarray, drop: np.ndarray, stop: np.ndarray, s: float, rad=1.0):
    """Traced contour polylines in px: [(points (K, 2), is_index, is_closed)]."""
    lines = clean.copy()
    lines[cv2.dilate(drop.astype(np.uint8), np.ones((3, 3), np.uint8)).astype(bool)] = 0
    dt = cv2.distanceTransform(lines, cv2.DIST_L2, 3)
    chains = trace(thin(lines))
    out = []
    for c in chains:
        if len(c) < 8:
            continue
        wdt = dt[c[:, 1].astype(int), c[:, 0].astype(int)]
        out.append([c, float(np.median(wdt)) >= max(1.5, 1.4 * rad)])
    joined = join_lines(out, gap=max(45.0, min(90.0, 4.0 / s)))
    return [(extend_to(p, stop, lines) if not cl else p, ix, cl) for p, ix, cl in joined]


# --- output helpers --------------------------------------------------------------------------
def _closed(p: np.ndarray) -> np.ndarray:
    return p if np.allclose(p[0], p[-1]) else np.vstack([p, p[:1]])


def _world(pts: np.ndarray, h: int, s: float) -> np.ndarray:
    return np.stack([pts[:, 0] * s, (h - pts[:, 1]) * s], 1)


def _world_poly(pts: np.ndarray, h: int, s: float) -> Polygon:
    return Polygon(_world(pts, h, s)).buffer(0)


def _seat_buildings(plan: Plan) -> None:
    """BUILDING z0 = the lowest contour elevation near its footprint (ground under it)."""
    if not plan.contours or not plan.solids:
        return
    lines = [c.line for c in plan.contours]
    zs = np.array([c.elevation for c in plan.contours])
    for sol in plan.solids:
        near = shapely.distance(np.array(lines, dtype=object), sol.footprint)
        k = np.argsort(near)[:3]
        z0 = float(zs[k].min())
        sol.z0, sol.z1 = z0, z0 + defaults.BUILDING_HEIGHT
