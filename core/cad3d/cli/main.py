"""`cad3d` command line: convert, synth, train, eval, info.

Every user-facing failure prints one line, `cad3d: error: ...`, and exits with the error's code
(see cad3d/errors.py); no traceback, no partial output file.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
import warnings
from pathlib import Path

from ..errors import Cad3dError, UsageError


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # argparse's own errors share our one-line form
        raise UsageError(message)


def _add_convert(sub) -> None:
    p = sub.add_parser("convert", help="convert a drawing to 3D (DXF, OBJ, STL, PLY, GLB, FCStd)")
    p.add_argument("input", type=Path, help="drawing: PNG, JPEG, TIFF, BMP, WebP, PDF, 2D DXF")
    p.add_argument(
        "-o",
        "--output",
        type=Path,
        required=True,
        help="output file; its extension picks the format",
    )
    p.add_argument("--method", default="extrude", choices=["extrude", "vit", "diffusion", "hybrid"])
    p.add_argument(
        "--scale", type=float, help="meters per pixel (else the file's tag, or --drawing-scale)"
    )
    p.add_argument(
        "--drawing-scale", help="paper scale such as 1:100 (with the file's DPI or --dpi)"
    )
    p.add_argument(
        "--dpi", type=float, help="dots per inch of a scan, or the PDF render resolution"
    )
    p.add_argument("--page", type=int, default=0, help="page of a PDF or multi-page TIFF (0-based)")
    p.add_argument("--kind", default="auto", choices=["auto", "floorplan", "part", "landscape"])
    p.add_argument("--steps", type=int, default=50, help="sampling steps of the learned methods")
    p.add_argument("--dxf-entity", default="polyface", choices=["polyface", "mesh", "3dface"])
    p.add_argument("--preview", type=Path, help="also write a PNG: the drawing beside the 3D view")
    p.add_argument("--overwrite", action="store_true", help="replace OUTPUT if it exists")
    p.add_argument(
        "--layers",
        type=Path,
        help='2D DXF: JSON of extra layer keywords per class, e.g. {"WALL": ["BETON"], "TREE": ["GEHOELZ"]}',
    )
    p.set_defaults(func=_cmd_convert)


def _cmd_convert(a: argparse.Namespace) -> int:
    from ..api import convert, load, save

    for out in (a.output, a.preview):
        if out is not None and out.exists() and not a.overwrite:
            raise UsageError(f"{out} exists; pass --overwrite to replace it")
    drawing = load(
        a.input,
        scale=a.scale,
        kind=a.kind,
        page=a.page,
        drawing_scale=a.drawing_scale,
        dpi=a.dpi,
        layer_table=a.layers,
    )
    with _progress_bar(f"{a.method}") as progress:
        result = convert(drawing, method=a.method, steps=a.steps, progress=progress)
    from ..converters.sanity import check_plausible

    for warning in check_plausible(result, drawing):  # a hint on a likely wrong scale; never blocks
        print(f"cad3d: warning: {warning}", file=sys.stderr)
    placed = result
    origin = drawing.notes.get("dxf_origin")
    if origin is not None and a.output.suffix.lower() == ".dxf":  # 3D lands on the input 2D DXF
        from ..io.dxf2d import to_input_coordinates

        placed = to_input_coordinates(result, origin)
    save(placed, a.output, dxf_entity=a.dxf_entity)
    if a.preview is not None:
        from ..exchange.preview import render_preview

        render_preview(drawing.image, result, a.preview)
    size = ""
    if result.meshes:
        lo, hi = result.meshes.bounds
        size = " x ".join(f"{v:.3g}" for v in hi - lo) + " m, "
    print(
        f"{a.input} -> {a.output}: {result.domain}, {result.method}, classes "
        f"{', '.join(result.meshes.classes) or 'none'}, {size}{result.seconds:.2f} s"
    )
    return 0


@contextlib.contextmanager
def _progress_bar(label: str):
    """A tqdm bar on stderr for the converter's progress(fraction, message) calls."""
    from tqdm import tqdm

    with tqdm(total=100, desc=label, unit="%", leave=False, disable=None, file=sys.stderr) as bar:

        def progress(fraction: float, message: str = "") -> None:
            bar.n = round(100 * min(max(fraction, 0.0), 1.0))
            bar.set_postfix_str(message, refresh=False)
            bar.refresh()

        yield progress


def _add_synth(sub) -> None:
    p = sub.add_parser("synth", help="generate synthetic drawings with exact 3D ground truth")
    p.add_argument("output", type=Path, help="dataset folder (DESIGN.md layout)")
    p.add_argument("--n", type=int, default=100)
    p.add_argument("--domain", default="all", choices=["all", "floorplan", "part", "landscape"])
    p.add_argument("--seed", type=int, default=0)
    p.add_argument(
        "--degraded-fraction", type=float, default=0.0, help="share of scan-degraded samples"
    )
    p.set_defaults(func=_cmd_synth)


def _cmd_synth(a: argparse.Namespace) -> int:
    if a.seed + a.n > 1_000_000:
        raise UsageError("training seeds must stay below 1000000 (held-out evaluation uses those)")
    from ..data.synth import create_dataset

    names = create_dataset(
        a.output, a.n, domain=a.domain, seed=a.seed, degraded_fraction=a.degraded_fraction
    )
    print(f"wrote {len(names)} samples to {a.output}")
    return 0


def _add_eval(sub) -> None:
    p = sub.add_parser(
        "eval", help="score a method on held-out synthetic drawings, clean and degraded"
    )
    p.add_argument("--method", default="extrude", choices=["extrude", "vit", "diffusion", "hybrid"])
    p.add_argument("--domain", default="all", choices=["all", "floorplan", "part", "landscape"])
    p.add_argument("--n", type=int, default=20, help="drawings per domain and condition")
    p.add_argument("--steps", type=int, default=50)
    p.add_argument(
        "--json", type=Path, default=Path("eval.json"), help="where to write the figures"
    )
    p.set_defaults(func=_cmd_eval)


def _cmd_eval(a: argparse.Namespace) -> int:
    from ..classes import DOMAINS
    from ..evaluation.harness import run_eval
    from ..evaluation.report import format_tables, write_json

    domains = list(DOMAINS) if a.domain == "all" else [a.domain]
    results = run_eval(a.method, domains, a.n, steps=a.steps)
    print(format_tables(results))
    write_json(results, a.json)
    print(f"figures written to {a.json}")
    return 0


def _add_train(sub) -> None:
    p = sub.add_parser(
        "train", add_help=False, help="train the learned engine (cad3d train --help)"
    )
    p.add_argument(
        "rest", nargs=argparse.REMAINDER, help="options of the trainer (--preset, --data, --resume)"
    )
    p.set_defaults(func=_cmd_train)


def _cmd_train(a: argparse.Namespace) -> int:
    return _train(a.rest)


def _train(argv: list[str]) -> int:
    """`cad3d train ...` hands every argument to the trainer's own parser."""
    try:
        from ..training.run import main as train_main
    except ImportError as exc:
        from ..errors import DependencyMissing

        raise DependencyMissing(f"training needs torch and timm ({exc.msg})") from None
    return int(train_main(argv) or 0)


def _add_info(sub) -> None:
    p = sub.add_parser("info", help="versions, devices, available methods and weights")
    p.set_defaults(func=_cmd_info)


def _cmd_info(a: argparse.Namespace) -> int:
    from .info import collect_info

    for key, value in collect_info().items():
        print(f"{key:>14}: {value}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    from .. import __version__

    parser = _Parser(prog="cad3d", description="Turn 2D CAD drawings into 3D models.")
    parser.add_argument("--version", action="version", version=f"cad3d {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    for add in (_add_convert, _add_synth, _add_train, _add_eval, _add_info):
        add(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point of the `cad3d` console script."""
    warnings.simplefilter("default")
    warnings.formatwarning = lambda msg, *a, **k: f"cad3d: warning: {msg}\n"
    argv = sys.argv[1:] if argv is None else list(argv)
    try:
        if argv[:1] == ["train"]:  # the trainer parses its own options, --help included
            return _train(argv[1:])
        args = build_parser().parse_args(argv)
        return args.func(args)
    except Cad3dError as exc:
        print(f"cad3d: error: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("cad3d: interrupted", file=sys.stderr)
        return 130
    except MemoryError:
        print("cad3d: error: out of memory; try a smaller drawing or --dpi", file=sys.stderr)
        return 12
    except Exception as exc:  # a bug of ours: one line for the user, the traceback on request
        if os.environ.get("CAD3D_DEBUG"):
            raise
        print(
            f"cad3d: internal error: {type(exc).__name__}: {str(exc).splitlines()[0][:200] if str(exc) else ''}"
            " (set CAD3D_DEBUG=1 for the traceback and please report it)",
            file=sys.stderr,
        )
        return 70


if __name__ == "__main__":
    sys.exit(main())
