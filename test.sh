#!/usr/bin/env bash
# cad3d's test command: sets up what is missing (as ./install.sh --no-demo), adds the dev extras,
# then runs every test: engine, FreeCAD in-process, robustness and the real GUI under Xvfb.
#   ./test.sh            all tests
#   ./test.sh -k dxf     extra arguments go to pytest
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
"$here/install.sh" --no-demo
# a third-party DXF importer, to check that other tools read our files
if ! command -v assimp >/dev/null; then
  sudo=""; [[ $(id -u) -ne 0 ]] && sudo="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get install -y -qq assimp-utils >/dev/null 2>&1 || { $sudo apt-get update -qq && $sudo apt-get install -y -qq assimp-utils >/dev/null; }
fi
venv="${CAD3D_VENV:-${XDG_DATA_HOME:-$HOME/.local/share}/FreeCAD/cad3d/venv}"
"$venv/bin/python" -m pip install -q --disable-pip-version-check -e "$here[dev]" >>"$(dirname "$venv")/install.log" 2>&1 \
  || { tail -20 "$(dirname "$venv")/install.log"; echo "cad3d: installing the dev extras failed"; exit 1; }
cd "$here"
"$venv/bin/ruff" check . && "$venv/bin/ruff" format --check . >/dev/null || { echo "cad3d: lint failed (ruff check / ruff format)"; exit 1; }
export PYTHONDONTWRITEBYTECODE=1
exec "$venv/bin/python" -m pytest -q -p no:cacheprovider "$@"
