"""Two CPU processes under torchrun (gloo): the ranks' weights stay identical."""

import json
import os
import subprocess
import sys
import textwrap

import cv2
import numpy as np
import pytest

pytestmark = [pytest.mark.torch, pytest.mark.slow]

WORKER = textwrap.dedent(
    """
    import os, sys, warnings
    import torch
    torch.set_num_threads(1)
    from safetensors.torch import save_file
    from cad3d.diffusion_3d_model import create_diffusion_model
    from cad3d.diffusion_trainer import CAD2D3DDataset, DiffusionTrainer
    rank = int(os.environ["RANK"])
    torch.manual_seed(100 + rank)  # different inits: DDP must broadcast rank 0's
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = create_diffusion_model(num_points=64, timesteps=100, preset="tiny", weights="none")
    init = {k: v.clone() for k, v in model.net.state_dict().items()}
    ds = CAD2D3DDataset(sys.argv[1], image_size=128, num_points=64, augment=True)
    tr = DiffusionTrainer(model, "cpu", 1e-3, out_dir=sys.argv[2], warmup_steps=1, progress=False)
    tr.train(ds, None, epochs=2, batch_size=2, save_every=0)
    assert tr.world == 2 and tr.step == 2, (tr.world, tr.step)
    sd = {k: v.contiguous() for k, v in model.net.state_dict().items()}
    moved = max((sd[k] - init[k]).abs().max().item() for k in sd if sd[k].is_floating_point())
    save_file(sd, os.path.join(sys.argv[2], f"rank{rank}.safetensors"), metadata={"moved": str(moved)})
    """
)


def _write(root, name, rng):
    img = np.full((64, 64), 255, np.uint8)
    r, c = int(rng.integers(5, 40)), int(rng.integers(5, 30))
    img[r : r + 8, c : c + 30] = 0
    for sub in ("images", "pointclouds", "meta"):
        (root / sub).mkdir(parents=True, exist_ok=True)
    cv2.imwrite(str(root / "images" / f"{name}.png"), img)
    np.save(root / "pointclouds" / f"{name}.npy", rng.uniform(0, 3, (500, 3)).astype(np.float32))
    (root / "meta" / f"{name}.json").write_text(json.dumps({"scale": 0.05, "domain": "floorplan"}))


def test_two_ranks_keep_identical_weights(tmp_path):
    from safetensors import safe_open

    rng = np.random.default_rng(0)
    for i in range(4):
        _write(tmp_path / "ds", f"s{i}", rng)
    (tmp_path / "out").mkdir()
    script = tmp_path / "worker.py"
    script.write_text(WORKER)
    env = dict(os.environ, OMP_NUM_THREADS="1")
    cmd = [
        sys.executable,
        "-m",
        "torch.distributed.run",
        "--nproc_per_node=2",
        "--master_port=29517",
        str(script),
        str(tmp_path / "ds"),
        str(tmp_path / "out"),
    ]
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-2000:]
    files = [safe_open(str(tmp_path / "out" / f"rank{r}.safetensors"), "pt") for r in (0, 1)]
    assert float(files[0].metadata()["moved"]) > 1e-4  # training changed the weights
    keys = list(files[0].keys())
    assert keys == list(files[1].keys()) and len(keys) > 50
    for k in keys:
        assert (files[0].get_tensor(k) == files[1].get_tensor(k)).all(), k
