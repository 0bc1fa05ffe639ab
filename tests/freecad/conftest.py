"""FreeCAD in-process (no GUI): FreeCAD's lib folder on sys.path, or the folder is skipped."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
for p in (str(REPO), str(REPO / "core")):  # the regular package beats a stale editable install
    if p not in sys.path:
        sys.path.insert(0, p)

from freecad_cad3d.paths import ensure_freecad_importable  # noqa: E402

HAVE_FREECAD = ensure_freecad_importable()
if not HAVE_FREECAD:
    collect_ignore_glob = ["test_*.py"]


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/freecad/" in str(item.fspath).replace("\\", "/"):
            item.add_marker(pytest.mark.freecad)


@pytest.fixture
def doc():
    """A hidden document with undo on (headless documents start with undo off)."""
    import FreeCAD as App

    d = App.newDocument("cad3d_test", hidden=True)
    d.UndoMode = 1
    yield d
    App.closeDocument(d.Name)


def _room_plan():
    """A 6 x 4 m room, 0.2 m walls, a door and a window: (Plan, wall volume in m^3)."""
    from shapely.geometry import box

    from cad3d.plan import Cut, Plan, Solid, Surface

    walls = box(0, 0, 6, 4).difference(box(0.2, 0.2, 5.8, 3.8))
    plan = Plan(
        "floorplan",
        (6.0, 4.0),
        solids=[Solid("WALL", walls, 0.0, 3.0)],
        cuts=[
            Cut("DOOR", box(2, -0.05, 3, 0.25), 0.0, 2.1),
            Cut("WINDOW", box(-0.05, 1, 0.25, 2.5), 0.9, 2.1),
        ],
        surfaces=[Surface("FLOOR", box(0, 0, 6, 4), 0.0)],
    )
    volume = walls.area * 3.0 - 1.0 * 0.2 * 2.1 - 1.5 * 0.2 * 1.2
    return plan, volume


@pytest.fixture
def room_conversion():
    """A Conversion built by hand: the room plan lifted by the engine, plus 100 labelled points."""
    import numpy as np

    from cad3d.converters.base import Conversion
    from cad3d.geometry.lift import lift_plan
    from cad3d.geometry.meshset import PointCloud

    plan, _ = _room_plan()
    rng = np.random.default_rng(0)
    pts = (rng.random((100, 3)) * [6, 4, 3]).astype(np.float32)
    labels = np.where(np.arange(100) < 50, 1, 4)
    return Conversion(
        meshes=lift_plan(plan),
        domain="floorplan",
        method="extrude",
        steps=None,
        plan=plan,
        points=PointCloud(pts, labels),
        timings={"vectorize": 0.25, "lift": 0.5},
    )


@pytest.fixture
def room_plan():
    """(Plan, wall volume m^3) of the hand-made room."""
    return _room_plan()


@pytest.fixture
def make_sketch():
    """Factory: make_sketch(doc, outer=(w, h), wall=t, placement=None) -> nested-rectangle Sketch."""
    return _nested_rect_sketch


def _nested_rect_sketch(doc, outer=(6000.0, 4000.0), wall=200.0, placement=None):
    """A Sketch of two nested rectangles (mm): a room with `wall`-thick walls."""
    import FreeCAD as App
    import Part

    sk = doc.addObject("Sketcher::SketchObject", "Sketch")
    w, h = outer
    for x0, y0, x1, y1 in ((0, 0, w, h), (wall, wall, w - wall, h - wall)):
        c = [(x0, y0), (x1, y0), (x1, y1), (x0, y1)]
        for (ax, ay), (bx, by) in zip(c, c[1:] + c[:1], strict=True):
            sk.addGeometry(Part.LineSegment(App.Vector(ax, ay, 0), App.Vector(bx, by, 0)), False)
    if placement is not None:
        sk.Placement = placement
    doc.recompute()
    return sk
