"""The vit converter lifts the dense heads: columns from bottom to top, classed per pixel."""

import warnings

import numpy as np
import pytest
import torch

from cad3d.classes import NUM_CLASSES, class_id
from cad3d.converters.base import Drawing
from cad3d.converters.registry import create_converter

pytestmark = pytest.mark.torch


def _heads(size):
    """Dense heads of a 6 x 0.4 m wall (3 m tall) with a 1 m door (head 2.1 m) in it."""
    sem = torch.full((1, NUM_CLASSES, size, size), -9.0)
    top = torch.full((1, size, size), -1.0)  # normalised z: -1 = 0 m, 1 = 3 m (floor plans)
    bottom = torch.full((1, size, size), -1.0)
    r0, r1, c0, c1 = size // 2 - 4, size // 2 + 4, size // 8, size - size // 8
    sem[0, class_id("WALL"), r0:r1, c0:c1] = 9.0
    top[0, r0:r1, c0:c1] = 1.0
    d0, d1 = size // 2 - size // 12, size // 2 + size // 12
    sem[0, class_id("WALL"), r0:r1, d0:d1] = -9.0
    sem[0, class_id("DOOR"), r0:r1, d0:d1] = 9.0
    bottom[0, r0:r1, d0:d1] = 2.1 / 1.5 - 1
    return {"semantic": sem, "top_height": top, "bottom_height": bottom}


def test_vit_lifts_walls_and_leaves_the_door_open_below_its_head(monkeypatch):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        conv = create_converter("vit", preset="tiny", weights="none", num_points=4000)
    enc = conv.model.net.encoder
    monkeypatch.setattr(enc, "dense", lambda fmap, size=None: _heads(size))
    drawing = Drawing(np.full((128, 128), 255, np.uint8), 0.05, kind="floorplan")  # 6.4 m
    res = conv.convert(drawing)
    assert res.method == "vit" and res.steps == 1
    lintels = [sd for sd in res.plan.solids if sd.z0 > 1.0]
    assert len(lintels) == 1 and lintels[0].z0 == pytest.approx(2.1, abs=0.02)
    assert lintels[0].footprint.bounds[0] == pytest.approx(2.7, abs=0.06)  # the door's jamb
    mesh = dict(res.meshes)["WALL"]
    lo, hi = mesh.bounds
    assert hi[0] - lo[0] == pytest.approx(4.8, abs=0.06) and hi[2] == pytest.approx(3.0, abs=0.02)
    # the door: nothing of the wall below the head in the middle of the opening
    from shapely.geometry import box

    from cad3d.evaluation.openings import openings_right
    from cad3d.plan import Cut, Plan, Solid

    mid, y = 3.2, 3.2
    plan = Plan(
        "floorplan",
        (6.4, 6.4),
        solids=[Solid("WALL", box(0.8, y - 0.2, 5.6, y + 0.2), 0.0, 3.0)],
        cuts=[Cut("DOOR", box(mid - 0.5, y - 0.25, mid + 0.5, y + 0.25), 0.0, 2.1)],
    )
    assert openings_right(plan, res.meshes)["right"] == 1
