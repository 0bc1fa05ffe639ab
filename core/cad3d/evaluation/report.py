"""Evaluation results as Markdown tables (one per domain and condition) and as JSON.

`format_tables` takes one `run_eval` result or a list of them (one per method): each table has
one row per method, so the README's comparison is a paste.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

from ..io.atomic import atomic_path

# column title, summary key, formatter
_COLUMNS = (
    ("Chamfer-L1", "chamfer_l1", "length"),
    ("F@tau", "f", "share"),
    ("precision", "precision", "share"),
    ("recall", "recall", "share"),
    ("normal cons.", "normal_consistency", "share"),
    ("plan IoU", "plan_iou", "share"),
    ("openings right", "openings", "share"),
    ("points within tau", "pts_precision", "share"),
    ("points coverage", "pts_coverage", "share"),
    ("coverage ceiling", "pts_ceiling", "share"),
    ("points in openings", "pts_in_openings", "share4"),
    ("points Chamfer-L1", "pts_chamfer_l1", "length"),
    ("s / drawing", "seconds", "seconds"),
    ("failures", "failures", "count"),
)


def _length(v: float, domain: str) -> str:
    return f"{v * 1000:.2f} mm" if domain == "part" else f"{v * 100:.1f} cm"


def _cell(v: Any, kind: str, domain: str) -> str:
    if v is None or (isinstance(v, float) and not math.isfinite(v)):
        return "–"
    if kind == "length":
        return _length(v, domain)
    if kind == "share":
        return f"{v:.3f}"
    if kind == "share4":
        return f"{v:.4f}"
    if kind == "seconds":
        return f"{v:.2f}"
    return str(v)


def format_tables(results: dict[str, Any] | list[dict[str, Any]]) -> str:
    """Markdown: for each domain and condition, a table with one row per method."""
    runs = [results] if isinstance(results, dict) else list(results)
    sections: list[str] = []
    keys: list[tuple[str, str]] = []
    for run in runs:
        for domain, by_cond in run["results"].items():
            for condition in by_cond:
                if (domain, condition) not in keys:
                    keys.append((domain, condition))
    for domain, condition in keys:
        rows = [
            (r, r["results"][domain][condition])
            for r in runs
            if condition in r["results"].get(domain, {})
        ]
        cols = [c for c in _COLUMNS if any(c[1] in s for _, s in rows)]
        tau = next((r["tau"][domain] for r, _ in rows if domain in r.get("tau", {})), None)
        n = max(s["n"] for _, s in rows)
        head = f"### {domain}, {condition} ({n} drawings"
        head += f", tau = {_length(tau, domain)})" if tau is not None else ")"
        lines = [head, "", "| method | " + " | ".join(c[0] for c in cols) + " |"]
        lines.append("| --- |" + " ---: |" * len(cols))
        for run, s in rows:
            label = run["method"] + (
                f" ({run['steps']} steps)"
                if run.get("steps") and run["method"] not in ("extrude", "vit")
                else ""
            )
            cells = [_cell(s.get(key), kind, domain) for _, key, kind in cols]
            lines.append(f"| {label} | " + " | ".join(cells) + " |")
        sections.append("\n".join(lines))
    return "\n\n".join(sections) + "\n"


def _clean(obj: Any) -> Any:
    """JSON-safe copy: nan/inf -> None, numpy scalars -> Python numbers."""
    if isinstance(obj, dict):
        return {str(k): _clean(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [_clean(v) for v in obj]
    if hasattr(obj, "item") and not isinstance(obj, str | bytes):
        obj = obj.item()
    if isinstance(obj, float) and not math.isfinite(obj):
        return None
    return obj


def write_json(results: dict[str, Any] | list[dict[str, Any]], path: str | Path) -> Path:
    """Write the results as strict JSON (no NaN), atomically. Returns the path."""
    path = Path(path)
    text = json.dumps(_clean(results), indent=1, allow_nan=False)
    with atomic_path(path) as tmp:
        tmp.write_text(text + "\n")
    return path


def write_markdown(results: dict[str, Any] | list[dict[str, Any]], path: str | Path) -> Path:
    """Write `format_tables(results)` to `path`, atomically."""
    path = Path(path)
    with atomic_path(path) as tmp:
        tmp.write_text(format_tables(results))
    return path
