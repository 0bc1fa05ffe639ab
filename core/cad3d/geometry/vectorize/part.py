"""Part drawings to a `Plan`: the plate's profile, its holes, pockets and bosses.

Reads the conventions of `cad3d.data.part` (its module docstring): visible outlines are thick,
everything else is thin. So: binarise, keep the thick strokes (a 3 x 3 opening removes 1-2 px
lines: centre lines, hatching, dimensions, text), take the largest closed thick outline as the
profile and the closed thick outlines inside it as features, then tell features apart by what
the thin ink inside them does: a ring parallel to the outline -> BOSS, diagonal hatching ->
POCKET, (almost) nothing -> HOLE. Round features are fitted as circles (sub-pixel).
z comes from `notes` (a human or OCR read "THK 12" etc.), else the thickness from the drawing's
own "THK n" note (part_notes.py, template matching), else cad3d.defaults.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import cv2
import numpy as np
import shapely
from shapely.geometry import Point, Polygon
from shapely.validation import make_valid

from ... import defaults
from ...errors import NoGeometry
from ...plan import Cut, Plan, Solid
from .part_notes import read_thickness

MIN_PROFILE_PX2 = 2000.0  # smallest profile interior we accept, px^2
MIN_FEATURE_PX2 = 30.0
HEAVY_HALF_WIDTH = 2.5  # px: outlines this heavy (7 px strokes) come with 3 px thin lines
RING_COVERAGE = 0.6  # boss: share of angular sectors inked in a 2 px band along the outline
CIRCLE_RESIDUAL = 1.1  # px, median: circles <= 0.9 even scanned, rounded rectangles >= 1.4
HATCH_FRACTION = 0.05  # pocket: diagonal-line ink / interior pixels


@dataclass
class _Outline:
    """A closed thick outline: its outer and inner contours (px, (N, 2) float) and centreline."""

    outer: np.ndarray
    inner: np.ndarray
    centre: Polygon  # centreline polygon, px
    half_width: float  # px


def vectorize_part(image: np.ndarray, scale: float, notes: dict[str, Any] | None = None) -> Plan:
    """A part drawing to a Plan: PART solid, HOLE / POCKET cuts, BOSS solids (meters).

    image: (H, W) uint8 grey (or (H, W, 3)), dark ink on white; scale: meters per pixel.
    notes: optional "thickness", "pocket_depth", "boss_height" (meters, or mm if > 0.5, or a
    string such as "THK 12" read in mm); without "thickness" a "THK n" note on the drawing is
    read. Raises NoGeometry when no closed profile is found.
    """
    notes = notes or {}
    grey = image if image.ndim == 2 else cv2.cvtColor(image, cv2.COLOR_BGR2GRAY)
    h, w = grey.shape
    ink, faint = _binarize(grey)
    outlines = _outlines(_thick(ink))
    profile = _pick_profile(outlines, w, h)
    if profile is not None and profile.half_width > HEAVY_HALF_WIDTH:
        heavy = _outlines(_thick(ink, 5))  # thin lines may be 3 px wide too: open wider
        p5 = _pick_profile(heavy, w, h)
        if p5 is not None and abs(Polygon(p5.inner).area / Polygon(profile.inner).area - 1) < 0.05:
            outlines, profile = heavy, p5
    if profile is None:
        raise NoGeometry("no closed part profile found in the drawing")

    if notes.get("thickness") is not None:
        t, t_from = _length(notes["thickness"], defaults.PART_THICKNESS), "notes"
    else:  # the drawing's own "THK n" note, else the default
        read = read_thickness(grey)
        t, t_from = (read, "drawing") if read else (defaults.PART_THICKNESS, "default")
    depth = _length(notes.get("pocket_depth"), defaults.POCKET_DEPTH_FRACTION * t)
    boss_h = _length(notes.get("boss_height"), defaults.BOSS_HEIGHT)
    m = defaults.PART_CUT_MARGIN

    plan = Plan("part", (w * scale, h * scale))
    plan.solids.append(Solid("PART", _to_m(profile.centre, h, scale), 0.0, t))
    room = Polygon(profile.inner)
    feats = [o for o in outlines if o is not profile and room.contains(Point(o.outer[0]))]
    feats = [o for o in feats if not any(_inside(o, p) for p in feats if p is not o)]
    # a feature outline has the profile's line weight (text blobs and crossings do not)
    feats = [
        o for o in feats if abs(o.half_width - profile.half_width) < 0.4 * profile.half_width + 0.3
    ]
    counts = {"HOLE": 0, "POCKET": 0, "BOSS": 0}
    for o in feats:
        cls = _classify(o, faint)
        shape = _to_m(_round_or_polygon(o), h, scale)
        counts[cls] += 1
        if cls == "HOLE":
            plan.cuts.append(Cut("HOLE", shape, -m, t + m, host="PART"))
        elif cls == "POCKET":
            plan.cuts.append(Cut("POCKET", shape, t - depth, t + m, host="PART"))
        else:
            plan.solids.append(Solid("BOSS", shape, t, t + boss_h))
    plan.meta = {
        "source": "vectorize_part",
        "thickness": t,
        "thickness_from": t_from,
        "counts": counts,
    }
    return plan


def _binarize(grey: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Ink masks (uint8 0/255): strokes, and faint ink (thin lines of a light or thinned scan).

    Ink is measured against the local paper level (a 15 px grey closing removes every stroke),
    relative to the darkest strokes' contrast, so a grey paper or a light ink changes nothing.
    """
    paper = cv2.morphologyEx(grey, cv2.MORPH_CLOSE, np.ones((15, 15), np.uint8))
    diff = paper.astype(np.int16) - grey.astype(np.int16)
    contrast = max(float(np.percentile(diff, 99.7)), 40.0)
    ink = np.where(diff > 0.5 * contrast, 255, 0).astype(np.uint8)
    faint = np.where(diff > max(0.2 * contrast, 25.0), 255, 0).astype(np.uint8)
    _, lab, stats, _ = cv2.connectedComponentsWithStats(faint, connectivity=8)
    faint[stats[lab, cv2.CC_STAT_AREA] < 5] = 0  # scan noise and dust
    return ink, faint


def _thick(ink: np.ndarray, size: int = 3) -> np.ndarray:
    """Strokes wider than `size` px (visible outlines); thin lines and specks removed.

    A 3 px disc opening removes 1-2 px lines; on a heavy scan thin lines grow to 3 px, so the
    caller retries with 5 px once it has seen how wide the outlines are.
    """
    k = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (size, size))
    thick = cv2.morphologyEx(ink, cv2.MORPH_OPEN, k)
    n, lab, stats, _ = cv2.connectedComponentsWithStats(thick, connectivity=8)
    small = np.flatnonzero(stats[:, cv2.CC_STAT_AREA] < 30)
    thick[np.isin(lab, small[small > 0])] = 0
    return thick


def _outlines(thick: np.ndarray) -> list[_Outline]:
    """Every thick component that encloses a region: outer contour + its largest hole."""
    contours, hier = cv2.findContours(thick, cv2.RETR_CCOMP, cv2.CHAIN_APPROX_NONE)
    if hier is None:
        return []
    hier = hier[0]
    out: list[_Outline] = []
    for i, (_, _, child, parent) in enumerate(hier):
        if parent != -1 or child == -1:
            continue
        holes = []
        j = child
        while j != -1:
            holes.append(contours[j])
            j = hier[j][0]
        inner = max(holes, key=cv2.contourArea)
        if cv2.contourArea(inner) < MIN_FEATURE_PX2:
            continue
        outer_p = _poly(contours[i])
        inner_p = _poly(inner)
        if outer_p is None or inner_p is None:
            continue
        # the pixel-centre contours sit half_width inside/outside the stroke's centreline
        # (perimeters of smoothed rings: scan noise makes pixel contours zig-zag, too long)
        length = outer_p.simplify(1.0).length + inner_p.simplify(1.0).length
        half = (outer_p.area - inner_p.area) / max(length, 1e-9)
        centre = _largest_polygon(
            make_valid(outer_p.buffer(-half, join_style="mitre", mitre_limit=4.0))
        )
        if centre is None:
            continue
        out.append(
            _Outline(contours[i][:, 0, :].astype(float), inner[:, 0, :].astype(float), centre, half)
        )
    return out


def _poly(contour: np.ndarray) -> Polygon | None:
    """A valid polygon from a cv2 contour, simplified to 0.5 px (largest part if it self-touches)."""
    approx = cv2.approxPolyDP(contour, 0.5, True)[:, 0, :].astype(float)
    if len(approx) < 3:
        return None
    return _largest_polygon(make_valid(Polygon(approx)))


def _largest_polygon(g) -> Polygon | None:
    """The largest Polygon inside any geometry (collections flattened), or None."""
    polys = [p for p in shapely.get_parts(g) if p.geom_type == "Polygon" and p.area > 0]
    for p in shapely.get_parts(g):
        if p.geom_type in ("MultiPolygon", "GeometryCollection"):
            q = _largest_polygon(p)
            if q is not None:
                polys.append(q)
    return max(polys, key=lambda p: p.area, default=None)


def _pick_profile(outlines: list[_Outline], w: int, h: int) -> _Outline | None:
    """The largest enclosed region whose outline keeps off the page edge (a sheet border)."""
    best, best_area = None, MIN_PROFILE_PX2
    edge = max(8.0, 0.02 * max(w, h))
    for o in outlines:
        c0, r0 = o.outer.min(axis=0)
        c1, r1 = o.outer.max(axis=0)
        if c0 < edge or r0 < edge or c1 > w - 1 - edge or r1 > h - 1 - edge:
            continue
        area = Polygon(o.inner).area
        if area > best_area:
            best, best_area = o, area
    return best


def _inside(a: _Outline, b: _Outline) -> bool:
    """a lies in b's enclosed region."""
    return Polygon(b.inner).contains(Point(a.outer[0]))


def _classify(o: _Outline, ink: np.ndarray) -> str:
    """POCKET (diagonal hatch inside), BOSS (a thin ring parallel to the outline) or HOLE
    (round and empty); an empty outline that is not round is a pocket or boss whose thin lines
    a heavy scan erased (a trace of a ring decides)."""
    ring, hatch = _interior_cues(o, ink)
    if hatch > HATCH_FRACTION:
        return "POCKET"
    if ring > RING_COVERAGE:
        return "BOSS"
    fit = _fit_circle(o.inner)
    if fit is None or fit[3] > CIRCLE_RESIDUAL:
        # holes are round: an empty non-round outline lost its thin lines in the scan
        return "BOSS" if ring > 0.25 else "POCKET"
    return "HOLE"


def _interior_cues(o: _Outline, ink: np.ndarray) -> tuple[float, float]:
    """(ring, hatch): the best share of angular sectors with ink in a 2 px band parallel to
    the outline (within 12 px of it), and the fraction of diagonal-line ink deeper inside
    (past any boss ring)."""
    c0, r0 = np.floor(o.outer.min(axis=0)).astype(int) - 2
    c1, r1 = np.ceil(o.outer.max(axis=0)).astype(int) + 3
    c0, r0 = max(c0, 0), max(r0, 0)
    sub = ink[r0:r1, c0:c1] > 0
    region = np.zeros(sub.shape, np.uint8)
    cv2.fillPoly(region, [np.round(o.inner - [c0, r0]).astype(np.int32)], 1)
    region = cv2.erode(region, np.ones((3, 3), np.uint8))  # off the thick stroke's fringe
    if region.sum() < MIN_FEATURE_PX2:
        return 0.0, 0.0
    dist = cv2.distanceTransform(region, cv2.DIST_L2, cv2.DIST_MASK_PRECISE)
    bands = np.clip(np.round(dist).astype(int), 0, 64)
    inside = region > 0
    inner = Polygon(o.inner)
    perimeter = inner.length  # a boss's ring band is about as long as its outline
    rr, cc = np.nonzero(inside)
    cx, cy = inner.centroid.x - c0, inner.centroid.y - r0
    nbins = int(np.clip(perimeter / 3, 8, 48))
    sector = ((np.arctan2(rr - cy, cc - cx) + np.pi) / (2 * np.pi) * nbins).astype(int) % nbins
    b, hit = bands[rr, cc], sub[rr, cc]
    ring = 0.0
    for k in range(2, 12):  # band 1 holds the stroke's anti-aliased fringe
        sel = (b == k) | (b == k + 1)
        if sel.sum() / 2 < max(12.0, 0.6 * perimeter):
            continue
        seen = np.bincount(sector[sel], minlength=nbins) > 0
        inked_s = np.bincount(sector[sel & hit], minlength=nbins) > 1
        ring = max(ring, inked_s.sum() / max(seen.sum(), 1))
    thin = (sub & inside).astype(np.uint8)
    diag = np.eye(11, dtype=np.uint8)  # longer than a thick centre cross's junction
    lines = cv2.morphologyEx(thin, cv2.MORPH_OPEN, diag) | cv2.morphologyEx(
        thin, cv2.MORPH_OPEN, diag[::-1].copy()
    )
    deep = inside & (dist >= 9)  # past a boss ring and a blurred stroke's faint fringe
    if deep.sum() < 40:
        deep = inside & (dist >= 3)
    if deep.sum() < 12:
        return float(ring), 0.0
    return float(ring), float(lines[deep].sum() / deep.sum())


def _round_or_polygon(o: _Outline) -> Polygon:
    """A circle when the stroke's inner contour fits one, else the stroke's centreline.

    The centreline radius is the mean of the inner and outer contour radii (their threshold
    biases cancel); thin lines fused to the outside of the stroke (centre-line stubs) only
    spoil the outer fit, so then the outer radius is the median distance from the inner centre.
    """
    fi = _fit_circle(o.inner)
    if fi is None or fi[3] > CIRCLE_RESIDUAL:
        return o.centre
    xi, yi, ri = fi[:3]
    fo = _fit_circle(o.outer)
    if fo is not None and fo[3] <= CIRCLE_RESIDUAL and np.hypot(fo[0] - xi, fo[1] - yi) < 1:
        cx, cy, ro = (fo[0] + xi) / 2, (fo[1] + yi) / 2, fo[2]
    else:
        cx, cy = xi, yi
        ro = float(np.median(np.hypot(o.outer[:, 0] - xi, o.outer[:, 1] - yi)))
    return Point(cx, cy).buffer((ro + ri) / 2, quad_segs=48)


def _fit_circle(pts: np.ndarray) -> tuple[float, float, float, float, float] | None:
    """Least-squares circle (Kasa), refit without outliers.

    Returns (cx, cy, r, median residual of the inliers, 90th percentile of all residuals), px.
    """
    keep = np.ones(len(pts), bool)
    for _ in range(2):
        p = pts[keep]
        if len(p) < 8:
            return None
        a = np.column_stack([2 * p, np.ones(len(p))])
        sol, *_ = np.linalg.lstsq(a, (p**2).sum(axis=1), rcond=None)
        cx, cy = sol[0], sol[1]
        r = float(np.sqrt(max(sol[2] + cx**2 + cy**2, 0.0)))
        res = np.abs(np.hypot(pts[:, 0] - cx, pts[:, 1] - cy) - r)
        keep = res < max(1.5, 3 * np.median(res))
    if not keep.any():
        return None
    return float(cx), float(cy), r, float(np.median(res[keep])), float(np.quantile(res, 0.9))


def _to_m(poly: Polygon, h: int, scale: float) -> Polygon:
    """Pixel (column, row) polygon to meters in drawing coordinates."""

    def conv(ring) -> np.ndarray:
        p = np.asarray(ring.coords)
        return np.column_stack([p[:, 0] * scale, (h - p[:, 1]) * scale])

    return Polygon(conv(poly.exterior), [conv(r) for r in poly.interiors])


def _length(v: Any, default: float) -> float:
    """A length from notes: meters, mm when > 0.5, or the first number of a string in mm."""
    if v is None:
        return default
    if isinstance(v, str):
        m = re.search(r"\d+(?:\.\d+)?", v)
        return float(m.group()) / 1000 if m else default
    v = float(v)
    return v / 1000 if v > 0.5 else v
