"""Regenerate examples/: one small drawing per domain, its scale in a PNG tag and a JSON beside it.

python scripts/make_examples.py
"""

import json
from pathlib import Path

from PIL import Image, PngImagePlugin

from cad3d.data.synth import generate_sample

EXAMPLES = {
    "floorplan": 1_900_001,
    "part": 1_900_002,
    "landscape": 1_900_003,
}  # outside every split


def main() -> None:
    out = Path(__file__).resolve().parents[1] / "examples"
    out.mkdir(exist_ok=True)
    for domain, seed in EXAMPLES.items():
        s = generate_sample(domain, seed, num_points=2048)
        info = PngImagePlugin.PngInfo()
        info.add_text("cad3d:scale", repr(float(s.scale)))
        info.add_text("cad3d:domain", domain)
        Image.fromarray(s.image).save(out / f"{domain}.png", pnginfo=info, optimize=True)
        h, w = s.image.shape
        card = {
            "scale": float(s.scale),
            "units": "meters per pixel",
            "domain": domain,
            "size_px": [w, h],
            "size_m": [round(w * s.scale, 4), round(h * s.scale, 4)],
            "generator": f"cad3d.data.synth.generate_sample({domain!r}, {seed})",
        }
        (out / f"{domain}.json").write_text(json.dumps(card, indent=2) + "\n")
        print(f"examples/{domain}.png  {w} x {h} px at {s.scale:g} m/px")


if __name__ == "__main__":
    main()
