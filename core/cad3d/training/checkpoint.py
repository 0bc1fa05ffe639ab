"""Weights and training state on disk: safetensors for tensors, JSON for the rest. Never pickle.

A training checkpoint is `ckpt-<step>.safetensors` (model.*, ema.*, optim.* tensors) plus
`last.json` naming it; both are written atomically, the JSON last, so a run killed at any moment
resumes from the previous complete save. Shipped weights are one safetensors file (EMA weights)
with a model-card JSON beside it.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import Any

import torch
from torch import nn

from ..errors import ModelError
from ..io.atomic import atomic_path


def sha256(path: str | Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def save_tensors(
    path: str | Path, tensors: dict[str, torch.Tensor], meta: dict[str, Any] | None = None
) -> Path:
    """Write tensors atomically as safetensors; `meta` (JSON-able) goes in its header."""
    from safetensors.torch import save_file

    path = Path(path)
    flat = {k: v.detach().cpu().contiguous() for k, v in tensors.items()}
    header = {"cad3d": json.dumps(meta)} if meta is not None else None
    with atomic_path(path) as tmp:
        save_file(flat, str(tmp), metadata=header)
        os.chmod(tmp, 0o644)  # shipped weights are read by every user (mkstemp makes 0600)
    return path


def load_tensors(path: str | Path) -> tuple[dict[str, torch.Tensor], dict[str, Any]]:
    """(tensors, meta) from a safetensors file; ModelError (one line) if missing or corrupt."""
    from safetensors import safe_open

    path = Path(path)
    if not path.is_file():
        raise ModelError(f"weights file {path} not found")
    try:
        tensors = {}
        with safe_open(str(path), framework="pt") as f:
            header = f.metadata() or {}
            for k in f.keys():
                tensors[k] = f.get_tensor(k)
        meta = json.loads(header["cad3d"]) if "cad3d" in header else {}
    except Exception as exc:  # safetensors raises several types for a damaged file
        raise ModelError(
            f"weights file {path} is corrupt or not safetensors ({type(exc).__name__})"
        ) from None
    return tensors, meta


def load_module(
    module: nn.Module,
    tensors: dict[str, torch.Tensor],
    source: str = "weights",
    new: tuple[str, ...] = (),
) -> None:
    """Load `tensors` into `module` strictly; ModelError names the first mismatch.

    new: name prefixes of parts the weights may lack (added to an older model: they keep their
    initialisation, e.g. a zero-initialised input path)."""
    own = module.state_dict()
    tensors = dict(tensors) | {
        k: v for k, v in own.items() if k.startswith(new) and k not in tensors
    }
    missing = [k for k in own if k not in tensors]
    extra = [k for k in tensors if k not in own]
    if missing or extra:
        what = f"missing {missing[0]}" if missing else f"unexpected {extra[0]}"
        raise ModelError(
            f"{source} do not fit this model ({what}; {len(missing)} missing, {len(extra)} unexpected)"
        )
    for k, v in own.items():
        if tensors[k].shape != v.shape:
            raise ModelError(
                f"{source} do not fit this model ({k}: {tuple(tensors[k].shape)} vs {tuple(v.shape)})"
            )
    module.load_state_dict({k: tensors[k].to(v.dtype) for k, v in own.items()})


def write_json(path: str | Path, data: dict[str, Any]) -> Path:
    path = Path(path)
    with atomic_path(path) as tmp:
        tmp.write_text(json.dumps(data, indent=1, default=float))
        os.chmod(tmp, 0o644)
    return path


def read_json(path: str | Path) -> dict[str, Any]:
    path = Path(path)
    if not path.is_file():
        raise ModelError(f"checkpoint {path} not found")
    try:
        return json.loads(path.read_text())
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise ModelError(f"checkpoint {path} is not valid JSON") from None


# optimizer state <-> flat tensors + JSON -----------------------------------------------------
def optimizer_to_flat(opt: torch.optim.Optimizer) -> tuple[dict[str, torch.Tensor], dict[str, Any]]:
    sd = opt.state_dict()
    tensors, scalars = {}, {}
    for idx, st in sd["state"].items():
        for k, v in st.items():
            if torch.is_tensor(v):
                tensors[f"optim.{idx}.{k}"] = v
            else:
                scalars[f"{idx}.{k}"] = v
    return tensors, {"param_groups": sd["param_groups"], "scalars": scalars}


def optimizer_from_flat(
    opt: torch.optim.Optimizer, tensors: dict[str, torch.Tensor], info: dict[str, Any]
) -> None:
    state: dict[int, dict[str, Any]] = {}
    for name, v in tensors.items():
        if name.startswith("optim."):
            _, idx, k = name.split(".", 2)
            state.setdefault(int(idx), {})[k] = v
    for name, v in info.get("scalars", {}).items():
        idx, k = name.split(".", 1)
        state.setdefault(int(idx), {})[k] = v
    opt.load_state_dict({"state": state, "param_groups": info["param_groups"]})


def save_training_checkpoint(
    folder: str | Path,
    step: int,
    tensors: dict[str, torch.Tensor],
    state: dict[str, Any],
    keep: int = 1,
) -> Path:
    """Write ckpt-<step>.safetensors, then last.json pointing to it; prune older ckpt files
    (keeping `keep`). Returns the JSON path."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    name = f"ckpt-{step:08d}.safetensors"
    save_tensors(folder / name, tensors)
    state = dict(state, weights_file=name, weights_sha256=sha256(folder / name), step=step)
    out = write_json(folder / "last.json", state)
    for old in sorted(folder.glob("ckpt-*.safetensors"))[:-keep]:
        if old.name != name:
            old.unlink(missing_ok=True)
    return out


def load_training_checkpoint(path: str | Path) -> tuple[dict[str, torch.Tensor], dict[str, Any]]:
    """(tensors, state) from a checkpoint folder or its last.json."""
    path = Path(path)
    if path.is_dir():
        path = path / "last.json"
    state = read_json(path)
    if "weights_file" not in state:
        raise ModelError(f"{path} is not a cad3d training checkpoint")
    wpath = path.parent / state["weights_file"]
    tensors, _ = load_tensors(wpath)
    if state.get("weights_sha256") and sha256(wpath) != state["weights_sha256"]:
        raise ModelError(f"checkpoint weights {wpath} do not match their sha256 in {path.name}")
    return tensors, state
