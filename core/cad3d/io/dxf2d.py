"""Read a 2D DXF drawing as a `Drawing`: exact polylines in meters, a raster of them, and a `Plan`
when the layer names say what the entities are.

Coordinates: the DXF's model space is moved so that the drawing's bottom-left corner (the
entities' extents minus a margin of PAD_PX pixels) is the origin; `notes["dxf_origin"]` keeps
that corner in meters so writers put the 3D model back where the 2D drawing is
(`to_input_coordinates`). XREFs, IMAGEs and UNDERLAYs name other files: they are never opened.
"""

from __future__ import annotations

import math
import warnings
from pathlib import Path
from typing import Any

import numpy as np
from shapely.errors import GEOSException

from ..converters.base import Conversion, Drawing
from ..errors import CorruptInput, InputTooLarge, NoGeometry, UsageError
from .dxf_layers import Edge, load_layer_table, plan_from_layers
from .dxf_site import Label

TARGET_SIDE = 1500  # pixels of the raster's longer side when no scale is given
PAD_PX = 8  # blank margin around the entities, pixels
MAX_POINTS = 5_000_000  # flattened vertices: the memory bound of a DXF (about 80 MB)
MAX_ENTITIES = 1_000_000  # entities visited, blocks expanded (a block "bomb" stops here)
MAX_DEPTH = 16  # nested INSERTs
FLATTEN_M = 1e-4  # chordal deviation of flattened curves, meters (at most 1e-5 of the extent)
CURVES = {"LINE", "LWPOLYLINE", "POLYLINE", "ARC", "CIRCLE", "ELLIPSE", "SPLINE", "SOLID", "TRACE"}
AREAS = {"HATCH", "MPOLYGON"}


def _open(path: Path):
    """The ezdxf document; `ezdxf.recover` for files that plain reading refuses (text or binary)."""
    import logging

    import ezdxf
    from ezdxf import recover

    log = logging.getLogger("ezdxf")
    if not log.handlers:  # recover logs every repair; the user gets one line from us, not those
        log.addHandler(logging.NullHandler())
    try:
        return ezdxf.readfile(path), False
    except MemoryError:
        raise
    except Exception:  # noqa: BLE001 - any parser failure: try the forgiving reader
        pass
    try:
        doc, _ = recover.readfile(path)
        return doc, True
    except MemoryError:
        raise
    except Exception as exc:  # noqa: BLE001 - a file even recover cannot read is corrupt
        msg = str(exc).splitlines()[0][:80] if str(exc) else type(exc).__name__
        raise CorruptInput(f"{path}: cannot read the DXF ({msg})") from None


def _unit_factor(doc, extent_units: float) -> tuple[float, str]:
    """Meters per drawing unit from $INSUNITS; unitless drawings: mm if large, else meters."""
    from ezdxf import units

    code = doc.header.get("$INSUNITS", 0)
    try:
        code = int(code)
        if code != 0:
            return float(units.conversion_factor(code, units.M)), units.decode(code) or str(code)
    except (ValueError, TypeError, KeyError, IndexError):
        pass
    return (0.001, "mm (guessed)") if extent_units > 500 else (1.0, "m (guessed)")


def _hidden_layers(doc) -> set[str]:
    hidden = set()
    for layer in doc.layers:
        try:
            if layer.is_off() or layer.is_frozen():
                hidden.add(layer.dxf.name)
        except Exception:  # noqa: BLE001 - a broken layer record hides nothing
            pass
    return hidden


def _paths(e):
    from ezdxf import path

    t = e.dxftype()
    if t in AREAS:
        return list(path.from_hatch(e)), True
    if t == "POLYLINE" and not (e.is_2d_polyline or e.is_3d_polyline):
        return [], False  # polyface / polymesh: 3D, not drawing geometry
    p = path.make_path(e, segments=16)  # arcs as >= 16 Bezier pieces: radial error < 1e-8 r
    return (list(p.sub_paths()) if p.has_sub_paths else [p]), False


class _Walker:
    """Flattens model space into (points in drawing units, layer, closed, hatch, group)."""

    def __init__(self, doc, dist: float) -> None:
        self.hidden = _hidden_layers(doc)
        self.dist = dist
        self.items: list[tuple[np.ndarray, str, bool, bool, int, float]] = []
        self.texts: list[tuple[float, float, str, str]] = []  # x, y (drawing units), text, layer
        self.visited = self.points = self.skipped = self.groups = 0

    def walk(self, entities, parent: str | None, group: int, depth: int) -> None:
        for e in entities:
            self.visited += 1
            if self.visited > MAX_ENTITIES or self.points > MAX_POINTS:
                raise InputTooLarge("the DXF expands to more than the entity/vertex limit")
            try:
                layer = str(e.dxf.get("layer", "0"))
                if layer == "0" and parent:
                    layer = parent  # block content on layer 0 takes the INSERT's layer
                if layer in self.hidden:
                    continue
                t = e.dxftype()
                if t == "INSERT":
                    self._insert(e, layer, group, depth)
                elif t in CURVES or t in AREAS:
                    self._curve(e, layer, group)
                elif t in ("TEXT", "MTEXT"):  # labels only (contour elevations), not geometry
                    self._text(e, layer)
            except (InputTooLarge, MemoryError):
                raise
            except Exception:  # noqa: BLE001 - one broken entity must not sink the drawing
                self.skipped += 1

    def _insert(self, e, layer: str, group: int, depth: int) -> None:
        block = e.block()
        if (
            block is None
            or block.block.is_xref
            or block.block.is_xref_overlay
            or depth >= MAX_DEPTH
        ):
            return  # external references are never followed
        if group < 0:
            self.groups += 1
            group = self.groups - 1
        inserts = list(e.multi_insert()) if e.mcount > 1 else [e]
        for ins in inserts:
            self.walk(ins.virtual_entities(), layer, group, depth + 1)

    def _text(self, e, layer: str) -> None:
        text = e.plain_text()
        p = e.dxf.insert
        if text and math.isfinite(p.x) and math.isfinite(p.y):
            self.texts.append((float(p.x), float(p.y), str(text)[:80], layer))

    def _curve(self, e, layer: str, group: int) -> None:
        paths, hatch = _paths(e)
        for p in paths:
            if len(p) == 0:
                continue
            cv = np.array([(v.x, v.y, v.z) for v in p.control_vertices()], np.float64)
            z = float(np.median(cv[:, 2])) if len(cv) else 0.0
            cv = cv[:, :2]
            if not np.isfinite(cv).all() or not math.isfinite(z):
                self.skipped += 1
                continue
            span = float(np.ptp(cv, axis=0).max())  # vertices per curve stay bounded (~2000)
            dist = max(self.dist, 1e-6 * span)
            pts = np.array([(v.x, v.y) for v in p.flattening(dist, segments=16)], np.float64)
            if len(pts) < 2 or not np.isfinite(pts).all():
                continue
            closed = bool(hatch or p.is_closed or np.allclose(pts[0], pts[-1], atol=dist * 1e-3))
            if closed and len(pts) > 2 and np.allclose(pts[0], pts[-1], atol=dist * 1e-3):
                pts = pts[:-1]
            self.points += len(pts)
            self.items.append((pts, layer, closed, hatch, group, z))


def _raster(edges: list[Edge], shape: tuple[int, int], scale: float) -> np.ndarray:
    """Edges drawn 2 px wide, hatches filled: dark ink on white, (H, W) uint8."""
    import cv2

    h, w = shape
    image = np.full((h, w), 255, np.uint8)

    def px(p: np.ndarray) -> np.ndarray:
        return np.round(np.stack([p[:, 0] / scale, h - p[:, 1] / scale], 1) * 16).astype(np.int32)

    fills: dict[tuple[int, str], list[np.ndarray]] = {}
    for k, e in enumerate(edges):
        if e.hatch:
            fills.setdefault((e.group if e.group >= 0 else k, e.layer), []).append(px(e.points))
        else:
            cv2.polylines(image, [px(e.points)], e.closed, 0, 2, cv2.LINE_8, shift=4)
    for rings in fills.values():
        cv2.fillPoly(image, rings, 0, cv2.LINE_8, shift=4)
    return image


def load_dxf_drawing(path: str | Path, scale: float | None = None, layer_table=None) -> Drawing:
    """A 2D DXF (text or binary) as a Drawing: raster at `scale` m/px (else longer side ~1500 px),
    `notes["edges"]` exact polylines (list of (N, 2) float64, meters, drawing coordinates),
    `notes["dxf_origin"]` the model-space point (meters) of the drawing's origin, and `vectors` a
    Plan when layer names classify the entities (`layer_table`: extra keywords, a dict or a JSON
    file; default the sidecar `NAME.layers.json` if present).
    """
    from .load import MAX_PIXELS

    path = Path(path)
    sidecar = path.with_name(path.stem + ".layers.json")
    if layer_table is None and sidecar.is_file():
        layer_table = sidecar
    table = load_layer_table(layer_table)
    doc, recovered = _open(path)
    walker = _Walker(doc, 1.0)
    probe = _Walker(doc, 1e9)  # coarse pass: extents in drawing units, to pick units and tolerance
    probe.walk(doc.modelspace(), None, -1, 0)
    if not probe.items:
        raise NoGeometry(
            f"{path}: the DXF has no 2D geometry (lines, polylines, arcs, circles, hatches)"
        )
    allp = np.concatenate([p for p, *_ in probe.items])
    lo, hi = allp.min(0), allp.max(0)
    factor, unit_name = _unit_factor(doc, float((hi - lo).max()))
    if "guessed" in unit_name:
        warnings.warn(
            f"{path.name} states no units ($INSUNITS); assuming {unit_name}", stacklevel=3
        )
    walker.dist = min(FLATTEN_M, 1e-5 * float((hi - lo).max()) * factor or FLATTEN_M) / factor
    walker.walk(doc.modelspace(), None, -1, 0)
    if not walker.items:
        raise NoGeometry(f"{path}: the DXF has no readable 2D geometry")
    allp = np.concatenate([p for p, *_ in walker.items]) * factor
    lo, hi = allp.min(0), allp.max(0)
    size = float((hi - lo).max())
    if not size > 0 or not math.isfinite(size):
        raise NoGeometry(f"{path}: the DXF's geometry has no extent (a single point)")
    if scale is not None and not scale > 0:
        raise UsageError(f"scale must be a positive number of meters per pixel, got {scale}")
    s = float(scale) if scale else size / TARGET_SIDE
    w = int(math.ceil((hi[0] - lo[0]) / s)) + 2 * PAD_PX
    h = int(math.ceil((hi[1] - lo[1]) / s)) + 2 * PAD_PX
    if w * h > MAX_PIXELS:
        raise InputTooLarge(
            f"{path}: {w} x {h} px at {s:g} m/px is over the pixel limit; pass a larger --scale"
        )
    origin = lo - PAD_PX * s
    edges = [
        Edge(p * factor - origin, layer, closed, hatch, g, z * factor)
        for p, layer, closed, hatch, g, z in walker.items
    ]
    labels = [
        Label(x * factor - origin[0], y * factor - origin[1], text, layer)
        for x, y, text, layer in walker.texts
    ]
    try:
        plan = plan_from_layers(edges, (w * s, h * s), table, labels)
    except (GEOSException, ValueError, RuntimeError, ArithmeticError):  # degenerate linework:
        # the raster path still reads it
        plan = None
    notes: dict[str, Any] = {
        "dxf_origin": (float(origin[0]), float(origin[1])),
        "dxf_units": unit_name,
        "dxf_recovered": recovered,
        "dxf_skipped_entities": walker.skipped,
        "edges": [e.points for e in edges],
        "edge_layers": [e.layer for e in edges],
    }
    return Drawing(
        image=_raster(edges, (h, w), s),
        scale=s,
        source=str(path),
        kind=plan.domain if plan else None,
        vectors=plan,
        notes=notes,
    )


def to_input_coordinates(result: Conversion, origin: tuple[float, float]) -> Conversion:
    """A copy of `result` moved by `origin` (meters): the 3D model lands on the input DXF."""
    from ..geometry.meshset import MeshSet, PointCloud

    shift = np.array([origin[0], origin[1], 0.0])
    meshes = MeshSet()
    for cls, m in result.meshes:
        moved = m.copy()
        moved.apply_translation(shift)
        meshes.meshes[cls] = moved
    points = result.points
    if points is not None:
        points = PointCloud(
            points=(points.points.astype(np.float64) + shift).astype(points.points.dtype),
            labels=points.labels,
            normals=points.normals,
        )
    return Conversion(
        meshes=meshes,
        domain=result.domain,
        method=result.method,
        steps=result.steps,
        plan=result.plan,
        points=points,
        timings=dict(result.timings),
    )
