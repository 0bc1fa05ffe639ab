"""Train a preset from the command line (what `cad3d train` will call):

    python -m cad3d.training.run --preset default --data /tmp/cad3d_synth --samples 2000 \
        --out /tmp/cad3d_run --export core/cad3d/weights/default.safetensors [--resume]

Generates the synthetic data set if the folder is empty (seeds 0..samples-1, all domains, held
out: every sample whose seed is a multiple of `--val-every`), trains, and exports the EMA weights with a model card at every
validation improvement. `--resume` continues from `--out`'s last checkpoint.
"""

from __future__ import annotations

import argparse
import platform
from pathlib import Path


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="cad3d-train", description=__doc__.split("\n\n")[0])
    ap.add_argument("--preset", default="default", choices=["tiny", "default", "large"])
    ap.add_argument("--data", required=True, type=Path)
    ap.add_argument("--samples", type=int, default=2000)
    ap.add_argument(
        "--val-every", type=int, default=41, help="seed multiple held out for validation"
    )
    ap.add_argument("--out", required=True, type=Path)
    ap.add_argument("--export", type=Path, default=None)
    ap.add_argument("--epochs", type=int, default=100)
    ap.add_argument("--batch-size", type=int, default=8)
    ap.add_argument("--points", type=int, default=2048, help="points per training sample")
    ap.add_argument("--lr", type=float, default=3e-4)
    ap.add_argument("--save-every", type=int, default=200)
    ap.add_argument("--image-size", type=int, default=None, help="one resolution throughout")
    ap.add_argument(
        "--resolutions",
        default=None,
        help="progressive resolution, SIZE@START_FRACTION,...: e.g. 128@0,256@0.5",
    )
    ap.add_argument("--aux-boost", type=float, default=4.0, help="encoder-loss weight at step 0")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--device", default="cpu")
    ap.add_argument("--resume", action="store_true")
    ap.add_argument(
        "--init",
        type=Path,
        default=None,
        help="start from these weights: fine-tune (e.g. the shipped default) on --data",
    )
    ap.add_argument(
        "--clip-tower",
        type=Path,
        default=None,
        help="your own CLIP image tower (local .safetensors / .pt: OpenAI, open_clip or timm)",
    )
    ap.add_argument(
        "--clip-quick-gelu", action="store_true", help="the tower is OpenAI's (QuickGELU)"
    )
    args = ap.parse_args(argv)

    import torch

    torch.set_num_threads(args.threads)
    from ..diffusion_3d_model import create_diffusion_model
    from ..diffusion_trainer import CAD2D3DDataset, DiffusionTrainer, create_synthetic_training_data
    from ..errors import InputNotFound
    from ..models.config import get_config
    from ..models.device import resolve_device
    from ..models.point_model import load_point_model

    if not (args.data / "images").is_dir() or not any((args.data / "images").glob("*.png")):
        if (
            args.init is not None
        ):  # fine-tuning: the user's folder, never filled with synthetic data
            raise InputNotFound(f"{args.data} holds no images/*.png (see DESIGN.md's data layout)")
        create_synthetic_training_data(args.data, args.samples, domain="all", seed=0)
    if args.init is not None:  # the preset's newer parts (and a tower) are added to it
        grow = get_config(args.preset)
        if args.clip_tower is not None:
            grow.use_clip_tower(args.clip_tower, args.clip_quick_gelu)
        model = load_point_model(args.init, resolve_device(args.device), grow)
    else:
        model = create_diffusion_model(
            preset=args.preset,
            weights="none",
            device=args.device,
            clip_tower=args.clip_tower,
            clip_tower_quick_gelu=args.clip_quick_gelu,
        )
    names = sorted(  # complete samples only (a generator may still be writing); maps optional
        p.stem
        for p in (args.data / "images").glob("*.png")
        if (args.data / "pointclouds" / f"{p.stem}.npy").is_file()
        and (args.data / "meta" / f"{p.stem}.json").is_file()
    )
    if not names:
        raise InputNotFound(f"{args.data}: no sample has images/, pointclouds/ and meta/ files")
    is_val = [_is_val(n, k, args.val_every) for k, n in enumerate(names)]
    train_names = [n for n, v in zip(names, is_val, strict=True) if not v]
    val_names = [n for n, v in zip(names, is_val, strict=True) if v]
    stages = tuple(
        (float(f), int(sz))
        for sz, f in (item.split("@") for item in (args.resolutions or "").split(",") if item)
    )
    size = stages[0][1] if stages else (args.image_size or model.cfg.encoder.image_size)
    model.cfg.encoder.input_size = size  # sampling letterboxes drawings as training did
    den = model.cfg.denoiser
    fine = den.fine_image_size if den.fine_patch_size else 0
    train = CAD2D3DDataset(args.data, size, args.points, True, names=train_names, fine_size=fine)
    val = CAD2D3DDataset(args.data, size, args.points, False, names=val_names, fine_size=fine)

    data_card = _data_card(args.data, train_names, val_names)  # read the metas once

    class Exporting(DiffusionTrainer):
        def export(self, path, card=None):  # best by validation: also ship it
            out = super().export(path, card)
            if args.export is not None:
                super().export(args.export, self._card(card))
            return out

        def _card(self, card):
            return dict(
                card or {},
                preset=args.preset,
                data=data_card,
                batch_size=args.batch_size,
                points_per_sample=args.points,
                image_size=model.cfg.encoder.input_size,
                resolutions=[list(st) for st in stages] or None,
                aux_boost=args.aux_boost,
                train_wall_time_s=round(self.train_seconds, 1),
                hardware=f"{platform.processor() or platform.machine()}, {args.threads} thread(s), {args.device}",
                torch=torch.__version__,
                eval="not yet measured (cad3d eval --method diffusion)",
            )

    trainer = Exporting(
        model,
        args.device,
        args.lr,
        out_dir=args.out,
        warmup_steps=500,
        resolutions=stages,
        aux_boost=args.aux_boost,
    )
    if args.resume and (args.out / "last.json").is_file():
        trainer.load_checkpoint(args.out)
        print(f"resumed at step {trainer.step}, epoch {trainer.epoch}")
    trainer.train(
        train, val, epochs=args.epochs, batch_size=args.batch_size, save_every=args.save_every
    )
    return 0


def _is_val(name: str, index: int, every: int) -> bool:
    """Held out for validation: synthetic samples whose seed (the name's number) is a multiple
    of `every` (stable as the data set grows, so best-by-validation stays comparable across
    resumes); other names: every `every`-th in sorted order."""
    tail = name.rsplit("_", 1)[-1]
    return (int(tail) if tail.isdigit() else index) % every == 0


def _data_card(root: Path, train: list[str], val: list[str]) -> dict:
    """What the model was trained on: generator, seeds, domains, degraded share."""
    import json
    from collections import Counter

    metas = [json.loads((root / "meta" / f"{n}.json").read_text()) for n in train + val]
    seeds = [int(m.get("seed", 0)) for m in metas]
    return {
        "generator": "cad3d.data.synth (cad3d synth)",
        "seeds": [min(seeds, default=0), max(seeds, default=0)],
        "domains": dict(Counter(m.get("domain", "?") for m in metas)),
        "degraded": sum(bool(m.get("degraded")) for m in metas),
        "train": len(train),
        "val": len(val),
    }


if __name__ == "__main__":
    raise SystemExit(main())
