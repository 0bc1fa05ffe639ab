"""2D DXF input: exact walls from layer-named polygons, units, languages, the raster fallback,
and the 3D DXF written back in the input's own coordinates."""

import ezdxf
import numpy as np
import pytest
from ezdxf import units
from shapely.geometry import Polygon
from shapely.ops import unary_union

from cad3d.api import convert
from cad3d.errors import NoGeometry, UsageError
from cad3d.exchange.dxf_read import read_dxf_meshes
from cad3d.geometry.lift import lift_plan
from cad3d.io.dxf_layers import classify_layer, load_layer_table
from cad3d.io.load import load_drawing


def _walls_in_drawing(walls, d):
    ox, oy = 1000.0, 2000.0  # the fixture's model-space offset (meters)
    dx, dy = d.notes["dxf_origin"]
    return unary_union([Polygon([(x + ox - dx, y + oy - dy) for x, y in w]) for w in walls])


@pytest.mark.parametrize("unit", [units.M, units.MM, units.CM])
def test_wall_polygons_are_exact_and_openings_cut(tmp_path, rb, unit):
    walls = rb.dxf_floorplan(tmp_path / "p.dxf", unit=unit)
    d = load_drawing(tmp_path / "p.dxf")
    plan = d.vectors
    assert d.kind == "floorplan" and plan is not None
    expected = _walls_in_drawing(walls, d)
    wall = plan.solids[0].footprint
    assert wall.symmetric_difference(expected).area < 1e-6
    assert np.allclose(wall.bounds, expected.bounds, atol=1e-6)
    assert np.allclose(
        d.notes["dxf_origin"], (1000.0 - 8 * d.scale, 2000.0 - 8 * d.scale), atol=1e-9
    )
    doors = [c for c in plan.cuts if c.cls == "DOOR"]
    windows = [c for c in plan.cuts if c.cls == "WINDOW"]
    assert len(doors) == 1 and len(windows) == 1
    # the door gap (x 2..2.9) is filled then cut 0..2.1 m: a lintel remains above it
    gap = [s.footprint for s in plan.solids[1:]]
    assert sorted(round(g.bounds[2] - g.bounds[0], 6) for g in gap) == [0.9, 1.2]
    meshes = lift_plan(plan)
    lo, hi = meshes.bounds
    assert np.allclose(hi - lo, (10.0, 8.0, 3.0), atol=1e-6)
    # walls 3 m high; over the door gap a lintel (2.1..3), in the window gap a sill and a lintel
    wall = meshes.meshes["WALL"]
    assert wall.is_watertight
    assert wall.volume == pytest.approx(expected.area * 3 + 0.18 * 0.9 + 0.24 * 1.8, abs=1e-6)
    assert d.image.shape[1] == pytest.approx(1500 + 16, abs=2)  # longer side ~1500 px + margins


def test_edges_are_exact_polylines_in_meters(tmp_path, rb):
    rb.dxf_floorplan(tmp_path / "p.dxf")
    d = load_drawing(tmp_path / "p.dxf")
    dx, dy = d.notes["dxf_origin"]
    first = d.notes["edges"][0] + (dx, dy)
    assert first.shape == (12, 2)
    assert np.allclose(first[:3], [(1000, 2000), (1002, 2000), (1002, 2000.2)], atol=1e-9)
    assert "A-WALL" in d.notes["edge_layers"] and "TEXT" not in d.notes["edge_layers"]


@pytest.mark.parametrize(
    "name, cls",
    [
        ("A-WALL", "WALL"),
        ("Wände", "WALL"),
        ("MAUERWERK", "WALL"),
        ("MURS", "WALL"),
        ("muro_ext", "WALL"),
        ("PARETI", "WALL"),
        ("Muur", "WALL"),
        ("TÜR", "DOOR"),
        ("Tueren", "DOOR"),
        ("PORTE", "DOOR"),
        ("PUERTAS", "DOOR"),
        ("deur", "DOOR"),
        ("FENSTER", "WINDOW"),
        ("Fenêtre", "WINDOW"),
        ("VENTANAS", "WINDOW"),
        ("finestre", "WINDOW"),
        ("A-GLAZ", "WINDOW"),
        ("Bohrung", "HOLE"),
        ("TEXT", None),
        ("0", None),
        ("Dimensions", None),
        ("FURNITURE", None),
    ],
)
def test_layer_names_in_six_languages(name, cls):
    assert classify_layer(name) == cls


def test_user_layer_table_extends_keywords(tmp_path, rb):
    table = tmp_path / "layers.json"
    table.write_text('{"WALL": ["beton"], "DOOR": ["ouverture"]}')
    assert classify_layer("BETON-ARME", load_layer_table(table)) == "WALL"
    rb.dxf_floorplan(tmp_path / "p.dxf", wall_layer="BETON", door_layer="OUVERTURE")
    assert load_drawing(tmp_path / "p.dxf").vectors is None  # built-in table: unknown layers
    (tmp_path / "p.layers.json").write_text(table.read_text())  # sidecar next to the drawing
    d = load_drawing(tmp_path / "p.dxf")
    assert d.vectors is not None and [c.cls for c in d.vectors.cuts] == ["DOOR", "WINDOW"]
    table.write_text('{"ROOF": ["dach"]}')
    with pytest.raises(UsageError, match="unknown class"):
        load_layer_table(table)


def test_unnamed_layers_fall_back_to_the_raster(tmp_path, rb):
    rb.dxf_floorplan(tmp_path / "p.dxf", wall_layer="L1", door_layer="L2", window_layer="L3")
    d = load_drawing(tmp_path / "p.dxf")
    result = convert(d)  # the raster vectoriser classifies by shape
    assert result.domain == "floorplan" and "WALL" in result.meshes.classes
    assert np.allclose(np.ptp(result.meshes.bounds, axis=0), (10, 8, 3), atol=0.1)
    assert d.vectors is None and d.kind is None
    ink = d.image < 128
    assert 0.005 < ink.mean() < 0.2
    # the wall outline at x = 0 (input 1000 m) is ink at its pixel column
    col = int(round((1000.0 - d.notes["dxf_origin"][0]) / d.scale))
    assert ink[:, col - 1 : col + 2].any(axis=1).sum() > 0.9 * 8 / d.scale


def test_part_layers_make_a_part_plan(tmp_path):
    doc = ezdxf.new("R2010")
    doc.header["$INSUNITS"] = units.MM
    msp = doc.modelspace()
    msp.add_lwpolyline(
        [(0, 0), (80, 0), (80, 50), (0, 50)], close=True, dxfattribs={"layer": "PART"}
    )
    msp.add_circle((20, 25), 5, dxfattribs={"layer": "HOLES"})
    msp.add_circle((60, 25), 5, dxfattribs={"layer": "HOLES"})
    doc.saveas(tmp_path / "part.dxf")
    d = load_drawing(tmp_path / "part.dxf")
    assert d.kind == "part" and [c.cls for c in d.vectors.cuts] == ["HOLE", "HOLE"]
    assert d.vectors.solids[0].footprint.area == pytest.approx(0.08 * 0.05, rel=1e-9)
    assert d.vectors.cuts[0].footprint.area == pytest.approx(np.pi * 0.005**2, rel=1e-3)


def test_hidden_layers_and_text_only_give_no_geometry(tmp_path):
    doc = ezdxf.new("R2010")
    doc.layers.add("OFF").off()
    msp = doc.modelspace()
    msp.add_line((0, 0), (5, 0), dxfattribs={"layer": "OFF"})
    msp.add_text("hello")
    doc.saveas(tmp_path / "t.dxf")
    with pytest.raises(NoGeometry, match="no 2D geometry"):
        load_drawing(tmp_path / "t.dxf")


@pytest.mark.parametrize(
    "unit, origin", [(units.MM, (1000.0, 2000.0)), (units.M, (500000.0, 4000000.0))]
)
def test_cli_writes_3d_dxf_in_the_input_coordinates(tmp_path, rb, unit, origin):
    rb.dxf_floorplan(tmp_path / "p.dxf", unit=unit, origin=origin)
    out = tmp_path / "p3d.dxf"
    r = rb.run_cli("convert", tmp_path / "p.dxf", "-o", out)
    assert r.returncode == 0, r.stderr
    lo, hi = read_dxf_meshes(out).bounds
    assert np.allclose(lo, (*origin, 0.0), rtol=0, atol=1e-6)  # UTM-sized coordinates too
    assert np.allclose(hi, (origin[0] + 10, origin[1] + 8, 3.0), rtol=0, atol=1e-6)


def test_every_2d_entity_type_is_read_and_annotations_ignored(tmp_path):
    doc = ezdxf.new("R2010")
    doc.header["$INSUNITS"] = units.M
    inner = doc.blocks.new("INNER")
    inner.add_circle((0, 0), 0.25)
    outer = doc.blocks.new("OUTER")
    outer.add_line((0, 0), (1, 0))
    outer.add_blockref("INNER", (1, 0))  # nested block
    msp = doc.modelspace()
    msp.add_line((0, 0), (10, 0))
    msp.add_lwpolyline([(0, 1, 0, 0, 1.0), (2, 1)], format="xyseb")  # a bulge: half circle
    msp.add_polyline2d([(3, 1), (4, 2), (5, 1)])
    msp.add_arc((6, 1), 0.5, 0, 180)
    msp.add_circle((8, 1), 0.5)
    msp.add_ellipse((1, 4), major_axis=(1, 0), ratio=0.5)
    msp.add_spline([(3, 3), (4, 5), (5, 3), (6, 5)])
    hatch = msp.add_hatch()
    hatch.paths.add_polyline_path([(7, 3), (9, 3), (9, 5), (7, 5)], is_closed=True)
    msp.add_blockref("OUTER", (0, 6), dxfattribs={"rotation": 0})
    msp.add_text("NOTE", dxfattribs={"height": 30}).set_placement((50, 50))  # far away: ignored
    msp.add_mtext("MTEXT far away").dxf.insert = (-50, -50)
    dim = msp.add_linear_dim(base=(0, -20), p1=(0, 0), p2=(10, 0))
    dim.render()
    doc.saveas(tmp_path / "zoo.dxf")
    d = load_drawing(tmp_path / "zoo.dxf")
    ox, oy = d.notes["dxf_origin"]
    edges = [e + (ox, oy) for e in d.notes["edges"]]
    assert len(edges) == 10  # 8 model-space entities + line and circle of the nested block
    allp = np.concatenate(edges)
    assert np.allclose(allp.min(0), (0, 0), atol=1e-6)
    assert np.allclose(allp.max(0), (10, 6.25), atol=1e-6)
    bulge = edges[1]  # bulge 1: a half circle of radius 1 about (1, 1), through (1, 0)
    assert np.allclose(np.hypot(bulge[:, 0] - 1, bulge[:, 1] - 1), 1.0, atol=1e-6)
    assert bulge[:, 1].min() == pytest.approx(0.0, abs=1e-6)
    circle = edges[4]
    r = np.hypot(circle[:, 0] - 8, circle[:, 1] - 1)
    assert np.allclose(r, 0.5, atol=1e-9) and len(circle) > 50
    assert d.vectors is None  # layer "0" says nothing


def test_walls_drawn_as_parallel_lines(tmp_path):
    doc = ezdxf.new("R2010")
    msp = doc.modelspace()
    # a 6 x 4 room with 0.25 m walls drawn as two closed-up line loops (outer and inner face)
    for pts in (
        [(0, 0), (6, 0), (6, 4), (0, 4)],
        [(0.25, 0.25), (5.75, 0.25), (5.75, 3.75), (0.25, 3.75)],
    ):
        for a, b in zip(pts, pts[1:] + pts[:1], strict=True):
            msp.add_line(a, b, dxfattribs={"layer": "MURO"})
    doc.saveas(tmp_path / "lines.dxf")
    plan = load_drawing(tmp_path / "lines.dxf").vectors
    assert plan is not None and plan.domain == "floorplan"
    assert plan.solids[0].footprint.area == pytest.approx(24 - 5.5 * 3.5, abs=1e-9)


def test_overlapping_and_nested_wall_polygons(tmp_path):
    doc = ezdxf.new("R2010")
    msp = doc.modelspace()
    boxes = [
        [(0, 0), (6, 0), (6, 0.2), (0, 0.2)],  # two walls overlapping at the corner (0..0.2)^2
        [(0, 0), (0.2, 0), (0.2, 4), (0, 4)],
        [(0, 0), (6, 0), (6, 0.2), (0, 0.2)],  # the first drawn twice
        [(10, 0), (14, 0), (14, 3), (10, 3)],  # a room outline, its inner face, a pillar inside
        [(10.3, 0.3), (13.7, 0.3), (13.7, 2.7), (10.3, 2.7)],
        [(11.9, 1.4), (12.1, 1.4), (12.1, 1.6), (11.9, 1.6)],
    ]
    for b in boxes:
        msp.add_lwpolyline(b, close=True, dxfattribs={"layer": "WALLS"})
    doc.saveas(tmp_path / "w.dxf")
    wall = load_drawing(tmp_path / "w.dxf").vectors.solids[0].footprint
    expected = 6 * 0.2 + 0.2 * 3.8 + (12 - 3.4 * 2.4) + 0.04
    assert wall.area == pytest.approx(expected, abs=1e-9)


def test_door_swing_against_a_continuous_wall_opens_it(tmp_path):
    doc = ezdxf.new("R2010", units=units.MM)
    msp = doc.modelspace()
    for ring in (
        [(0, 0), (6000, 0), (6000, 4000), (0, 4000)],
        [(200, 200), (5800, 200), (5800, 3800), (200, 3800)],
    ):
        msp.add_lwpolyline(ring, close=True, dxfattribs={"layer": "WALLS"})
    msp.add_line(
        (2000, 200), (2000, 1100), dxfattribs={"layer": "DOORS"}
    )  # loose entities, no block
    msp.add_arc((2000, 200), 900, 0, 90, dxfattribs={"layer": "DOORS"})
    doc.saveas(tmp_path / "room.dxf")
    plan = load_drawing(tmp_path / "room.dxf").vectors
    assert [c.cls for c in plan.cuts] == ["DOOR"]
    wall = lift_plan(plan).meshes["WALL"]
    assert wall.volume == pytest.approx((24 - 5.6 * 3.6) * 3 - 0.9 * 0.2 * 2.1, abs=1e-6)


def test_unitless_dxf_guesses_mm_for_large_numbers_and_warns(tmp_path):
    doc = ezdxf.new("R12")  # R12 has no $INSUNITS
    doc.modelspace().add_polyline2d([(0, 0), (6000, 0), (6000, 4000)], dxfattribs={"layer": "X"})
    doc.saveas(tmp_path / "r12.dxf")
    with pytest.warns(UserWarning, match="assuming mm"):
        d = load_drawing(tmp_path / "r12.dxf")
    assert d.notes["dxf_units"] == "mm (guessed)"
    assert np.ptp(np.concatenate(d.notes["edges"]), axis=0) == pytest.approx([6.0, 4.0])
