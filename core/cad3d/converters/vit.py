"""The vit converter: one pass of the ViT's dense heads, lifted without sampling.

Method "vit" (DESIGN.md): xy from the dense semantic map, z from the dense top / bottom height
maps. Each connected region of a class becomes a prism from its median bottom to its median
top (a Plan, lifted exactly like the extrude converter's); fields the maps describe point by
point (terrain, paths, trees) go through the points-to-meshes reconstruction instead. What a
pixel's two heights can say, it says: a door region is its lintel (bottom = the head), a pocket
the part's lower top. What they cannot say (a window's sill below and lintel above: the map
holds one interval per pixel) is why the diffusion model exists; `cad3d eval` compares them.
"""

from __future__ import annotations

import time

import cv2
import numpy as np
import shapely

from ..classes import class_name
from ..geometry.meshset import MeshSet, PointCloud
from ..plan import Plan, Solid, Surface
from .base import Conversion, Drawing, ProgressFn
from .diffusion import DiffusionConverter

BODY = {"DOOR": "WALL", "WINDOW": "WALL", "POCKET": "PART"}  # region class -> solid class
SOLIDS = ("WALL", "PART", "BOSS", "BUILDING", "DOOR", "WINDOW", "POCKET")
FLAT = ("FLOOR", "WATER")
NOTHING = ("HOLE",)  # through holes: no material
MIN_PIXELS = 4  # smaller regions are noise


class VitConverter(DiffusionConverter):
    name = "vit"

    def dense_maps(self, drawing: Drawing, domain: str):
        """(semantic (S, S) class ids, bottom, top (S, S) meters, frame) of the letterboxed
        drawing, from one encoder pass."""
        import torch

        model = self.model
        img, frames = model.prepare(self.condition(drawing, domain), 1)
        with torch.no_grad():
            dense = model.net.encoder.dense(model.net.encoder(img).fmap, size=img.shape[-1])
        f = frames[0]
        zc, zh = (f.z_min + f.z_max) / 2, (f.z_max - f.z_min) / 2
        top = dense["top_height"][0].cpu().numpy() * zh + zc
        bottom = np.minimum(dense["bottom_height"][0].cpu().numpy() * zh + zc, top)
        return dense["semantic"][0].argmax(0).cpu().numpy(), bottom, top, f

    def convert(self, drawing: Drawing, progress: ProgressFn | None = None) -> Conversion:
        from ..geometry.columns import column_meshes
        from ..geometry.lift import lift_plan

        t0 = time.perf_counter()
        domain = self._domain(drawing)
        sem, bottom, top, frame = self.dense_maps(drawing, domain)
        if progress is not None:
            progress(0.5, "dense heads read")
        t1 = time.perf_counter()
        plan, cloud = _regions(sem, bottom, top, frame, domain, drawing.extent)
        meshes = lift_plan(plan) if (plan.solids or plan.surfaces) else MeshSet()
        if len(cloud.points):
            fields = column_meshes(cloud.points.astype(np.float64), cloud.labels, drawing.extent)
            for cls, mesh in fields:
                meshes.add(cls, mesh)
        if progress is not None:
            progress(1.0, "done")
        timings = {"sample": t1 - t0, "mesh": time.perf_counter() - t1}
        return Conversion(meshes, domain, self.name, steps=1, plan=plan, timings=timings)


def _pixel_polygons(mask: np.ndarray, frame) -> list:
    """Polygons in meters of a boolean (S, S) letterboxed mask (row 0 at the top)."""
    s = mask.shape[0]
    cell = 2 * frame.half / s
    x0, y0 = frame.cx - frame.half, frame.cy + frame.half
    contours, hier = cv2.findContours(
        mask.astype(np.uint8), cv2.RETR_CCOMP, cv2.CHAIN_APPROX_SIMPLE
    )
    out = []
    for k, c in enumerate(contours if hier is not None else []):
        if hier[0][k][3] != -1 or len(c) < 3:
            continue
        holes = [contours[h] for h in range(len(contours)) if hier[0][h][3] == k]

        def ring(cc: np.ndarray) -> np.ndarray:  # pixel corners -> meters, y up
            p = cc[:, 0, :].astype(np.float64) + 0.5
            return np.column_stack([x0 + p[:, 0] * cell, y0 - p[:, 1] * cell])

        poly = shapely.Polygon(ring(c), [ring(h) for h in holes if len(h) >= 3]).buffer(0)
        out.append(poly.buffer(cell / 2, join_style="mitre"))  # centres -> pixel edges
    return out


def _regions(sem, bottom, top, frame, domain: str, extent) -> tuple[Plan, PointCloud]:
    """Prisms and flat surfaces of the labelled regions, and a cloud of the field classes."""
    sheet = shapely.box(0.0, 0.0, *extent)
    plan = Plan(domain, tuple(extent))
    field_px = np.zeros(sem.shape, bool)
    for cid in np.unique(sem):
        name = class_name(int(cid))
        if cid == 0 or name in NOTHING:
            continue
        if name not in SOLIDS and name not in FLAT:
            field_px |= sem == cid
            continue
        n, comp = cv2.connectedComponents((sem == cid).astype(np.uint8), connectivity=4)
        for k in range(1, n):
            region = comp == k
            if region.sum() < MIN_PIXELS:
                continue
            z0, z1 = float(np.median(bottom[region])), float(np.median(top[region]))
            for poly in _pixel_polygons(region, frame):
                poly = poly.intersection(sheet)
                if poly.is_empty or poly.area <= 0:
                    continue
                if name in FLAT:
                    plan.surfaces.append(Surface(name, poly, z1))
                elif z1 > z0:
                    plan.solids.append(Solid(BODY.get(name, name), poly, z0, z1))
    rows, cols = np.nonzero(field_px)
    s = sem.shape[0]
    xy = np.column_stack([-1 + (cols + 0.5) * 2 / s, 1 - (rows + 0.5) * 2 / s])
    pts = frame.denormalize(np.column_stack([xy, np.zeros(len(xy))]))
    pts[:, 2] = top[rows, cols]
    inside = (pts[:, 0] >= 0) & (pts[:, 0] <= extent[0]) & (pts[:, 1] >= 0)
    inside &= pts[:, 1] <= extent[1]
    labels = sem[rows, cols].astype(np.int32)
    return plan, PointCloud(points=pts[inside].astype(np.float32), labels=labels[inside])
