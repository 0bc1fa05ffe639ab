"""The engine's private venv: where it lives, the commands that make it, and pip's output read.

The Addon Manager pip-installs only packages on its allow-list (torch, timm, opencv are not on
it), and installing into FreeCAD's own Python could break FreeCAD. So CAD3D_InstallEngine makes a
venv in the per-user data folder (`paths.venv_dir()`) and pip-installs
`requirements-engine.txt` there, from PyPI or from a local wheel folder (offline). The GUI runs
these commands through a QProcess (`gui/install_dialog.py`); everything here is plain Python.
"""

from __future__ import annotations

import re
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path

REQUIREMENTS = Path(__file__).with_name("requirements-engine.txt")


def venv_python(venv: Path) -> Path:
    """The interpreter inside a venv (Scripts\\python.exe on Windows, bin/python elsewhere)."""
    if sys.platform.startswith("win"):
        return venv / "Scripts" / "python.exe"
    return venv / "bin" / "python"


def base_python() -> str | None:
    """A real Python to create the venv with (inside FreeCAD, sys.executable is FreeCAD itself).

    FreeCAD's Windows and macOS bundles ship python next to their executable or in their
    prefix; Linux distribution builds use the system python3.
    """
    exe = Path(sys.executable)
    names = (
        ("python.exe", "python3.exe") if sys.platform.startswith("win") else ("python3", "python")
    )
    cands = []
    if exe.name.lower().startswith("python"):
        cands.append(exe)
    cands += [exe.parent / n for n in names]
    cands += [Path(sys.prefix) / "bin" / n for n in names] + [Path(sys.prefix) / n for n in names]
    for c in cands:
        if c.is_file():
            return str(c)
    for n in names:
        found = shutil.which(n)
        if found:
            return found
    return None


def requirement_names(path: Path = REQUIREMENTS) -> list[str]:
    """Package names listed in a requirements file (comments and options skipped)."""
    names = []
    for line in path.read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if line and not line.startswith("-"):
            names.append(re.split(r"[<>=!~\[; ]", line, maxsplit=1)[0].lower())
    return names


def venv_command(python: str, venv: Path) -> list[str]:
    return [python, "-m", "venv", str(venv)]


TORCH_CPU_INDEX = "https://download.pytorch.org/whl/cpu"


def wants_cpu_torch() -> bool:
    """True where PyPI's default torch would bring ~3 GB of CUDA libraries for nothing
    (Linux / Windows without an NVIDIA driver); macOS wheels are CPU/MPS already."""
    return sys.platform != "darwin" and shutil.which("nvidia-smi") is None


def pip_command(
    venv: Path,
    requirements: Path = REQUIREMENTS,
    wheels: Path | None = None,
    offline: bool = False,
    cpu_torch: bool = False,
) -> list[str]:
    """pip install into the venv; `wheels`: a local folder of wheels, `offline`: use it only,
    `cpu_torch`: also look in PyTorch's CPU index (its `+cpu` builds win the version tie)."""
    cmd = [
        str(venv_python(venv)),
        "-m",
        "pip",
        "install",
        "--progress-bar",
        "off",
        "--disable-pip-version-check",
        "-r",
        str(requirements),
    ]
    if wheels is not None:
        cmd += ["--find-links", str(wheels)]
    if offline:
        cmd.append("--no-index")
    elif cpu_torch:
        cmd += ["--extra-index-url", TORCH_CPU_INDEX]
    return cmd


@dataclass
class PipProgress:
    """Turns pip's output lines into a fraction and a short message for a progress dialog.

    Collecting the listed packages (and their dependencies, counted as they appear) fills the
    bar to 70 %, "Installing collected packages" moves it to 85 %, "Successfully" to 100 %.
    """

    expected: int
    collected: int = 0
    fraction: float = 0.0
    message: str = "starting pip"

    def feed(self, line: str) -> tuple[float, str]:
        line = line.strip()
        m = re.match(r"(Collecting|Processing|Requirement already satisfied:?)\s+(\S+)", line)
        if m:
            self.collected += 1
            total = max(self.expected, self.collected + 1)
            self.fraction = max(self.fraction, 0.7 * self.collected / total)
            self.message = f"{m.group(1).split()[0].lower()} {m.group(2)}"
        elif line.startswith("Downloading"):
            self.message = "downloading " + line.split()[1].rsplit("/", 1)[-1][:60]
        elif line.startswith("Installing collected packages"):
            self.fraction, self.message = max(self.fraction, 0.85), "installing packages"
        elif line.startswith("Successfully installed"):
            self.fraction, self.message = 1.0, "installed"
        return self.fraction, self.message


_NETWORK = (
    "Failed to establish a new connection",
    "Temporary failure in name resolution",
    "Network is unreachable",
    "ProxyError",
    "Max retries exceeded",
    "getaddrinfo failed",
    "NewConnectionError",
    "Read timed out",
)


def explain_failure(lines: list[str], wheels: Path | None = None) -> str:
    """One sentence saying what failed, from the output of a failed venv/pip run."""
    text = "\n".join(lines)
    where = f" in {wheels}" if wheels else " on PyPI"
    if any(k in text for k in _NETWORK):
        return (
            "no internet connection: pip could not reach PyPI. On a connected machine run "
            "`pip download -r requirements-engine.txt -d wheels`, copy the folder here and "
            "choose it as the local wheel folder"
        )
    m = re.search(r"No matching distribution found for (\S+)", text)
    if m:
        py = f"{sys.version_info.major}.{sys.version_info.minor}"
        return f"no installable package for {m.group(1)}{where} (for this platform / Python {py})"
    if "No space left on device" in text:
        return "the disk is full: free some space (the engine needs about 3 GB) and retry"
    if "ensurepip is not available" in text or "No module named venv" in text:
        return "this Python cannot create a venv: install the python3-venv package and retry"
    errors = [ln.strip() for ln in lines if ln.strip().startswith("ERROR")]
    if errors:
        return errors[-1][:300]
    tail = [ln.strip() for ln in lines if ln.strip()]
    return tail[-1][:300] if tail else "the installation failed with no output"
