"""run_eval: an oracle converter scores perfectly, a crashing one is counted, tables render."""

import json

import pytest

from cad3d.converters import registry
from cad3d.converters.base import Conversion
from cad3d.data.synth import generate_sample
from cad3d.evaluation.harness import run_eval
from cad3d.evaluation.report import format_tables, write_json


class Oracle:
    """Returns the exact ground truth of the drawing it is given (seed from the sample name)."""

    name = "oracle"

    def __init__(self, **_):
        pass

    def convert(self, drawing, progress=None):
        domain, seed = drawing.source.rsplit("_", 1)
        truth = generate_sample(domain, int(seed), num_points=16)
        return Conversion(meshes=truth.meshes, domain=domain, method=self.name)


class Crash:
    name = "crash"

    def __init__(self, **_):
        pass

    def convert(self, drawing, progress=None):
        raise RuntimeError("boom\nsecond line")


@pytest.fixture
def fake_methods(monkeypatch):
    monkeypatch.setitem(registry._FACTORIES, "oracle", Oracle)
    monkeypatch.setitem(registry._FACTORIES, "crash", Crash)


def test_oracle_scores_perfectly(fake_methods):
    r = run_eval(
        "oracle",
        domains=("floorplan",),
        n=1,
        conditions=("clean",),
        progress=False,
        num_points=2048,
    )
    s = r["results"]["floorplan"]["clean"]
    assert s["n"] == 1 and s["failures"] == 0
    assert s["f"] == 1.0 and s["chamfer_l1"] < 1e-6  # float32 sample points
    assert s["plan_iou"] == 1.0
    assert s["openings"] == 1.0 and s["openings_n"] > 0
    assert s["samples"][0]["name"] == "floorplan_1000000"
    assert r["tau"] == {"floorplan": 0.05}


def test_crash_is_a_counted_failure(fake_methods, tmp_path):
    r = run_eval("crash", domains=("part",), n=2, conditions=("clean",), progress=False)
    s = r["results"]["part"]["clean"]
    assert s["failures"] == 2 and s["f"] == 0.0 and s["chamfer_l1"] is None
    assert s["samples"][1]["error"] == "RuntimeError: boom"
    assert s["samples"][1]["seed"] == 1_000_001
    path = write_json(r, tmp_path / "r.json")
    assert json.loads(path.read_text())["results"]["part"]["clean"]["failures"] == 2


def test_training_seeds_refused(fake_methods):
    with pytest.raises(AssertionError):
        run_eval("oracle", n=1, seed=5, progress=False)


def test_tables_one_row_per_method():
    def run(method, f):
        summary = {
            "n": 3,
            "failures": 0,
            "chamfer_l1": 0.0123,
            "f": f,
            "seconds": 0.5,
            "openings": 0.5,
        }
        return {
            "method": method,
            "steps": 50,
            "tau": {"floorplan": 0.05},
            "results": {"floorplan": {"clean": summary}},
        }

    md = format_tables([run("extrude", 0.9), run("hybrid", 0.95)])
    lines = md.strip().splitlines()
    assert lines[0] == "### floorplan, clean (3 drawings, tau = 5.0 cm)"
    assert lines[2].startswith("| method | Chamfer-L1 | F@tau |")
    assert lines[4] == "| extrude | 1.2 cm | 0.900 | 0.500 | 0.50 | 0 |"
    assert lines[5].startswith("| hybrid (50 steps) | 1.2 cm | 0.950 |")


@pytest.mark.slow
def test_extrude_on_each_domain():
    r = run_eval("extrude", n=1, conditions=("clean",), progress=False, num_points=4096)
    for domain in ("floorplan", "part", "landscape"):
        s = r["results"][domain]["clean"]
        assert s["n"] == 1 and 0.0 <= s["f"] <= 1.0 and s["seconds"] > 0
    assert (
        r["results"]["floorplan"]["clean"]["f"] > 0.8
    )  # the baseline is near exact on clean plans
