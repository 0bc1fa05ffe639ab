"""2D DXF site plans: TREE / BUILDING / WATER / PATH / CONTOUR layers in several languages make
an exact landscape Plan; contour elevations from the polyline's elevation or a nearby label."""

import ezdxf
import numpy as np
import pytest
from shapely import affinity
from shapely.geometry import Polygon

from cad3d.api import convert
from cad3d.io.dxf_layers import classify_layer
from cad3d.io.dxf_site import label_value
from cad3d.io.load import load_drawing

HOUSE = [(30.0, 20.0), (52.5, 20.0), (52.5, 34.25), (41.0, 34.25), (41.0, 41.0), (30.0, 41.0)]
POND = [(70.0, 60.0), (85.0, 58.0), (90.0, 70.0), (75.0, 78.0)]
WALK = [(10.0, 50.0), (60.0, 50.0), (60.0, 52.0), (10.0, 52.0)]


def _site(path, layers: dict[str, str]):
    doc = ezdxf.new("R2010")
    doc.header["$INSUNITS"] = 6  # meters
    msp = doc.modelspace()
    for k, y in enumerate((5.0, 45.0, 85.0)):  # contours with their own elevation 10, 11, 12
        pl = msp.add_lwpolyline(
            [(0, y), (50, y + 3), (100, y)], dxfattribs={"layer": layers["contour"]}
        )
        pl.dxf.elevation = 10.0 + k
    msp.add_lwpolyline([(0, 98), (100, 98)], dxfattribs={"layer": layers["contour"]})  # z 0
    msp.add_text("13,5", dxfattribs={"layer": layers["contour"] + "-TXT", "insert": (40, 98.3)})
    msp.add_text("999", dxfattribs={"layer": "NOTES", "insert": (5, 10)})  # far from any line
    msp.add_lwpolyline(HOUSE, close=True, dxfattribs={"layer": layers["building"]})
    msp.add_lwpolyline(POND, close=True, dxfattribs={"layer": layers["water"]})
    msp.add_lwpolyline(WALK, close=True, dxfattribs={"layer": layers["path"]})
    msp.add_line((60, 10), (95, 10), dxfattribs={"layer": layers["path"]})  # a centre line
    for c in ((15, 70), (25, 80)):
        msp.add_circle(c, 2.0, dxfattribs={"layer": layers["tree"]})
        msp.add_circle(c, 0.2, dxfattribs={"layer": layers["tree"]})  # trunk dot: same tree
    sym = doc.blocks.new("TREE_SYMBOL")
    sym.add_circle((0, 0), 1.0)
    doc.blocks.get("TREE_SYMBOL").add_line((-0.5, 0), (0.5, 0))
    msp.add_blockref(
        "TREE_SYMBOL", (80, 30), dxfattribs={"layer": layers["tree"], "xscale": 3, "yscale": 3}
    )
    doc.saveas(path)


LANGS = {
    "en": {
        "contour": "CONTOURS",
        "building": "BUILDINGS",
        "water": "WATER",
        "path": "PATHS",
        "tree": "TREES",
    },
    "de": {
        "contour": "HOEHENLINIEN",
        "building": "GEBÄUDE",
        "water": "GEWÄSSER",
        "path": "WEGE",
        "tree": "BÄUME",
    },
    "fr": {
        "contour": "COURBES",
        "building": "BATIMENTS",
        "water": "EAU",
        "path": "CHEMINS",
        "tree": "ARBRES",
    },
    "es": {
        "contour": "CURVAS-NIVEL",
        "building": "EDIFICIOS",
        "water": "AGUA",
        "path": "SENDEROS",
        "tree": "ARBOLES",
    },
}


@pytest.mark.parametrize("lang", sorted(LANGS))
def test_site_layers_make_an_exact_landscape_plan(tmp_path, lang):
    _site(tmp_path / "site.dxf", LANGS[lang])
    d = load_drawing(tmp_path / "site.dxf")
    plan = d.vectors
    assert plan is not None and plan.domain == "landscape" and d.kind == "landscape"
    ox, oy = d.notes["dxf_origin"]

    def model(poly):  # plan (drawing) coordinates back to the DXF's model space
        return affinity.translate(poly, ox, oy)

    (house,) = [s for s in plan.solids if s.cls == "BUILDING"]
    assert model(house.footprint).symmetric_difference(Polygon(HOUSE)).area < 1e-9
    (pond,) = [s for s in plan.surfaces if s.cls == "WATER"]
    assert model(pond.footprint).symmetric_difference(Polygon(POND)).area < 1e-9
    paths = [s for s in plan.surfaces if s.cls == "PATH"]
    assert len(paths) == 2 and all(s.z is None for s in paths)
    walk = min(paths, key=lambda s: model(s.footprint).symmetric_difference(Polygon(WALK)).area)
    assert model(walk.footprint).symmetric_difference(Polygon(WALK)).area < 1e-9
    assert sorted(s.footprint.area for s in paths)[0] == pytest.approx(35 * 1.5, rel=1e-9)
    # contours: own elevation 10/11/12; the z-0 line takes the "13,5" label next to it
    assert sorted(c.elevation for c in plan.contours) == [10.0, 11.0, 12.0, 13.5]
    # the house stands on the lowest ground under it, BUILDING_HEIGHT tall
    assert 10.0 <= house.z0 <= 11.0 and house.z1 - house.z0 == pytest.approx(6.0)
    trees = sorted(plan.trees, key=lambda t: (t.x, t.y))
    assert len(trees) == 3
    centres = np.array([(t.x + ox, t.y + oy) for t in trees])
    assert np.allclose(centres, [(15, 70), (25, 80), (80, 30)], atol=1e-6)
    assert [t.crown_radius for t in trees] == pytest.approx([2.0, 2.0, 3.0], abs=1e-6)
    assert trees[0].height == pytest.approx(1.5 * 4.0, abs=1e-5)


def test_site_dxf_converts_to_landscape_meshes(tmp_path):
    _site(tmp_path / "site.dxf", LANGS["en"])
    result = convert(tmp_path / "site.dxf")
    assert result.domain == "landscape"
    assert {"TERRAIN", "BUILDING", "WATER", "PATH", "TREE"} <= set(result.meshes.classes)
    b = result.meshes.meshes["BUILDING"]
    assert b.is_watertight and b.volume == pytest.approx(Polygon(HOUSE).area * 6.0, rel=1e-9)


@pytest.mark.parametrize(
    "name, cls",
    [
        ("BAUM", "TREE"),
        ("Árbol", "TREE"),
        ("GEBÄUDE", "BUILDING"),
        ("BÂTIMENT", "BUILDING"),
        ("WASSER", "WATER"),
        ("EAU", "WATER"),
        ("Höhenlinie", "CONTOUR"),
        ("COURBE_NIVEAU", "CONTOUR"),
        ("CURVA", "CONTOUR"),
        ("WEG", "PATH"),
        ("CHEMIN", "PATH"),
        ("SENDERO", "PATH"),
        ("A-WALL", "WALL"),
    ],
)
def test_site_layer_names(name, cls):
    assert classify_layer(name) == cls


def test_label_values():
    assert label_value("105.5") == 105.5 and label_value("105,5 m") == 105.5
    assert label_value("+12") == 12.0 and label_value("Room 12") is None
