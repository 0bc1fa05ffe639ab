#!/usr/bin/env bash
# cad3d one-shot set-up on Debian/Ubuntu: FreeCAD from the system packages, the engine's Python
# environment in FreeCAD's per-user data folder, the addon linked into FreeCAD's Mod folder, then
# the main job on a shipped example (FreeCAD headless: .FCStd with native objects, .dxf, preview).
#   ./install.sh            everything, then the demo conversion into ./out/
#   ./install.sh --no-demo  set-up only (the test script uses this)
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
data="${XDG_DATA_HOME:-$HOME/.local/share}/FreeCAD"
venv="${CAD3D_VENV:-$data/cad3d/venv}"
demo=1
[[ "${1:-}" == "--no-demo" ]] && demo=0
say() { printf '\033[1mcad3d:\033[0m %s\n' "$*"; }

# 1. system packages (FreeCAD 0.20+, pivy, a virtual screen for the GUI tests, venv support)
need=()
command -v freecadcmd >/dev/null || need+=(freecad)
python3 -c "import pivy" 2>/dev/null || [[ -d /usr/lib/python3/dist-packages/pivy ]] || need+=(python3-pivy)
command -v xvfb-run >/dev/null || need+=(xvfb xauth)
/usr/bin/python3 -c "import ensurepip" 2>/dev/null || need+=(python3-venv)
if ((${#need[@]})); then
  sudo=""; [[ $(id -u) -ne 0 ]] && sudo="sudo"
  say "installing system packages: ${need[*]}"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${need[@]}" >/dev/null
fi

# 2. the engine environment, with FreeCAD's own Python (same ABI, so tests import FreeCAD in-process)
if [[ ! -x "$venv/bin/python" ]]; then
  say "creating the engine environment in $venv"
  mkdir -p "$(dirname "$venv")" && chmod 700 "$(dirname "$venv")"
  /usr/bin/python3 -m venv "$venv"
fi
say "installing the engine (torch, timm, opencv, ezdxf, ...) into $venv"
log="$(dirname "$venv")/install.log"
pipi() { "$venv/bin/python" -m pip install -q --disable-pip-version-check "$@" >>"$log" 2>&1 || { tail -20 "$log"; say "pip failed; the whole log is $log"; exit 1; }; }
: >"$log"
pipi -r "$here/freecad_cad3d/requirements-engine.txt"
pipi -e "$here"
"$venv/bin/python" -c "import torch, timm, cv2, ezdxf, cad3d" || { say "engine environment is broken"; exit 1; }

# 3. the addon into FreeCAD's Mod folder, as the Addon Manager would place it
mkdir -p "$data/Mod"
mod="$data/Mod/CAD3D"
if [[ -L "$mod" && "$(readlink "$mod")" != "$here" ]]; then rm "$mod"; fi  # a link to another clone
if [[ ! -e "$mod" ]]; then
  ln -s "$here" "$mod" && say "linked $mod -> $here"
elif [[ ! -L "$mod" ]]; then
  say "note: $mod is an Addon Manager install; FreeCAD uses that copy, not this clone"
fi

# 4. the main job: the example floor plan through FreeCAD, headless
if ((demo)); then
  mkdir -p "$here/out"
  say "converting examples/floorplan.png through FreeCAD (headless)"
  CAD3D_DEMO_OUT="$here/out" freecadcmd "$here/scripts/demo_freecad.py" >/dev/null 2>&1 || true
  if [[ -s "$here/out/demo.ok" ]]; then
    cat "$here/out/demo.ok"
  else
    say "the demo conversion failed:"; cat "$here/out/demo.err" 2>/dev/null; exit 1
  fi
fi
say "ready: open FreeCAD and pick the CAD3D workbench; or run $venv/bin/cad3d --help"
