"""Scan degradation of clean drawings, and moving the ground truth with the image.

`degrade` makes a drawing look printed and scanned: line-weight jitter, a slight rotation and
shift (rigid, so the scale in m/px stays exact), blur, contrast/brightness, noise, speckle and a
JPEG round trip. The rotation is returned as a 2x3 pixel affine (cv2 convention, source pixel
(c, r) -> output pixel); `apply_affine_to_world` moves a plan, meshes and points the same way.
"""

from __future__ import annotations

import copy

import cv2
import numpy as np
import trimesh
from shapely import affinity

from ..geometry.meshset import MeshSet, PointCloud
from ..plan import Contour, Cut, Plan, Solid, Surface, Tree

MAX_ROTATION_DEG = 1.5
MAX_SHIFT_PX = 3.0


def _rotation(shape_hw: tuple[int, int], rng: np.random.Generator, severity: float) -> np.ndarray:
    h, w = shape_hw
    ang = rng.uniform(-1.0, 1.0) * MAX_ROTATION_DEG * min(severity, 1.0)
    a = cv2.getRotationMatrix2D(((w - 1) / 2.0, (h - 1) / 2.0), ang, 1.0)
    a[:, 2] += rng.uniform(-1.0, 1.0, 2) * MAX_SHIFT_PX * min(severity, 1.0)
    return a


def degrade(
    image: np.ndarray, rng: np.random.Generator, severity: float = 1.0
) -> tuple[np.ndarray, np.ndarray]:
    """A scanned-looking copy of `image` ((H, W) uint8, white paper) and its (2, 3) pixel affine.

    severity 0 returns the image unchanged with the identity affine; 1 is a poor office scan.
    """
    identity = np.array([[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]])
    if severity <= 0:
        return image.copy(), identity
    h, w = image.shape[:2]
    img = image.copy()
    u = rng.random(8)  # which steps run
    if u[0] < 0.5 * severity:  # line weight: erode (min) thickens dark ink, dilate thins it
        k = np.ones((2, 2), np.uint8)
        img = cv2.erode(img, k) if rng.random() < 0.6 else cv2.dilate(img, k)
    affine = _rotation((h, w), rng, severity)
    img = cv2.warpAffine(
        img,
        affine,
        (w, h),
        flags=cv2.INTER_LINEAR,
        borderMode=cv2.BORDER_CONSTANT,
        borderValue=255,
    )
    f = img.astype(np.float32)
    if u[1] < 0.8 * severity:
        sigma = rng.uniform(0.3, 1.2) * severity
        f = cv2.GaussianBlur(f, (0, 0), sigma)
    if u[2] < 0.8:  # paper grey and ink lightness
        paper = 255.0 - rng.uniform(0, 40) * severity
        ink = rng.uniform(0, 90) * severity
        f = ink + (paper - ink) * (f / 255.0)
    if u[3] < 0.8:
        f += rng.normal(0.0, rng.uniform(1.0, 8.0) * severity, f.shape).astype(np.float32)
    if u[4] < 0.5 * severity:  # speckle: dark dust and white drop-outs
        n = int(rng.uniform(0.0002, 0.002) * h * w * severity)
        r, c = rng.integers(0, h, n), rng.integers(0, w, n)
        f[r, c] = np.where(rng.random(n) < 0.7, rng.uniform(0, 120, n), 255.0)
    img = np.clip(f, 0, 255).astype(np.uint8)
    if u[5] < 0.7 * severity:
        q = int(rng.uniform(35, 90))
        ok, buf = cv2.imencode(".jpg", img, [cv2.IMWRITE_JPEG_QUALITY, q])
        assert ok, "JPEG encoding failed"
        img = cv2.imdecode(buf, cv2.IMREAD_GRAYSCALE)
    return img, affine


def world_matrix(affine: np.ndarray, height_px: int, scale: float) -> np.ndarray:
    """(3, 3) homogeneous map of drawing coordinates (meters) matching a 2x3 pixel affine.

    x = c*s, y = (H - r)*s, so world = P^-1 A P with P the world -> pixel map.
    """
    s, h = float(scale), float(height_px)
    p = np.array([[1 / s, 0, 0], [0, -1 / s, h], [0, 0, 1.0]])
    p_inv = np.array([[s, 0, 0], [0, -s, h * s], [0, 0, 1.0]])
    a = np.vstack([np.asarray(affine, np.float64), [0, 0, 1.0]])
    return p_inv @ a @ p


def _move_area(g, m: np.ndarray):
    return affinity.affine_transform(g, [m[0, 0], m[0, 1], m[1, 0], m[1, 1], m[0, 2], m[1, 2]])


def _move_plan(plan: Plan, m: np.ndarray) -> Plan:
    k = float(np.sqrt(abs(np.linalg.det(m[:2, :2]))))
    out = Plan(plan.domain, plan.extent, meta=copy.deepcopy(plan.meta))
    out.solids = [Solid(s.cls, _move_area(s.footprint, m), s.z0, s.z1) for s in plan.solids]
    out.cuts = [Cut(c.cls, _move_area(c.footprint, m), c.z0, c.z1, c.host) for c in plan.cuts]
    out.surfaces = [Surface(s.cls, _move_area(s.footprint, m), s.z) for s in plan.surfaces]
    out.contours = [Contour(_move_area(c.line, m), c.elevation) for c in plan.contours]
    out.trees = []
    for t in plan.trees:
        x, y = (m @ [t.x, t.y, 1.0])[:2]
        out.trees.append(Tree(float(x), float(y), t.crown_radius * k, t.height))
    if "terrain" in out.meta:  # the exact ground is evaluated in its original frame
        prev = np.asarray(out.meta.get("terrain_transform", np.eye(3)), np.float64)
        out.meta["terrain_transform"] = (m @ prev).tolist()
    return out


def apply_affine_to_world(
    affine: np.ndarray,
    height_px: int,
    scale: float,
    plan: Plan | None = None,
    meshes: MeshSet | None = None,
    points: PointCloud | None = None,
) -> tuple[Plan | None, MeshSet | None, PointCloud | None]:
    """Move ground truth in meters the way `affine` moved the drawing's pixels (z unchanged).

    Returns new objects (inputs untouched); None stays None. A plan's exact terrain gets
    `meta["terrain_transform"]` (3x3, original -> moved) so its ground follows.
    """
    m = world_matrix(affine, height_px, scale)
    m3 = np.eye(4)
    m3[:2, :2], m3[:2, 3] = m[:2, :2], m[:2, 2]
    new_plan = _move_plan(plan, m) if plan is not None else None
    new_meshes = None
    if meshes is not None:
        new_meshes = MeshSet()
        for cls, mesh in meshes:
            v = trimesh.transform_points(np.asarray(mesh.vertices), m3)
            new_meshes.add(cls, trimesh.Trimesh(v, np.asarray(mesh.faces), process=False))
    new_points = None
    if points is not None:
        p = trimesh.transform_points(np.asarray(points.points, np.float64), m3).astype(np.float32)
        n = points.normals
        if n is not None:
            n = np.asarray(n, np.float64) @ np.linalg.inv(m3[:3, :3])  # inverse transpose
            n = (n / np.linalg.norm(n, axis=1, keepdims=True).clip(1e-12)).astype(np.float32)
        new_points = PointCloud(p, points.labels, n)
    return new_plan, new_meshes, new_points


def warp_maps(maps: dict[str, np.ndarray], affine: np.ndarray) -> dict[str, np.ndarray]:
    """Per-pixel maps moved by the pixel affine (nearest neighbour; outside: 0)."""
    out = {}
    for k, v in maps.items():
        h, w = v.shape[:2]
        out[k] = cv2.warpAffine(
            v,
            np.asarray(affine, np.float64),
            (w, h),
            flags=cv2.INTER_NEAREST,
            borderMode=cv2.BORDER_CONSTANT,
            borderValue=0,
        )
    return out
