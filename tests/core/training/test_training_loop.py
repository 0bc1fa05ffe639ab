"""Dataset + augmentation alignment, checkpoint round trip and resume, over-fitting one sample."""

import json
import warnings

import cv2
import numpy as np
import pytest
import torch

from cad3d.diffusion_3d_model import create_diffusion_model
from cad3d.diffusion_trainer import CAD2D3DDataset, DiffusionTrainer, augment_sample
from cad3d.errors import ModelError
from cad3d.models.fusion import sample_map
from cad3d.models.point_model import load_point_model

pytestmark = pytest.mark.torch
torch.set_num_threads(1)
SCALE = 0.05


def _box_points(rng, lo, hi, n):
    """n points uniformly on the faces of the box [lo, hi] (3,) meters."""
    lo, hi = np.asarray(lo, float), np.asarray(hi, float)
    p = rng.uniform(lo, hi, (n, 3))
    ax, side = rng.integers(3, size=n), rng.integers(2, size=n)
    p[np.arange(n), ax] = np.where(side, hi[ax], lo[ax])
    return p.astype(np.float32)


def _write_sample(root, name, rng, h=80, w=120):
    """A drawing with one filled wall rectangle and its 3 m tall box as ground truth."""
    c0, r0 = int(rng.integers(5, 40)), int(rng.integers(5, 40))
    c1, r1 = c0 + int(rng.integers(30, 70)), r0 + int(rng.integers(4, 30))
    img = np.full((h, w), 255, np.uint8)
    img[r0:r1, c0:c1] = 0
    lo, hi = [c0 * SCALE, (h - r1) * SCALE, 0.0], [c1 * SCALE, (h - r0) * SCALE, 3.0]
    for sub in ("images", "pointclouds", "labels", "meta", "maps"):
        (root / sub).mkdir(parents=True, exist_ok=True)
    cv2.imwrite(str(root / "images" / f"{name}.png"), img)
    np.save(root / "pointclouds" / f"{name}.npy", _box_points(rng, lo, hi, 2000))
    np.save(root / "labels" / f"{name}.npy", np.ones(2000, np.int64))
    (root / "meta" / f"{name}.json").write_text(json.dumps({"scale": SCALE, "domain": "floorplan"}))
    sem = (img == 0).astype(np.uint8)
    np.savez(
        root / "maps" / f"{name}.npz",
        semantic=sem,
        top_height=sem * 3.0,
        bottom_height=sem * 0.0,
        material=sem * 9,
    )


@pytest.fixture
def data_dir(tmp_path):
    rng = np.random.default_rng(0)
    for i in range(4):
        _write_sample(tmp_path / "ds", f"s{i}", rng)
    return tmp_path / "ds"


def _ink_under(item):
    """Ink sampled under each point's (x, y) on the item's own image."""
    return sample_map(item["image"][None], item["points"][None, :, :2])[0, :, 0]


def test_dataset_reads_layout_and_points_sit_on_ink(data_dir):
    ds = CAD2D3DDataset(data_dir, image_size=128, num_points=300, augment=False)
    item = ds[0]
    assert (
        len(ds) == 4 and item["image"].shape == (1, 128, 128) and item["points"].shape == (300, 3)
    )
    assert item["has_maps"] and item["semantic"].shape == (128, 128) and item["semantic"].max() == 1
    z = item["points"][:, 2]
    assert z.min() == pytest.approx(-1.0) and z.max() == pytest.approx(1.0)  # 0..3 m -> [-1, 1]
    # points strictly inside the wall's footprint (top and bottom faces) sit on ink
    inner = _ink_under(item)[(z.abs() > 0.999)]
    assert (inner > 0.5).float().mean() > 0.9
    assert torch.equal(ds[0]["points"], item["points"])  # no augmentation: reproducible


def test_augment_keeps_image_points_and_maps_aligned(data_dir):
    ds = CAD2D3DDataset(data_dir, image_size=128, num_points=300, augment=True)
    base = CAD2D3DDataset(data_dir, image_size=128, num_points=300, augment=False)[1]
    top = base["points"][:, 2].abs() > 0.999
    before = (_ink_under(base)[top] > 0.5).float().mean()
    turned = 0
    for epoch in range(6):
        ds.epoch = epoch
        item = ds[1]
        z = item["points"][:, 2]
        frac = (_ink_under(item)[z.abs() > 0.999] > 0.3).float().mean()
        assert frac >= before - 0.05
        sem = sample_map(
            item["semantic"][None, None].float(), item["points"][None, z.abs() > 0.999, :2]
        )
        assert (sem > 0.5).float().mean() > 0.85
        turned += int(not torch.allclose(item["image"], base["image"]))
    assert turned >= 3
    fine = CAD2D3DDataset(data_dir, 64, 300, augment=True, fine_size=256)
    for epoch in range(4):  # the fine letterbox turns, flips and brightens with the image
        fine.epoch = epoch
        item = fine[1]
        assert item["fine"].shape == (1, 256, 256)
        small = torch.nn.functional.avg_pool2d(item["fine"][None], 4)[0]
        assert (small - item["image"]).abs().mean() < 0.02
    # the pure function: a quarter turn maps (x, y) -> (-y, x)
    img = np.zeros((8, 8), np.float32)
    img[0, 7] = 1  # top-right pixel
    pts = np.array([[0.9, 0.9, 0.0]], np.float32)

    class Rng:
        def __init__(self):
            self.vals = iter([1, 0])

        def integers(self, n):
            return next(self.vals)

    out_img, out_pts, _ = augment_sample(img, pts, Rng(), photometric=False)
    assert out_img[0, 0] == 1 and np.allclose(out_pts, [[-0.9, 0.9, 0.0]])


def _tiny_model():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.manual_seed(0)
        return create_diffusion_model(num_points=128, timesteps=100, preset="tiny", weights="none")


def _trainer(out_dir):
    return DiffusionTrainer(
        _tiny_model(), "cpu", 1e-3, out_dir=out_dir, warmup_steps=2, progress=False
    )


def test_checkpoint_round_trip_and_resume_after_a_kill(data_dir, tmp_path):
    ds = CAD2D3DDataset(data_dir, image_size=128, num_points=128, augment=True)
    val = CAD2D3DDataset(data_dir, image_size=128, num_points=128, names=["s0", "s1"])
    full = _trainer(tmp_path / "full")
    full.train(ds, val, epochs=2, batch_size=2, save_every=1)
    assert full.step == 4 and len(full.loss_history) == 4 and len(full.val_history) == 2
    assert (tmp_path / "full" / "loss.png").is_file() and (
        tmp_path / "full" / "best.safetensors"
    ).is_file()
    assert len(list((tmp_path / "full").glob("ckpt-*.safetensors"))) == 1

    class Killed(Exception):
        pass

    class Dying(DiffusionTrainer):
        def train_step(self, batch):
            if self.step == 3:
                raise Killed
            return super().train_step(batch)

    dying = Dying(
        _tiny_model(), "cpu", 1e-3, out_dir=tmp_path / "run", warmup_steps=2, progress=False
    )
    with pytest.raises(Killed):
        dying.train(ds, val, epochs=2, batch_size=2, save_every=1)
    resumed = _trainer(tmp_path / "run")
    resumed.load_checkpoint(tmp_path / "run")
    assert resumed.step == 3 and resumed.epoch == 1 and resumed.batch_in_epoch == 1
    resumed.train(ds, val, epochs=2, batch_size=2, save_every=1)
    assert resumed.step == 4
    assert np.allclose(resumed.loss_history, full.loss_history, atol=1e-6)
    for k, v in full.net.state_dict().items():
        assert torch.allclose(v, resumed.net.state_dict()[k], atol=1e-6), k
    for k, v in full.ema.shadow.items():
        assert torch.allclose(v, resumed.ema.shadow[k], atol=1e-6), k
    best = load_point_model(tmp_path / "full" / "best.safetensors")
    assert best.card["train_steps"] >= 2 and "val_loss" in best.card


def test_damaged_checkpoint_is_a_model_error(data_dir, tmp_path):
    tr = _trainer(tmp_path / "run")
    tr.save_checkpoint()
    ck = next((tmp_path / "run").glob("ckpt-*.safetensors"))
    ck.write_bytes(ck.read_bytes()[:-10] + b"0123456789")
    with pytest.raises(ModelError, match="sha256"):
        _trainer(tmp_path / "run").load_checkpoint(tmp_path / "run" / "last.json")
    with pytest.raises(ModelError, match="not found"):
        tr.load_checkpoint(tmp_path / "nowhere")


def test_lr_schedule_warmup_then_cosine(tmp_path):
    tr = _trainer(None)
    tr.warmup_steps, tr.total_steps = 10, 110
    lrs = [tr.lr_at(s) for s in range(110)]
    assert lrs[0] == pytest.approx(1e-4) and lrs[9] == pytest.approx(1e-3)
    assert lrs[60] == pytest.approx(1e-3 * (0.05 + 0.95 * 0.5), rel=1e-6)
    assert (
        all(a >= b for a, b in zip(lrs[10:], lrs[11:], strict=False)) and lrs[-1] > 0.05e-3 - 1e-12
    )


def test_landscape_z_counts_from_the_lowest_ground(tmp_path):
    rng = np.random.default_rng(1)
    root = tmp_path / "ds"
    _write_sample(root, "landscape_000001", rng)
    pts = np.load(root / "pointclouds" / "landscape_000001.npy")
    pts[:, 2] = 200.0 + pts[:, 2] * 10  # a site 200 m above the datum, 30 m of relief
    np.save(root / "pointclouds" / "landscape_000001.npy", pts)
    (root / "meta" / "landscape_000001.json").write_text(
        json.dumps({"scale": SCALE, "domain": "landscape"})
    )
    z = CAD2D3DDataset(root, image_size=128, num_points=500)[0]["points"][:, 2]
    # (0, 40) m above the lowest point -> [-1, 1]: 0 -> -1, 30 m -> 0.5
    assert z.min() == pytest.approx(-1.0, abs=1e-4) and z.max() == pytest.approx(0.5, abs=1e-3)

    from cad3d.models.point_model import PointModel

    model = _tiny_model()
    assert isinstance(model, PointModel)
    cond = {
        "image": np.full((80, 120), 255, np.uint8),
        "scale": SCALE,
        "domain": "landscape",
        "z_base": 200.0,
    }
    _, frames = model.prepare(cond, 1)
    assert frames[0].z_min == 200.0 and frames[0].z_max == 240.0


def test_progressive_resolution_and_loss_schedule(data_dir, tmp_path):
    model = _tiny_model()
    tr = DiffusionTrainer(
        model, "cpu", 1e-3, warmup_steps=1, progress=False, resolutions=((0.0, 64), (0.5, 128))
    )
    ds = CAD2D3DDataset(data_dir, image_size=64, num_points=64, augment=True)
    seen = []
    step = tr.train_step
    tr.train_step = lambda b: seen.append(b["image"].shape[-1]) or step(b)
    tr.train(ds, None, epochs=4, batch_size=2)
    assert seen == [64, 64, 64, 64, 128, 128, 128, 128]  # 2 steps an epoch, stage at 50 %
    assert model.cfg.encoder.input_size == 128  # sampling letterboxes as the last stage did
    assert tr.aux_scale_at(0) == pytest.approx(4.0) and tr.aux_scale_at(8) == pytest.approx(1.0)


def test_fine_tune_a_users_folder_from_weights(data_dir, tmp_path):
    """`cad3d train --init W --data DIR`: a folder without maps and with the user's own names."""
    from cad3d.cli.main import main as cli
    from cad3d.errors import InputNotFound

    user = tmp_path / "mine"
    for sub in ("images", "pointclouds", "meta"):
        (user / sub).mkdir(parents=True)
        for k, f in enumerate(sorted((data_dir / sub).iterdir())):
            (user / sub / f"office plan {'AB'[k % 2]}{k}{f.suffix}").write_bytes(f.read_bytes())
    base = _tiny_model()
    base.save(tmp_path / "base.safetensors")
    args = ["train", "--preset", "tiny", "--data", str(user), "--out", str(tmp_path / "ft")]
    args += ["--init", str(tmp_path / "base.safetensors"), "--epochs", "1", "--batch-size", "1"]
    args += ["--points", "64", "--image-size", "128", "--val-every", "3"]
    args += ["--export", str(tmp_path / "mine.safetensors")]
    assert cli(args) == 0
    tuned = load_point_model(tmp_path / "mine.safetensors")
    assert tuned.card["data"]["train"] == 2 and tuned.card["data"]["val"] == 2
    moved = [
        not torch.equal(v, base.net.state_dict()[k]) for k, v in tuned.net.state_dict().items()
    ]
    assert any(moved)  # trained on, starting from the given weights
    with pytest.raises(InputNotFound, match="holds no images"):
        from cad3d.training.run import main as train_main

        train_main(["--data", str(tmp_path / "empty"), "--out", str(tmp_path / "x"), "--init",
                    str(tmp_path / "base.safetensors")])  # fmt: skip
    assert not (tmp_path / "empty").exists()  # never filled with synthetic data


def test_fine_tuning_with_a_users_clip_tower_trains_its_projection(data_dir, tmp_path):
    """`cad3d train --init W --clip-tower F`: the projection learns from zero, the tower's
    weights stay the user's (vision.clip_tower)."""
    from safetensors.torch import save_file
    from timm.models.vision_transformer import VisionTransformer

    from cad3d.cli.main import main as cli

    vit = VisionTransformer(img_size=32, patch_size=16, embed_dim=64, depth=1, num_heads=1,
                            num_classes=16, pre_norm=True)  # fmt: skip
    tower = tmp_path / "tower.safetensors"
    save_file(vit.state_dict(), tower)
    base = _tiny_model()
    with torch.no_grad():  # as if trained: no layer left at its zero initialisation
        for p in base.net.parameters():
            p.add_(0.05 * torch.randn_like(p))
    base.save(tmp_path / "base.safetensors")
    args = ["train", "--preset", "tiny", "--data", str(data_dir), "--out", str(tmp_path / "ft")]
    args += ["--init", str(tmp_path / "base.safetensors"), "--clip-tower", str(tower)]
    args += ["--epochs", "1", "--batch-size", "2", "--points", "64", "--image-size", "128"]
    args += ["--export", str(tmp_path / "mine.safetensors")]
    assert cli(args) == 0
    tuned = load_point_model(tmp_path / "mine.safetensors")
    assert tuned.cfg.encoder.clip_tower == str(tower.resolve())
    assert tuned.net.tower_proj.weight.abs().sum() > 0  # learned from zero
    head = tuned.net._tower[0].vit.state_dict()["head.weight"]
    assert torch.equal(head, vit.state_dict()["head.weight"])  # the user's tower untouched
