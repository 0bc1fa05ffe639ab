"""Copy the eval figures of the shipped weights into their model card.

    python scripts/card_eval.py docs/eval_diffusion.json docs/eval_hybrid.json docs/eval_vit.json

Each JSON is what `cad3d eval --method M --domain all --n N --json F` wrote with the shipped
weights; the card (core/cad3d/weights/default.json) gets, per method, domain and condition, the
summary figures and the command that reproduces them.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

CARD = Path(__file__).resolve().parent.parent / "core" / "cad3d" / "weights" / "default.json"
KEYS = ("f", "chamfer_l1", "plan_iou", "openings", "pts_precision", "pts_coverage",
        "pts_ceiling", "pts_in_openings", "pts_chamfer_l1", "seconds")  # fmt: skip


def main(paths: list[str]) -> None:
    card = json.loads(CARD.read_text())
    figures = {}
    for p in paths:
        run = json.loads(Path(p).read_text())
        figures[run["method"]] = {
            "command": f"cad3d eval --method {run['method']} --domain all --n {run['n']}",
            "steps": run.get("steps"),
            "results": {
                d: {c: {k: s.get(k) for k in KEYS if s.get(k) is not None} for c, s in by.items()}
                for d, by in run["results"].items()
            },
        }
    card["eval"] = figures
    CARD.write_text(json.dumps(card, indent=1) + "\n")
    print(f"eval figures of {', '.join(figures)} written to {CARD}")


if __name__ == "__main__":
    main(sys.argv[1:])
