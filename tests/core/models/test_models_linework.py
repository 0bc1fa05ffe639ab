"""Plan consistency (models.linework), the fine-ink path and the anchors' density cut-off."""

import warnings

import numpy as np
import pytest
import torch

from cad3d.classes import class_id
from cad3d.diffusion_3d_model import create_diffusion_model
from cad3d.models.anchors import cell_index, sample_anchors
from cad3d.models.config import Z_RANGES, get_config
from cad3d.models.linework import KEPT_CLASSES, ink_edges, snap_to_linework
from cad3d.models.point_model import DATUM_DOMAINS, FLOOR_BAND, load_point_model

pytestmark = pytest.mark.torch
torch.set_num_threads(1)
SCALE = 0.02  # m/px


def _wall_drawing(hatched: bool = False) -> np.ndarray:
    """A 200 x 300 px sheet with one wall, x 1.0-5.0 m, y 1.6-1.8 m (rows 110-119)."""
    img = np.full((200, 300), 255, np.uint8)
    if hatched:
        img[110, 50:250] = img[119, 50:250] = 0
        img[110:120, 50] = img[110:120, 249] = 0
        for c in range(54, 246, 6):  # hatching 6 px apart inside the outline
            img[111:119, c] = 0
    else:
        img[110:120, 50:250] = 0
    return img


@pytest.mark.parametrize("hatched", [False, True])
def test_edges_are_the_walls_faces_not_its_hatching(hatched):
    edges = ink_edges(_wall_drawing(hatched), close_px=9)
    rows = np.unique(np.nonzero(edges[:, 60:240])[0])
    assert rows.tolist() == [110, 119]  # the two faces; nothing inside the wall
    if hatched:
        assert np.nonzero(ink_edges(_wall_drawing(True))[:, 60:240])[0].size > 2 * 180 + 100


@pytest.mark.parametrize("hatched", [True, False])
def test_points_move_onto_the_face_and_keep_their_height(hatched):
    """DESIGN.md: pixel row r sits at y = (H - r) s. The hatched wall's outline is a stroke,
    centred on the face (row 110); the filled wall ends at its face, half a pixel out (109.5)."""
    img = _wall_drawing(hatched)
    wall, terrain = class_id("WALL"), class_id("TERRAIN")
    face_y = (200 - (110 if hatched else 109.5)) * SCALE
    pts = np.array(
        [
            [3.0, face_y + 0.08, 1.2],  # 8 cm off the face, outside the wall
            [3.0, face_y - 0.05, 2.5],  # inside the wall, nearer the upper face
            [3.0, face_y + 0.08, 0.4],  # a terrain point: kept
            [3.0, face_y + 0.60, 0.5],  # in the room, beyond the radius: kept
            [3.0, face_y + 0.08, 0.01],  # on the floor: kept
        ]
    )
    labels = np.array([wall, wall, terrain, wall, wall])
    out = snap_to_linework(pts, labels, img, SCALE, radius=0.15, floor=0.04)
    assert np.allclose(out[:2, 1], face_y, atol=1e-5) and np.allclose(out[:2, 0], 3.0, atol=SCALE)
    assert np.allclose(out[:, 2], pts[:, 2])  # heights are the model's
    assert np.allclose(out[2:], pts[2:])


@pytest.mark.parametrize("width, fills", [(3, True), (3, False), (5, False), (5, True)])
def test_a_pens_face_is_its_centre_line_a_fills_its_boundary(width, fills):
    """A 3 px band is a pen on any drawing; a 5 px band is a pen on a part drawing (`fills`
    False) and a poche wall on a floor plan, with a face on each side."""
    img = np.full((200, 300), 255, np.uint8)
    img[110 - width // 2 : 111 + width // 2, 50:250] = 0  # centred on row 110
    pts = np.array([[3.0, (200 - 102) * SCALE, 1.0], [3.0, (200 - 118) * SCALE, 1.0]])
    wall = np.full(2, class_id("WALL"))
    out = snap_to_linework(pts, wall, img, SCALE, radius=0.15, fills=fills)
    if width == 5 and fills:  # the fill's faces: half a pixel out from its rim pixels
        assert np.allclose(out[:, 1], np.array([200 - 107.5, 200 - 112.5]) * SCALE, atol=1e-5)
    else:
        assert np.allclose(out[:, 1], (200 - 110) * SCALE, atol=1e-5)


def _tiny():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return create_diffusion_model(num_points=128, timesteps=50, preset="tiny", weights="none")


@pytest.mark.parametrize("init", [0, 1, 2])
def test_sampling_snaps_to_the_drawings_own_edges_and_keeps_z_in_range(init):
    torch.manual_seed(init)
    model = _tiny()
    img = _wall_drawing()
    cond = {"image": img, "scale": SCALE, "domain": "floorplan"}
    model.snap_cells = 0.0
    raw = model.sample((1, 128, 3), cond, steps=3, seed=0)[0].numpy()
    model.snap_cells = 100.0  # every point within reach of an edge
    out, labels = model.sample((1, 128, 3), cond, steps=3, seed=0, with_labels=True)
    out = out[0].numpy()
    moved = ~np.isin(labels[0].numpy(), [class_id(c) for c in KEPT_CLASSES])
    moved &= out[:, 2] > FLOOR_BAND * 3.0  # floor-level points stay where they are
    assert moved.sum() > 10  # the untrained head labels some points as a site's area classes
    # the filled wall covers columns 50-249, rows 110-119: its faces are half a pixel out
    c, r = out[moved, 0] / SCALE, 200 - out[moved, 1] / SCALE
    off_face = np.minimum(
        np.minimum(abs(c - 49.5), abs(c - 249.5)), np.minimum(abs(r - 109.5), abs(r - 119.5))
    )
    inside = (c > 49.4) & (c < 249.6) & (r > 109.4) & (r < 119.6)
    assert inside.all() and (off_face < 0.15).all()  # 0.146 px at a corner pixel (diagonal)
    raw_c, raw_r = raw[:, 0] / SCALE, 200 - raw[:, 1] / SCALE
    assert not ((raw_c > 49.4) & (raw_c < 249.6) & (raw_r > 109.4) & (raw_r < 119.6)).all()
    assert np.allclose(out[:, 2], raw[:, 2]) and (out[:, 2] >= 0).all() and (out[:, 2] <= 3).all()
    assert labels.shape == (1, 128)


@pytest.mark.parametrize("domain", ["floorplan", "part", "landscape"])
def test_points_at_floor_level_sit_on_the_datum(domain):
    """DESIGN.md: the floor and a part's underside are z = 0; a site's ground is relative."""
    model = _tiny()
    cond = {"image": _wall_drawing(), "scale": SCALE, "domain": domain}
    _, frames = model.prepare(cond, 1)
    z_max = Z_RANGES[domain][1]
    z = np.array([0.2, 0.6, 1.0, 5.0, 50.0]) * FLOOR_BAND * z_max  # three in the floor band
    pts = torch.tensor([[[1.0, 3.0, v] for v in z]], dtype=torch.float32)  # in the room
    labels = torch.full((1, len(z)), class_id("FLOOR"))
    out = model.snap(pts, labels, cond, frames, grid=64)[0].numpy()
    if domain in DATUM_DOMAINS:
        assert (out[:3, 2] == 0).all()
    else:
        assert np.allclose(out[:3, 2], z[:3])
    assert np.allclose(out[3:, 2], z[3:]) and np.allclose(out[:, :2], pts[0, :, :2])


def test_the_density_temperature_is_chosen_per_domain_within_a_batch():
    model = _tiny()
    model.density_temperature, model.domain_temperature = 0.5, {"part": 1.0}
    t = model._temperature(["part", "floorplan", "landscape"], "cpu")
    assert t.shape == (3, 1, 1) and t.flatten().tolist() == [1.0, 0.5, 0.5]
    img = _wall_drawing()
    conds = [{"image": img, "scale": SCALE, "domain": d} for d in ("part", "floorplan")]
    model.domain_temperature = {"part": 1e-4}  # all of a part's anchors in its likeliest cell
    pts = model.sample((2, 128, 3), conds, steps=2, seed=0)
    cells = [np.unique(np.floor(p[:, :2].numpy() / 0.5), axis=0).shape[0] for p in pts]
    assert cells[0] < cells[1] / 3  # the part's points gather; the floor plan's spread


def test_older_weights_grow_a_fine_ink_path_that_starts_silent(tmp_path):
    cfg = get_config("tiny")
    cfg.denoiser.fine_patch_size = 0  # weights from before the fine-ink path
    from cad3d.models.point_model import PointModel

    old = PointModel(cfg)
    path = old.save(tmp_path / "old.safetensors")
    grown = load_point_model(path, grow_to=get_config("tiny"))
    assert grown.net.denoiser.inp_fine is not None and old.net.denoiser.inp_fine is None
    cond = {"image": _wall_drawing(), "scale": SCALE, "domain": "floorplan"}
    a = old.sample((1, 64, 3), cond, steps=3, seed=1)
    b = grown.sample((1, 64, 3), cond, steps=3, seed=1)
    assert torch.equal(a, b)  # zero-initialised: the same model until fine-tuned
    with torch.no_grad():
        grown.net.denoiser.out.weight.normal_()  # an untrained output layer is zero
    c = grown.sample((1, 64, 3), cond, steps=3, seed=1)
    with torch.no_grad():
        grown.net.denoiser.inp_fine.weight.normal_()
    assert not torch.equal(c, grown.sample((1, 64, 3), cond, steps=3, seed=1))  # it is read


def test_min_share_never_draws_doubtful_cells():
    logits = torch.full((1, 4, 4), -2.0)
    logits[0, 1, 1] = logits[0, 2, 2] = 2.0
    g = torch.Generator().manual_seed(0)
    kept = cell_index(sample_anchors(logits, 2000, g, min_share=1.0), 4)
    assert set(kept.unique().tolist()) == {5, 10}
    every = cell_index(sample_anchors(logits, 2000, g), 4)
    assert every.unique().numel() > 2
