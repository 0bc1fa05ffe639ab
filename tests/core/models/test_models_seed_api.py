"""The seed faces: create_diffusion_model, the diffusion converter, the hybrid face."""

import warnings

import numpy as np
import pytest
import torch

from cad3d.classes import class_id
from cad3d.converters.base import Drawing
from cad3d.converters.diffusion import DiffusionConverter
from cad3d.diffusion_3d_model import create_diffusion_model
from cad3d.errors import ModelError, OutputError
from cad3d.models.point_model import load_point_model

pytestmark = pytest.mark.torch
torch.set_num_threads(1)


def _tiny(**kw):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return create_diffusion_model(
            num_points=64, timesteps=50, preset="tiny", weights="none", **kw
        )


def _plan_image():
    img = np.full((80, 120), 255, np.uint8)
    img[20:24, 10:110] = 0
    return img


def test_cuda_falls_back_to_cpu_with_one_warning():
    if torch.cuda.is_available():
        pytest.skip("a GPU is present")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        model = create_diffusion_model(
            num_points=32, timesteps=50, device="cuda", preset="tiny", weights="none"
        )
    msgs = [str(w.message) for w in caught if "CUDA" in str(w.message)]
    assert len(msgs) == 1 and model.device.type == "cpu"


def test_untrained_default_warns_when_no_weights_shipped(monkeypatch):
    import cad3d.diffusion_3d_model as face

    monkeypatch.setattr(face, "shipped_weights", lambda preset: None)
    with pytest.warns(RuntimeWarning, match="untrained"):
        face.create_diffusion_model(num_points=32, timesteps=50, preset="tiny")


def test_samplers_return_meters_in_the_drawing_frame():
    model = _tiny()
    cond = {"image": _plan_image(), "scale": 0.05, "domain": "floorplan"}
    steps = []
    a = model.diffusion.ddim_sample(
        (2, 64, 3),
        cond,
        steps=5,
        eta=0.0,
        device="cpu",
        seed=3,
        callback=lambda i, x, x0: steps.append(i),
    )
    b = model.diffusion.ddim_sample((2, 64, 3), cond, steps=5, eta=0.0, device="cpu", seed=3)
    assert a.shape == (2, 64, 3) and a.dtype == torch.float32 and steps == list(range(5))
    assert torch.equal(a, b)  # eta = 0 and a seed: deterministic
    # clip_x0 = 1.5 bounds the output to 1.5x the half-frame around the drawing's centre (3 m x 6 m)
    assert a[..., 0].abs().sub(3.0).abs().max() <= 4.5 + 1e-4 and a[..., 2].max() <= 3.75 + 1e-4
    c = model.diffusion.p_sample_loop((1, 64, 3), cond, device="cpu", progress=False, seed=0)
    d = model.diffusion.dpm_solver_sample((1, 64, 3), cond, steps=4, seed=0)
    assert c.shape == d.shape == (1, 64, 3) and torch.isfinite(c).all() and torch.isfinite(d).all()
    e = model.sample((1, 64, 3), None, steps=3, guidance_scale=2.0)
    assert torch.isfinite(e).all()


def test_save_load_round_trip_and_corrupt_file(tmp_path):
    model = _tiny()
    path = model.save(tmp_path / "w.safetensors", {"note": "test"})
    back = load_point_model(path)
    assert back.card["note"] == "test" and len(back.card["sha256"]) == 64
    for k, v in model.net.state_dict().items():
        assert torch.equal(v, back.net.state_dict()[k])
    bad = tmp_path / "bad.safetensors"
    bad.write_bytes(path.read_bytes()[:100])
    with pytest.raises(ModelError, match="corrupt"):
        load_point_model(bad)


def test_mismatched_weights_give_a_one_line_error(tmp_path):
    from cad3d.training.checkpoint import load_module, save_tensors

    model = _tiny()
    sd = dict(model.net.state_dict())
    sd["denoiser.out.weight"] = torch.zeros(5, 5)
    save_tensors(tmp_path / "m.safetensors", sd)
    from cad3d.training.checkpoint import load_tensors

    tensors, _ = load_tensors(tmp_path / "m.safetensors")
    with pytest.raises(ModelError, match="do not fit") as err:
        load_module(model.net, tensors)
    assert "\n" not in str(err.value)


def test_label_points_reads_the_semantic_head_under_each_point(monkeypatch):
    model = _tiny()
    img, _ = model.prepare(Drawing(image=_plan_image(), scale=0.05, kind="floorplan"), 1)
    cond = model.net.condition(img)
    h, w = cond.fmap.shape[-2:]
    logits = torch.zeros(1, 15, h, w)
    logits[:, 2, :, : w // 2] = 5.0  # left half: class 2
    logits[:, 5, :, w // 2 :] = 5.0  # right half: class 5
    monkeypatch.setattr(model.net.encoder, "dense", lambda fmap, size=None: {"semantic": logits})
    x = torch.tensor([[[-0.6, 0.3, 0.0], [0.6, -0.2, 0.5], [-0.1, 0.9, -1.0], [0.3, 0.0, 0.0]]])
    assert model.label_points(cond, x).tolist() == [[2, 5, 2, 5]]
    # a floor plan's point is one of WALL DOOR WINDOW FLOOR, and FLOOR only at floor level
    wall, floor = class_id("WALL"), class_id("FLOOR")
    logits = torch.zeros(1, 15, h, w)
    logits[:, floor] = 5.0  # the head says floor everywhere (a cell is wider than a wall)
    logits[:, 0, :, w // 2 :] = 9.0  # and background on the right
    logits[:, wall] = 1.0
    x = torch.tensor([[[-0.5, 0.0, -1.0], [-0.5, 0.0, 0.2], [0.5, 0.0, -1.0], [0.5, 0.0, 0.6]]])
    assert model.label_points(cond, x, ["floorplan"]).tolist() == [[floor, wall, floor, wall]]


def test_diffusion_converter_returns_labelled_points_and_meshes(tmp_path):
    torch.manual_seed(0)
    conv = DiffusionConverter(steps=3, num_points=256, model=_tiny())
    seen, clouds = [], []

    class Reporter:
        def __call__(self, f, m=""):
            seen.append(f)

        def points(self, pts, labels=None):
            clouds.append(pts)

    drawing = Drawing(image=_plan_image(), scale=0.05, kind="floorplan")
    res = conv.convert(drawing, Reporter())
    assert res.method == "diffusion" and res.points.points.shape == (256, 3)
    assert res.points.labels.shape == (256,) and res.points.labels.dtype == np.int32
    assert 0 <= res.points.labels.min() and res.points.labels.max() < 15
    assert seen[-1] == pytest.approx(1.0) and len(clouds) == 2  # steps 0 and 2
    assert clouds[0].shape == (256, 3) and clouds[0].dtype == np.float32
    # meshes from the labelled cloud: one per labelled class, inside the drawing's extent
    assert len(res.meshes) >= 1 and "mesh" in res.timings
    for name, mesh in res.meshes:
        lo, hi = mesh.bounds
        assert lo[0] >= -1e-6 and hi[0] <= 6.0 + 1e-6 and hi[1] <= 4.0 + 1e-6, name


def test_hybrid_keeps_the_drawings_contours_over_a_bad_ground_fit():
    import copy

    from shapely.geometry import LineString

    from cad3d.converters.hybrid import HybridConverter
    from cad3d.plan import Contour, Plan

    plan = Plan("landscape", (10.0, 10.0))
    plan.contours = [Contour(LineString([(0, y), (10, y)]), e) for y, e in ((2, 0.0), (8, 1.0))]
    # ground rising 1 m from y=2 to y=8 (0.1 m cells): the contours' own ground
    ys = np.arange(101) * 0.1
    good = np.repeat(((ys - 2) / 6)[:, None], 101, 1)
    for offset, kept in ((0.2, True), (3.0, False)):  # interval 1 m: half is the limit
        fitted = copy.deepcopy(plan)
        fitted.meta["ground_grid"] = {"z": (good + offset).tolist(), "cell": 0.1}
        HybridConverter._keep_contours(plan, fitted)
        assert ("ground_grid" in fitted.meta) is kept
        if not kept:
            assert fitted.meta["ground_fit_rejected"] == pytest.approx(3.0, abs=1e-6)


def test_hybrid_converter_takes_xy_from_the_drawing(tmp_path):
    torch.manual_seed(0)
    from cad3d.converters.hybrid import HybridConverter
    from cad3d.converters.registry import create_converter
    from cad3d.data.floorplan import generate_floorplan

    image, scale, plan = generate_floorplan(1_000_001)
    conv = HybridConverter(steps=2, num_points=512, model=_tiny())
    res = conv.convert(Drawing(image=image, scale=scale, kind="floorplan"))
    assert res.method == "hybrid" and res.plan is not None and len(res.points) == 512
    assert "WALL" in res.meshes.classes
    lo, hi = res.meshes.meshes["WALL"].bounds
    w, h = image.shape[1] * scale, image.shape[0] * scale
    assert lo[0] >= -0.05 and hi[0] <= w + 0.05 and hi[1] <= h + 0.05
    # a blank drawing has no vector geometry: the diffusion meshes are the fallback
    blank = Drawing(image=np.full((64, 64), 255, np.uint8), scale=0.05, kind="floorplan")
    fb = conv.convert(blank)
    assert fb.method == "hybrid" and fb.plan is None and len(fb.points) == 512
    assert create_converter("hybrid", model=_tiny(), steps=2).name == "hybrid"


def test_hybrid_seed_face_writes_points_and_refuses_unknown_formats(tmp_path):
    import cv2

    from cad3d.hybrid_vit_diffusion import HybridConverter

    cv2.imwrite(str(tmp_path / "plan.png"), _plan_image())
    hyb = HybridConverter(model=_tiny(), num_points=64)
    out = hyb.convert_image_to_3d(tmp_path / "plan.png", tmp_path / "out.npy", sampling_steps=2)
    assert out["num_points"] == 64 and out["learning_updates"] == 0 and out["conversion_time"] > 0
    assert out["method"] == "hybrid" and np.load(tmp_path / "out.npy").shape == (64, 3)
    with pytest.raises(OutputError):
        hyb.convert_image_to_3d(tmp_path / "plan.png", tmp_path / "out.docx", sampling_steps=2)
