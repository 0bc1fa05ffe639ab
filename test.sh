#!/usr/bin/env bash
# cad3d's test command: sets up what is missing (as ./install.sh --no-demo), adds the dev extras,
# then runs every test: engine, FreeCAD in-process, robustness and the real GUI under Xvfb.
#   ./test.sh            all tests
#   ./test.sh -k dxf     extra arguments go to pytest
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
"$here/install.sh" --no-demo
venv="${CAD3D_VENV:-${XDG_DATA_HOME:-$HOME/.local/share}/FreeCAD/cad3d/venv}"
"$venv/bin/python" -m pip install -q --disable-pip-version-check -e "$here[dev]" 2>&1 | grep -v -i -E "warning|^ *$|!!|corresp|wheel_obj" || true
cd "$here"
export PYTHONDONTWRITEBYTECODE=1
exec "$venv/bin/python" -m pytest -q -p no:cacheprovider "$@"
