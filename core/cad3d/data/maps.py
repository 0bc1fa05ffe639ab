"""Per-pixel ground truth of a plan: semantic class, top and bottom height, material.

Pixel (c, r) of an (H, W) map at s m/px stands for the point x = c*s, y = (H - r)*s (DESIGN.md),
and is filled when that point lies in a footprint, boundary included (cv2.fillPoly at 1/16 px,
then the pixels along the edges decided exactly by shapely).

What each map holds at a pixel (meters, z up; floor at z = 0, or the terrain's ground):
- `semantic` (uint8 class id, classes.py; 0 background): the class seen from above. Openings
  show as their cut's class: DOOR / WINDOW over the wall, HOLE / POCKET over the part; a BOSS
  shows as BOSS; a tree crown as TREE; otherwise the highest solid or surface.
- `top_height` (float32): the highest z of anything in the pixel (solid top, surface, ground).
- `bottom_height` (float32): the lowest z of solid material in the pixel, floor and ground
  excluded. Wall: 0. Window: 0 (the sill stands on the floor), top = wall top. Door: the door
  head (lintel underside), top = wall top. Pocket: top = pocket floor, bottom = 0. Through
  hole: no material, top = bottom = the surface below (0). Building: its base or the ground at
  the pixel, whichever is higher. Tree: the crown's underside, or the ground where the trunk
  is. No solid (floor, ground, water, path, background): bottom = top = that surface's z.
- `material` (uint8, materials.py): the material of the semantic class (plan.meta["materials"]
  overrides the defaults); 0 on background.
"""

from __future__ import annotations

import cv2
import numpy as np
import shapely
from shapely.geometry import Polygon

from ..classes import BACKGROUND, class_id, class_name
from ..defaults import PATH_LIFT
from ..geometry.terrain import ground_function, has_terrain
from ..geometry.trees import MIN_TRUNK_RADIUS, TRUNK_RADIUS_PER_CROWN
from ..plan import Area, Plan
from .materials import class_material

SHIFT = 4  # fillPoly fixed-point bits: 1/16 pixel
BODY_OF = {"BOSS": "PART"}
Window = tuple[int, int, int, int]  # r0, r1, c0, c1: rows r0..r1-1, columns c0..c1-1


def _window(bounds, shape_hw: tuple[int, int], scale: float, pad: int = 2) -> Window:
    """Pixel window covering world bounds (x0, y0, x1, y1), clipped to the image."""
    h, w = shape_hw
    x0, y0, x1, y1 = bounds
    c0, c1 = int(np.floor(x0 / scale)) - pad, int(np.ceil(x1 / scale)) + pad + 1
    r0, r1 = int(np.floor(h - y1 / scale)) - pad, int(np.ceil(h - y0 / scale)) + pad + 1
    return max(r0, 0), min(max(r1, 0), h), max(c0, 0), min(max(c1, 0), w)


def _fill(area: Area, shape_hw: tuple[int, int], scale: float, win: Window) -> np.ndarray:
    """`fill_mask` restricted to the window: (r1 - r0, c1 - c0) bool."""
    r0, r1, c0, c1 = win
    out = np.zeros((max(r1 - r0, 0), max(c1 - c0, 0)), bool)
    if out.size == 0 or area.is_empty:
        return out
    a0, a1, b0, b1 = _window(area.bounds, shape_hw, scale)
    a0, a1, b0, b1 = max(a0, r0), min(a1, r1), max(b0, c0), min(b1, c1)
    if a0 < a1 and b0 < b1:
        out[a0 - r0 : a1 - r0, b0 - c0 : b1 - c0] = _fill_tight(
            area, shape_hw, scale, (a0, a1, b0, b1)
        )
    return out


def _fill_tight(area: Area, shape_hw: tuple[int, int], scale: float, win: Window) -> np.ndarray:
    h = shape_hw[0]
    r0, r1, c0, c1 = win
    mask = np.zeros((r1 - r0, c1 - c0), np.uint8)
    edge = np.zeros_like(mask)
    polys = [area] if isinstance(area, Polygon) else list(getattr(area, "geoms", []))
    for p in polys:
        if not isinstance(p, Polygon) or p.is_empty:
            continue
        pts = []
        for ring in [p.exterior, *p.interiors]:
            xy = np.asarray(ring.coords)[:, :2]
            cr = np.column_stack([xy[:, 0] / scale - c0, h - xy[:, 1] / scale - r0])
            pts.append(np.round(cr * (1 << SHIFT)).astype(np.int32))
        m = np.zeros_like(mask)
        cv2.fillPoly(m, pts[:1], 1, lineType=cv2.LINE_8, shift=SHIFT)
        if len(pts) > 1:
            cv2.fillPoly(m, pts[1:], 0, lineType=cv2.LINE_8, shift=SHIFT)
        mask |= m
        cv2.polylines(edge, pts, True, 1, thickness=3, lineType=cv2.LINE_8, shift=SHIFT)
    rr, cc = np.nonzero(edge)
    if len(rr):
        shapely.prepare(area)
        mask[rr, cc] = shapely.intersects_xy(area, (cc + c0) * scale, (h - rr - r0) * scale)
    return mask.astype(bool)


def fill_mask(area: Area, shape_hw: tuple[int, int], scale: float) -> np.ndarray:
    """(H, W) bool: pixels whose point (c*s, (H-r)*s) lies in `area`, boundary included (holes empty).

    cv2.fillPoly fills the inside and every pixel its edges touch; the pixels along the edges
    are then decided exactly by shapely, so a footprint's pixel count matches its area.
    """
    out = np.zeros(shape_hw, bool)
    if area.is_empty:
        return out
    r0, r1, c0, c1 = win = _window(area.bounds, shape_hw, scale)
    out[r0:r1, c0:c1] = _fill(area, shape_hw, scale, win)
    return out


def _pixel_xy(shape_hw: tuple[int, int], scale: float, win: Window | None = None):
    """World x, y (meters) of the pixels of a window (default: the whole image)."""
    h, w = shape_hw
    r0, r1, c0, c1 = win or (0, h, 0, w)
    c, r = np.meshgrid(np.arange(c0, c1, dtype=np.float64), np.arange(r0, r1, dtype=np.float64))
    return c * scale, (h - r) * scale


class _Canvas:
    """The four maps being painted; `paint` keeps the topmost thing in each pixel."""

    def __init__(self, shape_hw: tuple[int, int], overrides: dict[str, str] | None) -> None:
        self.sem = np.zeros(shape_hw, np.uint8)
        self.top = np.zeros(shape_hw, np.float64)
        self.bot = np.zeros(shape_hw, np.float64)
        self.overrides = overrides

    def paint(self, win: Window, mask, cls, top, bottom=None, ztest: bool = True) -> None:
        """Paint window `win` where `mask` (window-sized); top, bottom, cls: scalars or arrays."""
        r0, r1, c0, c1 = win
        sem, cur_top, cur_bot = (
            self.sem[r0:r1, c0:c1],
            self.top[r0:r1, c0:c1],
            self.bot[r0:r1, c0:c1],
        )
        top = np.broadcast_to(np.asarray(top, np.float64), mask.shape)
        bottom = (
            top if bottom is None else np.broadcast_to(np.asarray(bottom, np.float64), mask.shape)
        )
        m = mask & (top >= cur_top - 1e-9) if ztest else mask
        cur_top[m], cur_bot[m] = top[m], bottom[m]
        sem[m] = class_id(cls) if isinstance(cls, str) else np.broadcast_to(cls, mask.shape)[m]

    def result(self) -> dict[str, np.ndarray]:
        lut = np.zeros(256, np.uint8)
        for cid in np.flatnonzero(np.bincount(self.sem.ravel(), minlength=256)):
            if cid != BACKGROUND:
                lut[cid] = class_material(class_name(int(cid)), self.overrides)
        return {
            "semantic": self.sem,
            "top_height": self.top.astype(np.float32),
            "bottom_height": self.bot.astype(np.float32),
            "material": lut[self.sem],
        }


def _union_masks(items, shape_hw, scale, win: Window) -> dict:
    """Rasterise footprints into the window, grouped by key: {key: window-sized bool}."""
    out: dict = {}
    for key, area in items:
        m = _fill(area, shape_hw, scale, win)
        out[key] = out[key] | m if key in out else m
    return out


def _bounds(areas) -> tuple[float, float, float, float]:
    b = np.array([a.bounds for a in areas if not a.is_empty])
    return b[:, 0].min(), b[:, 1].min(), b[:, 2].max(), b[:, 3].max()


def _paint_body(canvas: _Canvas, plan: Plan, host: str, shape_hw, scale, gz) -> None:
    """A body's material columns: slabs between all its z breakpoints, solids minus cuts."""
    solids = [
        s for s in plan.solids if BODY_OF.get(s.cls, s.cls) == host and not s.footprint.is_empty
    ]
    cuts = [c for c in plan.cuts if BODY_OF.get(c.host, c.host) == host]
    if not solids:
        return
    win = _window(_bounds([s.footprint for s in solids]), shape_hw, scale)
    if win[0] >= win[1] or win[2] >= win[3]:
        return
    shape = (win[1] - win[0], win[3] - win[2])
    items = [((s.cls, float(s.z0), float(s.z1)), s.footprint) for s in solids]
    smasks = _union_masks(items, shape_hw, scale, win)
    cmasks = _union_masks([((c.cls, c.z0, c.z1), c.footprint) for c in cuts], shape_hw, scale, win)
    foot = np.logical_or.reduce(list(smasks.values()))
    zs = sorted({z for k in list(smasks) + list(cmasks) for z in k[1:]})
    top = np.full(shape, -np.inf)
    bot = np.full(shape, np.inf)
    top_cls = np.zeros(shape, np.uint8)
    for lo, hi in zip(zs[:-1], zs[1:], strict=False):
        full = np.zeros(shape, bool)
        slab_cls = np.zeros(shape, np.uint8)
        for (cls, z0, z1), m in smasks.items():
            if z0 <= lo and z1 >= hi:
                full |= m
                slab_cls[m] = class_id(cls)
        for (_, z0, z1), m in cmasks.items():
            if z0 <= lo and z1 >= hi:
                full &= ~m
        top_cls[full] = slab_cls[full]  # slabs go upwards: the topmost material's class wins
        top[full] = np.maximum(top[full], hi)
        bot[full] = np.minimum(bot[full], lo)
    solid = np.isfinite(top)
    if host == "BUILDING" and gz is not None:
        g = gz[win[0] : win[1], win[2] : win[3]]
        bot = np.where(solid, np.maximum(bot, np.minimum(g, top)), bot)
    sem = top_cls.copy()
    for (cls, _, _), m in cmasks.items():
        sem[m & foot] = class_id(cls)
    canvas.paint(win, solid, sem, np.where(solid, top, 0.0), np.where(solid, bot, 0.0))
    empty = foot & ~solid  # footprint with all material cut away: a through hole
    canvas.sem[win[0] : win[1], win[2] : win[3]][empty] = sem[empty]


def _paint_trees(canvas: _Canvas, plan: Plan, shape_hw, scale, ground) -> None:
    if not plan.trees:
        return
    xs, ys = np.array([t.x for t in plan.trees]), np.array([t.y for t in plan.trees])
    gs = ground(xs, ys) if ground is not None else np.zeros(len(xs))
    for t, g in zip(plan.trees, gs, strict=True):
        r, ht = float(t.crown_radius), float(t.height)
        if not (r > 0 and ht > 0):
            continue
        cz, rz = (g + ht - r, r) if ht >= 2 * r else (g + ht / 2, ht / 2)
        win = _window((t.x - r, t.y - r, t.x + r, t.y + r), shape_hw, scale, pad=1)
        if win[0] >= win[1] or win[2] >= win[3]:
            continue
        px, py = _pixel_xy(shape_hw, scale, win)
        d2 = ((px - t.x) ** 2 + (py - t.y) ** 2) / r**2
        k = np.sqrt(np.clip(1.0 - d2, 0.0, None))
        bot = np.maximum(g, cz - rz * k)
        trunk = d2 <= (max(MIN_TRUNK_RADIUS, TRUNK_RADIUS_PER_CROWN * r) / r) ** 2
        canvas.paint(win, d2 <= 1.0, "TREE", cz + rz * k, np.where(trunk, g, bot))


def _ground_map(ground, shape_hw: tuple[int, int], scale: float, step: int = 4) -> np.ndarray:
    """(H, W) ground height per pixel: exact every `step` px, bilinear in between.

    The ground is smooth over meters and a pixel is centimeters to decimeters: the
    interpolation error is far below the height maps' float32 resolution of interest (mm).
    """
    h, w = shape_hw
    cs = np.arange(0, w + step, step, dtype=np.float64)
    rs = np.arange(0, h + step, step, dtype=np.float64)
    cc, rr = np.meshgrid(cs, rs)
    coarse = np.asarray(ground(cc * scale, (h - rr) * scale), np.float32)
    mx, my = np.meshgrid(
        np.arange(w, dtype=np.float32) / step, np.arange(h, dtype=np.float32) / step
    )
    return cv2.remap(coarse, mx, my, cv2.INTER_LINEAR).astype(np.float64)


SURFACE_ORDER = {"FLOOR": 0, "WATER": 1, "PATH": 2}


def plan_maps(plan: Plan, shape_hw: tuple[int, int], scale: float) -> dict[str, np.ndarray]:
    """Per-pixel maps of `plan` for an (H, W) drawing at `scale` m/px (see module doc).

    Returns semantic (H, W) uint8, top_height and bottom_height (H, W) float32 meters,
    material (H, W) uint8.
    """
    shape_hw = (int(shape_hw[0]), int(shape_hw[1]))
    canvas = _Canvas(shape_hw, plan.meta.get("materials"))
    ground = ground_function(plan) if has_terrain(plan) else None
    gz = None
    if ground is not None:
        gz = _ground_map(ground, shape_hw, scale)
        w, h = plan.extent
        win = (0, shape_hw[0], 0, shape_hw[1])
        ext = _fill(Polygon([(0, 0), (w, 0), (w, h), (0, h)]), shape_hw, scale, win)
        canvas.paint(win, ext, "TERRAIN", gz, ztest=False)
    for s in sorted(plan.surfaces, key=lambda s: SURFACE_ORDER.get(s.cls, 3)):
        if s.footprint.is_empty:
            continue
        r0, r1, c0, c1 = win = _window(s.footprint.bounds, shape_hw, scale)
        m = _fill(s.footprint, shape_hw, scale, win)
        if gz is not None and (s.cls == "PATH" or s.z is None):
            z = gz[r0:r1, c0:c1] + (PATH_LIFT if s.cls == "PATH" else 0.0)
        else:
            z = 0.0 if s.z is None else float(s.z)
        canvas.paint(win, m, s.cls, z, ztest=gz is not None)
    for host in dict.fromkeys(BODY_OF.get(s.cls, s.cls) for s in plan.solids):
        _paint_body(canvas, plan, host, shape_hw, scale, gz)
    _paint_trees(canvas, plan, shape_hw, scale, ground)
    return canvas.result()
