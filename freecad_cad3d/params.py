"""The workbench's preferences: one typed table of defaults, stored with FreeCAD.ParamGet.

    >>> from freecad_cad3d import params
    >>> params.get("Steps")
    50
    >>> params.set("Steps", 25)

Stored under "User parameter:BaseApp/Preferences/Mod/CAD3D" (user.cfg), so they survive a
restart. Without FreeCAD (plain Python, tests) values live in a dict for the process.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

GROUP = "User parameter:BaseApp/Preferences/Mod/CAD3D"

METHODS = ("extrude", "vit", "diffusion", "hybrid", "selftest")
SAMPLERS = ("ddpm", "ddim", "dpm")  # the engine's names (cad3d.models.point_model)
KINDS = ("auto", "floorplan", "part", "landscape")
DEVICES = ("auto", "cpu", "cuda", "mps")


@dataclass(frozen=True)
class Param:
    name: str
    default: Any
    doc: str
    choices: tuple[str, ...] | None = None

    @property
    def type(self) -> type:
        return type(self.default)


# The panel starts on extrude: with the weights shipped today the learned methods score below it
# (README, "Accuracy and speed"); hybrid becomes the default when `cad3d eval` says it wins.
TABLE: tuple[Param, ...] = (
    Param(
        "Method", "extrude", "conversion method (falls back to extrude when unavailable)", METHODS
    ),
    Param("Steps", 50, "sampling steps of the diffusion"),
    Param(
        "Sampler", "ddim", "DDPM (all steps), DDIM, or the few-step solver (DPM-Solver++)", SAMPLERS
    ),
    Param("Eta", 0.0, "DDIM eta: 0 deterministic, 1 as noisy as DDPM"),
    Param("Guidance", 3.0, "classifier-free guidance scale"),
    Param("NumPoints", 4096, "points sampled per drawing"),
    Param("Device", "auto", "compute device of the engine", DEVICES),
    Param("Scale", 0.0, "meters per pixel of image drawings; 0: read it from the drawing"),
    Param("Kind", "auto", "drawing kind", KINDS),
    Param("LivePreview", True, "draw the denoising points in the 3D view while converting"),
    Param("KeepPoints", False, "keep the point cloud as a Points object in the result"),
    Param("EnginePython", "", "interpreter of the engine worker; empty: the engine venv's"),
    Param("WheelDir", "", "local wheel folder last used by Install engine"),
)
BY_NAME: dict[str, Param] = {p.name: p for p in TABLE}

_memory: dict[str, Any] = {}  # the store when FreeCAD is not importable


def _group():
    try:
        import FreeCAD
    except ImportError:
        return None
    return FreeCAD.ParamGet(GROUP)


_GET = {bool: "GetBool", int: "GetInt", float: "GetFloat", str: "GetString"}
_SET = {bool: "SetBool", int: "SetInt", float: "SetFloat", str: "SetString"}


def get(name: str) -> Any:
    """The stored value of preference `name`, or its default; a bad stored choice -> default."""
    p = BY_NAME[name]
    grp = _group()
    value = (
        _memory.get(name, p.default) if grp is None else getattr(grp, _GET[p.type])(name, p.default)
    )
    if p.choices is not None and value not in p.choices:
        return p.default
    return value


def set(name: str, value: Any) -> None:  # noqa: A001 - the natural verb beside get()
    """Store preference `name` (converted to its table type)."""
    p = BY_NAME[name]
    value = p.type(value)
    if p.choices is not None and value not in p.choices:
        raise ValueError(f"{name} must be one of {', '.join(p.choices)}, not {value!r}")
    grp = _group()
    if grp is None:
        _memory[name] = value
    else:
        getattr(grp, _SET[p.type])(name, value)


def reset(name: str) -> None:
    """Back to the default (removes the stored value)."""
    p = BY_NAME[name]
    grp = _group()
    if grp is None:
        _memory.pop(name, None)
    else:
        getattr(grp, "Rem" + _GET[p.type][3:])(name)


def values() -> dict[str, Any]:
    """Every preference by name."""
    return {p.name: get(p.name) for p in TABLE}
