"""Encoder, denoiser, fusion, frame and CLIP head: shapes and numbers on tiny configs."""

import numpy as np
import pytest
import torch

from cad3d.classes import NUM_CLASSES
from cad3d.models.clip_head import ClipHead, info_nce, retrieve
from cad3d.models.config import ModelConfig, get_config
from cad3d.models.frame import letterbox, make_frame
from cad3d.models.fusion import sample_map
from cad3d.models.network import PointDiffusionNet
from cad3d.models.pointnet import gather, square_distances, three_nn_interpolate
from cad3d.vision.encoder import DrawingEncoder

pytestmark = pytest.mark.torch
torch.set_num_threads(1)


@pytest.mark.parametrize("size", [128, 256, 512])
def test_encoder_accepts_128_256_512(size):
    enc = DrawingEncoder(get_config("tiny").encoder).eval()
    with torch.no_grad():
        out = enc(torch.rand(2, 1, size, size))
        dense = enc.dense(out.fmap, size)
    assert out.fmap.shape == (2, 16, size // 4, size // 4) and out.glob.shape == (2, 32)
    assert dense["semantic"].shape == (2, NUM_CLASSES, size, size)
    assert dense["top_height"].shape == (2, size, size) and dense["material"].shape[1] == 16
    assert torch.isfinite(out.fmap).all()


def test_frame_round_trip_and_letterbox_alignment():
    h, w, s = 60, 100, 0.05  # 3 m x 5 m drawing
    img = np.full((h, w), 255, np.uint8)
    img[10:20, 70:80] = 0  # ink at columns 70..79, rows 10..19
    frame = make_frame((h, w), s, (0.0, 3.0))
    ink = letterbox(img, 100)  # the square is 100 px: no resampling
    p = np.array([[75 * s, (h - 15) * s, 1.5], [0.0, 0.0, 0.0], [w * s, h * s, 3.0]])
    n = frame.normalize(p)
    assert np.allclose(frame.denormalize(n), p, atol=1e-5)
    assert np.allclose(n[1], [-1, -0.6, -1]) and np.allclose(n[2], [1, 0.6, 1])
    val = sample_map(torch.from_numpy(ink)[None, None], torch.from_numpy(n[None, :1, :2]))
    assert val.item() == pytest.approx(1.0)  # the ink under the point
    val = sample_map(torch.from_numpy(ink)[None, None], torch.tensor([[[0.0, 0.0]]]))
    assert val.item() == pytest.approx(0.0)


def test_point_ops_against_brute_force():
    torch.manual_seed(0)
    a, b = torch.randn(2, 5, 3), torch.randn(2, 40, 3)
    d2 = square_distances(a, b)
    assert torch.allclose(d2, torch.cdist(a, b) ** 2, atol=1e-4)
    feats = torch.randn(2, 40, 4)
    idx = torch.tensor([[[0, 39]], [[5, 6]]])
    assert torch.equal(gather(feats, idx)[1, 0, 1], feats[1, 6])
    src_feats = torch.randn(2, 5, 4)
    out = three_nn_interpolate(square_distances(a, a), src_feats)  # targets = the sources
    assert torch.allclose(out, src_feats, atol=1e-4)


def test_denoiser_shapes_and_null_condition():
    cfg = get_config("tiny")
    net = PointDiffusionNet(cfg)
    img = torch.rand(3, 1, 128, 128)
    cond = net.condition(img, num_points=100)
    assert cond.anchors.shape == (3, 100, 2) and cond.anchors.abs().max() <= 1
    x = torch.randn(3, 100, 3)
    out = net(x, torch.tensor([0, 500, 999]), cond)
    assert out.shape == (3, 100, 3)
    cached = net(x, torch.tensor([0, 500, 999]), net.denoiser.precompute(cond))
    assert torch.allclose(out, cached)
    null = net.null_condition(cond)
    mixed = cond.where(torch.tensor([True, False, True]), null)
    assert torch.equal(mixed.image[1], img[1]) and mixed.image[0].abs().sum() == 0
    assert torch.equal(mixed.anchors, cond.anchors)  # the null condition keeps the plan
    out.sum().backward()  # output layer zero-init: its gradient still flows
    assert net.denoiser.out.weight.grad.abs().sum() > 0


def test_config_json_round_trip():
    cfg = get_config("tiny")
    back = ModelConfig.from_json(cfg.to_json())
    assert back == cfg and back.z_ranges["floorplan"] == (0.0, 3.0)
    with pytest.raises(ValueError):
        get_config("huge")


def test_info_nce_and_retrieval():
    torch.manual_seed(0)
    a = torch.randn(6, 8)
    assert info_nce(a, a, 50.0).item() < 0.05  # matched pairs: near zero loss
    assert info_nce(a, a.roll(1, 0), 50.0).item() > 2.0
    head = ClipHead(image_dim=16, dim=8, width=16)
    shapes = torch.randn(4, 64, 3)
    bank = head.embed_shape(shapes)
    q = head.embed_shape(shapes[[2, 0]] + 0.001 * torch.randn(2, 64, 3))
    assert retrieve(q, bank).flatten().tolist() == [2, 0]
    loss = head.loss(torch.randn(4, 16), shapes)
    assert loss.ndim == 0 and torch.isfinite(loss)


def test_clip_head_learns_a_tiny_batch():
    torch.manual_seed(0)
    head = ClipHead(image_dim=8, dim=8, width=16)
    shapes = torch.randn(4, 32, 3) * torch.tensor([1.0, 0.2, 0.5])
    glob = torch.randn(4, 8)
    opt = torch.optim.Adam(head.parameters(), lr=1e-2)
    first = head.loss(glob, shapes).item()
    for _ in range(60):
        opt.zero_grad()
        loss = head.loss(glob, shapes)
        loss.backward()
        opt.step()
    assert loss.item() < 0.2 * first
    idx = retrieve(head.embed_image(glob), head.embed_shape(shapes))
    assert idx.flatten().tolist() == [0, 1, 2, 3]
