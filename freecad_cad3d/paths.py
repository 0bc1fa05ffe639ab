"""Where the addon and its per-user state live, and the `sys.path` set-up for FreeCAD.

FreeCAD executes `Init.py` and `InitGui.py` without `__file__`, so every path is computed here
from this module's own location. Nothing here imports FreeCAD at module level: engine workers
running in a plain Python import this module too.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

# Folders where Debian / Ubuntu / Conda / AppImage builds keep FreeCAD's Python modules.
FREECAD_LIB_DIRS = (
    "/usr/lib/freecad-python3/lib",
    "/usr/lib/freecad/lib",
    "/usr/local/lib/freecad/lib",
    "/usr/lib64/freecad/lib",
    "/opt/freecad/lib",
    "/Applications/FreeCAD.app/Contents/Resources/lib",
)


def addon_dir() -> Path:
    """The addon's root folder (the one holding Init.py, package.xml, core/)."""
    return Path(__file__).resolve().parent.parent


def core_dir() -> Path:
    """The folder that holds the engine package `cad3d` (put on sys.path, not imported as `core`)."""
    return addon_dir() / "core"


def icons_dir() -> Path:
    return addon_dir() / "icons"


def icon(name: str) -> str:
    """Absolute path of an icon by command name: `icon("CAD3D_ConvertSketch")`."""
    return str(icons_dir() / (name if name.endswith(".svg") else name + ".svg"))


def user_data_dir() -> Path:
    """Per-user folder for everything that changes (engine venv, replay buffer, logs).

    FreeCAD's user data dir + `cad3d` when FreeCAD is loaded, the platform data dir otherwise;
    never the addon folder, which the Addon Manager replaces on update.
    """
    app = sys.modules.get("FreeCAD")
    if app is not None and hasattr(app, "getUserAppDataDir"):
        return Path(app.getUserAppDataDir()) / "cad3d"
    if sys.platform.startswith("win"):
        base = Path(os.environ.get("APPDATA", Path.home() / "AppData" / "Roaming")) / "FreeCAD"
    elif sys.platform == "darwin":
        base = Path.home() / "Library" / "Application Support" / "FreeCAD"
    else:
        base = Path(os.environ.get("XDG_DATA_HOME", Path.home() / ".local" / "share")) / "FreeCAD"
    return base / "cad3d"


def ensure_user_data_dir() -> Path:
    """Create the per-user folder readable by its owner only (0700): it holds logs and learned data."""
    folder = user_data_dir()
    folder.mkdir(parents=True, exist_ok=True)
    os.chmod(folder, 0o700)
    return folder


def venv_dir() -> Path:
    """The engine's private venv, created by CAD3D_InstallEngine."""
    return user_data_dir() / "venv"


def venv_site_packages(venv: Path | None = None) -> Path | None:
    """The venv's site-packages for *this* interpreter's Python version, or None.

    A venv made for another Python version holds binary modules this interpreter cannot load,
    so it is ignored here (the engine then runs in its own process).
    """
    venv = venv_dir() if venv is None else venv
    ver = f"python{sys.version_info.major}.{sys.version_info.minor}"
    for cand in (venv / "lib" / ver / "site-packages", venv / "Lib" / "site-packages"):
        if cand.is_dir():
            return cand
    return None


def _dist_index(path: list[str]) -> int:
    """Index of the first system `dist-packages`/`site-packages` entry (len(path) if none)."""
    for i, p in enumerate(path):
        if p.rstrip("/\\").endswith(("dist-packages", "site-packages")):
            return i
    return len(path)


def setup_sys_path(path: list[str] | None = None, venv: Path | None = None) -> list[str]:
    """Make `import cad3d` and the engine's dependencies work inside FreeCAD. Idempotent.

    Puts `core/` at the front and the engine venv's site-packages (when it exists) before the
    first system dist-packages entry, so the venv's torch beats Debian's old sympy.
    Returns the entries added.
    """
    path = sys.path if path is None else path
    added = []
    core = str(core_dir())
    if core not in path:
        path.insert(0, core)
        added.append(core)
    site = venv_site_packages(venv)
    if site is not None:
        s = str(site)
        if s in path:
            path.remove(s)
        path.insert(_dist_index(path), s)
        added.append(s)
    return added


def ensure_freecad_importable() -> bool:
    """Add the usual FreeCAD lib folders to sys.path until `import FreeCAD` works."""
    try:
        import FreeCAD  # noqa: F401

        return True
    except ImportError:
        pass
    extra = [os.environ["FREECAD_LIB"]] if os.environ.get("FREECAD_LIB") else []
    for d in (*extra, *FREECAD_LIB_DIRS):
        if Path(d, "FreeCAD.so").exists() or Path(d, "FreeCAD.pyd").exists():
            if d not in sys.path:
                sys.path.append(d)
            try:
                import FreeCAD  # noqa: F401, F811

                return True
            except ImportError:
                sys.path.remove(d)
    return False
