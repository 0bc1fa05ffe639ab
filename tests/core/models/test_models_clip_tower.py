"""A user's own CLIP image tower from a local file (vision.clip_tower): OpenAI / open_clip and
timm layouts give the same embedding as the model they came from; bad files give one-line
errors; a model given a tower samples as before until fine-tuned, and fine-tuning trains it."""

import warnings
from functools import partial

import numpy as np
import pytest
import torch
from safetensors.torch import save_file
from timm.models.vision_transformer import VisionTransformer

from cad3d.diffusion_3d_model import create_diffusion_model
from cad3d.errors import InputNotFound, ModelError
from cad3d.models.point_model import load_point_model
from cad3d.vision.clip_tower import load_clip_tower, tower_arch

pytestmark = pytest.mark.torch
torch.set_num_threads(1)
WIDTH, DEPTH, OUT = 128, 2, 48  # two heads of 64, as every CLIP ViT


def _vit(quick_gelu: bool = False) -> VisionTransformer:
    torch.manual_seed(0)
    vit = VisionTransformer(
        img_size=64, patch_size=16, embed_dim=WIDTH, depth=DEPTH, num_heads=WIDTH // 64,
        num_classes=OUT, pre_norm=True, global_pool="token",
        norm_layer=partial(torch.nn.LayerNorm, eps=1e-5),
        act_layer="quick_gelu" if quick_gelu else "gelu",
    )  # fmt: skip
    with torch.no_grad():
        for p in vit.parameters():
            p.add_(0.02 * torch.randn_like(p))  # nothing left at its initial zeros or ones
    return vit.eval()


def _openai_layout(vit: VisionTransformer) -> dict[str, torch.Tensor]:
    """The timm tower's weights under OpenAI CLIP's key names (what open_clip files hold),
    plus a text-tower tensor the loader must ignore."""
    sd = vit.state_dict()
    out = {
        "visual.conv1.weight": sd["patch_embed.proj.weight"],
        "visual.class_embedding": sd["cls_token"][0, 0],
        "visual.positional_embedding": sd["pos_embed"][0],
        "visual.proj": sd["head.weight"].t().contiguous(),
        "token_embedding.weight": torch.zeros(10, 8),
    }
    for ours, theirs in (("norm_pre", "ln_pre"), ("norm", "ln_post")):
        for p in ("weight", "bias"):
            out[f"visual.{theirs}.{p}"] = sd[f"{ours}.{p}"]
    names = {"norm1": "ln_1", "norm2": "ln_2", "attn.proj": "attn.out_proj",
             "mlp.fc1": "mlp.c_fc", "mlp.fc2": "mlp.c_proj"}  # fmt: skip
    for i in range(DEPTH):
        pre = f"visual.transformer.resblocks.{i}."
        out[pre + "attn.in_proj_weight"] = sd[f"blocks.{i}.attn.qkv.weight"]
        out[pre + "attn.in_proj_bias"] = sd[f"blocks.{i}.attn.qkv.bias"]
        for ours, theirs in names.items():
            for p in ("weight", "bias"):
                out[f"{pre}{theirs}.{p}"] = sd[f"blocks.{i}.{ours}.{p}"]
    return out


def _ink() -> torch.Tensor:
    ink = torch.zeros(2, 1, 96, 96)
    ink[0, 0, 40:44, 10:80] = 1.0  # a wall
    ink[1, 0, 10:80, 50:53] = 1.0
    return ink


def _expected(vit: VisionTransformer, ink: torch.Tensor) -> torch.Tensor:
    """What the tower must compute: CLIP's input is a white-paper RGB image, normalised."""
    mean = torch.tensor([0.48145466, 0.4578275, 0.40821073]).view(1, 3, 1, 1)
    std = torch.tensor([0.26862954, 0.26130258, 0.27577711]).view(1, 3, 1, 1)
    x = torch.nn.functional.interpolate(
        (1 - ink).expand(-1, 3, -1, -1), size=(64, 64), mode="bilinear", antialias=True
    )
    with torch.no_grad():
        return torch.nn.functional.normalize(vit((x - mean) / std), dim=-1)


@pytest.mark.parametrize("layout", ["openai", "timm"])
@pytest.mark.parametrize("suffix", [".safetensors", ".pt"])
def test_a_local_tower_embeds_as_the_model_it_came_from(tmp_path, layout, suffix):
    quick = layout == "openai"  # OpenAI's own weights use QuickGELU
    vit = _vit(quick)
    if layout == "openai":
        with torch.no_grad():
            vit.head.bias.zero_()  # CLIP's projection has no bias
    sd = _openai_layout(vit) if layout == "openai" else vit.state_dict()
    path = tmp_path / f"tower{suffix}"
    save_file(sd, path) if suffix == ".safetensors" else torch.save(sd, path)
    tower = load_clip_tower(path, quick_gelu=quick)
    assert tower_arch(sd)["img_size"] == 64 and tower.dim == OUT
    got = tower(_ink())
    assert torch.allclose(got, _expected(vit, _ink()), atol=1e-5)
    assert not torch.allclose(got[0], got[1], atol=1e-3)  # it sees the drawing
    assert not any(p.requires_grad for p in tower.parameters())  # frozen
    if layout == "openai":  # GELU vs QuickGELU is not in the shapes: the caller says
        other = load_clip_tower(path, quick_gelu=False)(_ink())
        assert not torch.allclose(other, got, atol=1e-4)


class _Payload:
    def __reduce__(self):
        return (print, ("pickled code ran",))


def test_bad_tower_files_give_one_line_errors(tmp_path):
    with pytest.raises(InputNotFound, match="no such file"):
        load_clip_tower(tmp_path / "missing.safetensors")
    (tmp_path / "junk.safetensors").write_bytes(b"\x00" * 64)
    with pytest.raises(ModelError, match="cannot read CLIP tower junk.safetensors") as e:
        load_clip_tower(tmp_path / "junk.safetensors")
    assert "\n" not in str(e.value)
    torch.save({"x": _Payload()}, tmp_path / "pickle.pt")
    with pytest.raises(ModelError, match="cannot read CLIP tower pickle.pt"):
        load_clip_tower(tmp_path / "pickle.pt")  # weights_only: the payload never runs
    save_file({"fc.weight": torch.zeros(3, 3)}, tmp_path / "other.safetensors")
    with pytest.raises(ModelError, match="not a CLIP image tower"):
        load_clip_tower(tmp_path / "other.safetensors")
    sd = _vit().state_dict()
    sd["blocks.0.attn.qkv.weight"] = sd["blocks.0.attn.qkv.weight"][:, :64].contiguous()
    save_file(sd, tmp_path / "broken.safetensors")
    with pytest.raises(ModelError, match="does not load"):
        load_clip_tower(tmp_path / "broken.safetensors")


def _tiny(**kw):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return create_diffusion_model(num_points=64, timesteps=50, preset="tiny", **kw)


def test_weights_given_a_tower_sample_as_before_and_the_tower_is_not_copied(tmp_path):
    tower = tmp_path / "tower.safetensors"
    save_file(_vit().state_dict(), tower)
    base = _tiny(weights="none")
    with torch.no_grad():  # as if trained: no layer left at its zero initialisation
        for p in base.net.parameters():
            p.add_(0.05 * torch.randn_like(p))
    path = base.save(tmp_path / "base.safetensors")
    grown = _tiny(weights=path, clip_tower=tower)
    cond = {"image": np.full((120, 160), 255, np.uint8), "scale": 0.05, "domain": "floorplan"}
    cond["image"][50:54, 20:140] = 0
    assert torch.equal(
        base.sample((1, 64, 3), cond, steps=3, seed=1),
        grown.sample((1, 64, 3), cond, steps=3, seed=1),
    )  # the projection starts at zero
    with torch.no_grad():
        grown.net.tower_proj.weight.normal_()
    moved = grown.sample((1, 64, 3), cond, steps=3, seed=1)
    assert not torch.equal(moved, base.sample((1, 64, 3), cond, steps=3, seed=1))
    saved = grown.save(tmp_path / "grown.safetensors")
    assert not any(k.startswith(("vit.", "_tower")) for k in grown.net.state_dict())
    assert saved.stat().st_size < path.stat().st_size + 4 * (OUT + 1) * 64  # + projection
    again = load_point_model(saved)  # the config names the user's file: read from there
    assert torch.equal(again.sample((1, 64, 3), cond, steps=3, seed=1), moved)
    tower.unlink()
    with pytest.raises(InputNotFound, match="CLIP tower .*no such file"):
        load_point_model(saved)
