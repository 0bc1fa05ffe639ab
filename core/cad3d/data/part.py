"""Synthetic mechanical-part drawings: the top view of a plate with holes, pockets and bosses.

Drawing conventions (the part vectoriser reads the same ones):
- Visible outlines are thick (5 px); everything else (centre lines, hatching, dimension and
  leader lines, text, the boss's inner line) is thin (1 px). The title block frame is 3 px.
- PART: the outer profile, a closed thick outline (rectangle, L, T or U; corners sharp, rounded
  or chamfered). Thickness 10 mm unless a note "THK n" (mm) says otherwise.
- HOLE (through): a thick circle, empty inside but for its thin dash-dot centre cross.
- POCKET (blind, from the top): a thick closed outline whose floor is hatched with thin lines at
  45 or 135 degrees, 6-9 px apart. Depth POCKET_DEPTH_FRACTION x thickness unless a leader note
  "DEPTH n" (mm) at the right of the part states it.
- BOSS (raised from the top): a thick closed outline with a thin inner outline 6.5-9 px inside it
  (the base fillet seen from above). Height BOSS_HEIGHT unless a note "HEIGHT n" (mm) states it.
Distractors: centre lines, a title block, a sheet border; style "hatched" adds a hatched section
view A-A below the part; style "dimensioned" adds dimension lines and hole call-outs.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from shapely import affinity
from shapely.geometry import Polygon

from .. import defaults
from ..plan import Cut, Plan, Solid
from .part_shapes import (
    PROFILES,
    circle,
    convex_corners,
    orient,
    ortho_outline,
    rounded_rect,
    treat_corners,
)

STYLES: tuple[str, ...] = ("clean", "hatched", "dimensioned")
THICK_PX = 5.0  # visible outline weight
BOSS_INSET_PX = (6.5, 9.0)  # the boss's inner (fillet) line sits this far inside its outline
HOLE_DIAMETERS_MM = (3, 4, 5, 6, 8, 10, 12, 14, 16, 20, 25)


@dataclass
class Feature:
    """One feature of the plate, meters in drawing coordinates.

    z: pocket depth or boss height (0 for holes); noted: the drawing states z in a note.
    """

    cls: str
    shape: Polygon
    center: tuple[float, float]
    radius: float | None = None
    z: float = 0.0
    noted: bool = False
    inset: float = 0.0  # boss inner line inset, meters
    hatch: tuple[float, float] = (45.0, 7.0)  # pocket hatch angle (deg), spacing (px)


@dataclass
class PartSpec:
    """Everything the renderer draws and the plan records (meters, drawing coordinates)."""

    style: str
    scale: float
    size_px: tuple[int, int]  # (width, height)
    profile_kind: str
    profile: Polygon
    thickness: float
    thickness_noted: bool
    features: list[Feature] = field(default_factory=list)
    section_y: float | None = None  # hatched style: baseline of the section view A-A


def generate_part(seed: int, style: str | None = None) -> tuple[np.ndarray, float, Plan]:
    """A part drawing: (H, W) uint8 grey (white paper), its scale (m/px), its exact `Plan`."""
    from .part_render import render_part

    rng = np.random.default_rng(seed)
    style = style or STYLES[int(rng.integers(len(STYLES)))]
    if style not in STYLES:
        raise ValueError(f"unknown part style {style!r}; expected one of {STYLES}")
    spec = make_spec(rng, style)
    image = render_part(spec, rng)
    return image, spec.scale, spec_to_plan(spec, seed)


def make_spec(rng: np.random.Generator, style: str) -> PartSpec:
    """Draw a random part: size, scale, profile, thickness, features, page layout."""
    long_side = rng.uniform(0.04, 0.30)
    w, h = long_side, long_side * rng.uniform(0.45, 1.0)
    if rng.random() < 0.4:
        w, h = h, w
    thickness, noted = defaults.PART_THICKNESS, False
    if rng.random() < 0.25:
        thickness, noted = float(rng.choice([6, 8, 12, 15, 20])) / 1000, True
    kind = PROFILES[int(rng.integers(len(PROFILES)))]
    verts = orient(ortho_outline(kind, w, h, rng), int(rng.integers(4)), bool(rng.random() < 0.5))
    w, h = verts.max(axis=0)
    # the page (part + margins, section view, title block) must stay within 1024 px
    sec = thickness + 0.010 if style == "hatched" else 0.0
    fit = max(w / 730, (h + sec) / (660 if sec else 750))
    scale = float(np.clip(max(long_side / rng.uniform(320, 640), fit), 1e-4, 5e-4))
    profile = treat_corners(verts, _corner_treatments(verts, rng, scale))

    features = _place_features(profile, thickness, scale, rng)

    # page layout in pixels: margins for dimensions and notes, section view, title block strip
    pw, ph = w / scale, h / scale
    left, top = rng.uniform(80, 120), rng.uniform(80, 120)
    right = rng.uniform(140, 170)
    section = style == "hatched" and thickness < 0.5 * h
    rise = max([f.z for f in features if f.cls == "BOSS"], default=0.0)
    sec_h = (thickness + rise) / scale  # section view height, px
    sec_px = (50 + sec_h + 40) if section else 0.0
    bottom = 60 + sec_px + 90
    width_px = int(np.ceil(max(left + pw + right, 520)))
    height_px = int(np.ceil(max(top + ph + bottom, 512)))
    # the part's bottom-left bbox corner sits at (left, top + ph) px -> meters
    ox, oy = left * scale, (height_px - top - ph) * scale
    profile = affinity.translate(profile, ox, oy)
    for f in features:
        f.shape = affinity.translate(f.shape, ox, oy)
        f.center = (f.center[0] + ox, f.center[1] + oy)
    section_y = (oy - (50 + sec_h) * scale) if section else None
    return PartSpec(
        style, scale, (width_px, height_px), kind, profile, thickness, noted, features, section_y
    )


def _corner_treatments(
    verts: np.ndarray, rng: np.random.Generator, scale: float
) -> list[tuple[str, float]]:
    """One treatment per corner: a per-part choice for convex corners, fillets or not for concave."""
    convex = convex_corners(verts)
    mode = rng.choice(["sharp", "round", "chamfer", "mixed"], p=[0.25, 0.35, 0.2, 0.2])
    size = max(rng.uniform(2, 12) / 1000, 12 * scale)
    out: list[tuple[str, float]] = []
    fillet = rng.random() < 0.5
    for cvx in convex:
        if not cvx:
            out.append(("round", size * 0.6) if fillet else ("sharp", 0.0))
        elif mode == "mixed":
            out.append((str(rng.choice(["sharp", "round", "chamfer"])), size))
        else:
            out.append((str(mode), size))
    return out


def _place_features(
    profile: Polygon, thickness: float, scale: float, rng: np.random.Generator
) -> list[Feature]:
    """Holes, pockets and bosses inside the profile, never closer than ~16 px to each other or
    to the profile's outline (so thick lines never merge)."""
    gap = 16 * scale
    room = profile.buffer(-gap)
    x0, y0, x1, y1 = profile.bounds
    small = min(x1 - x0, y1 - y0)
    taken: list[Polygon] = []
    feats: list[Feature] = []

    def fits(shape: Polygon) -> bool:
        return room.contains(shape) and not any(shape.distance(t) < gap for t in taken)

    def random_center(pad: float) -> tuple[float, float]:
        return rng.uniform(x0 + pad, x1 - pad), rng.uniform(y0 + pad, y1 - pad)

    # pockets and bosses first (they are big), then holes in the room left
    for cls, count in (("POCKET", int(rng.integers(0, 3))), ("BOSS", int(rng.integers(0, 3)))):
        for _ in range(count):
            for _try in range(25):
                shape, c, r = _area_feature(cls, small, scale, rng, random_center)
                if shape is not None and fits(shape):
                    feats.append(_with_z(Feature(cls, shape, c, r), thickness, scale, rng))
                    taken.append(shape)
                    break
    diams = [d / 1000 for d in HOLE_DIAMETERS_MM if 8 * scale <= d / 2000 <= 0.12 * small]
    diams = diams or [np.ceil(17 * scale * 2000) / 1000]
    target = int(rng.integers(1, 7))
    r = float(rng.choice(diams)) / 2
    centers: list[tuple[float, float]] = []
    if rng.random() < 0.5:  # a bolt pattern at the corners of an inset rectangle
        e = r + gap + rng.uniform(0.02, 0.12) * small
        centers = [(x0 + e, y0 + e), (x1 - e, y0 + e), (x1 - e, y1 - e), (x0 + e, y1 - e)]
        target = max(target, 4)
    pattern = len(centers)
    centers += [random_center(r + gap) for _ in range(20 * target)]
    placed = 0
    for i, c in enumerate(centers):
        if placed >= target:
            break
        if i >= pattern and rng.random() < 0.3:
            r = float(rng.choice(diams)) / 2
        shape = circle(c[0], c[1], r)
        if fits(shape):
            feats.append(Feature("HOLE", shape, (float(c[0]), float(c[1])), r))
            taken.append(shape)
            placed += 1
    return feats


def _area_feature(cls, small, scale, rng, random_center):
    """A pocket or boss shape: a circle or a (rounded / obround) rectangle; None if too small."""
    min_px = 34 if cls == "BOSS" else 26
    lo, hi = min_px * scale, 0.4 * small
    if hi <= lo:
        return None, (0.0, 0.0), None
    if rng.random() < 0.4:
        r = rng.uniform(lo, hi) / 2
        c = random_center(r)
        return circle(c[0], c[1], r), c, r
    w, h = rng.uniform(lo, hi), rng.uniform(lo, hi)
    rr = rng.choice([0.0, rng.uniform(0.1, 0.35) * min(w, h), min(w, h) / 2])
    c = random_center(max(w, h) / 2)
    return rounded_rect(c[0], c[1], w, h, rr), c, None


def _with_z(f: Feature, thickness: float, scale: float, rng: np.random.Generator) -> Feature:
    """Pocket depth / boss height: the default, or (35 %) a value the drawing states in a note."""
    if f.cls == "POCKET":
        f.z = defaults.POCKET_DEPTH_FRACTION * thickness
        f.hatch = (float(rng.choice([45.0, 135.0])), float(rng.uniform(6, 9)))
        if rng.random() < 0.35:
            options = [d for d in range(1, int(thickness * 1000) - 1) if abs(d / 1000 - f.z) > 1e-4]
            f.z, f.noted = float(rng.choice(options)) / 1000, True
    else:
        f.z = defaults.BOSS_HEIGHT
        f.inset = rng.uniform(*BOSS_INSET_PX) * scale
        if rng.random() < 0.35:
            f.z, f.noted = float(rng.choice([2, 3, 4, 6, 8, 10])) / 1000, True
    return f


def spec_to_plan(spec: PartSpec, seed: int | None = None) -> Plan:
    """The exact ground truth: PART solid, HOLE/POCKET cuts, BOSS solids (meters)."""
    t, m = spec.thickness, defaults.PART_CUT_MARGIN
    plan = Plan("part", (spec.size_px[0] * spec.scale, spec.size_px[1] * spec.scale))
    plan.solids.append(Solid("PART", spec.profile, 0.0, t))
    for f in spec.features:
        if f.cls == "HOLE":
            plan.cuts.append(Cut("HOLE", f.shape, -m, t + m, host="PART"))
        elif f.cls == "POCKET":
            plan.cuts.append(Cut("POCKET", f.shape, t - f.z, t + m, host="PART"))
        else:
            plan.solids.append(Solid("BOSS", f.shape, t, t + f.z))
    counts = {c: sum(f.cls == c for f in spec.features) for c in ("HOLE", "POCKET", "BOSS")}
    plan.meta = {
        "seed": seed,
        "style": spec.style,
        "profile": spec.profile_kind,
        "thickness": t,
        "thickness_noted": spec.thickness_noted,
        "holes": [[*f.center, f.radius] for f in spec.features if f.cls == "HOLE"],
        "counts": counts,
        "noted_z": [[f.cls, f.z] for f in spec.features if f.noted],
        "section_view": spec.section_y is not None,
    }
    return plan
