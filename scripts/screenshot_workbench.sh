#!/usr/bin/env bash
# Make docs/images/workbench.png for the README: FreeCAD with the CAD3D workbench, its panel,
# and the example floor plan (examples/floorplan.png) converted (extrude) standing on its drawing.
# Needs freecad, xvfb-run and the engine venv (CAD3D > Install engine, or $CAD3D_ENGINE_PYTHON).
# Usage: scripts/screenshot_workbench.sh [OUT.png]
set -euo pipefail
REPO="$(cd "$(dirname "$0")/.." && pwd)"
OUT="$(realpath -m "${1:-$REPO/docs/images/workbench.png}")"
PY="${CAD3D_ENGINE_PYTHON:-${XDG_DATA_HOME:-$HOME/.local/share}/FreeCAD/cad3d/venv/bin/python}"
TMP="$(mktemp -d)"
trap 'rm -rf "$TMP"' EXIT
mkdir -p "$(dirname "$OUT")"

# the example drawing: examples/floorplan.png with its scale (else the generator's seed 0)
PYTHONPATH="$REPO/core" "$PY" - "$TMP" "$REPO/examples/floorplan" <<'PYEOF'
import json, os, sys
import cv2
tmp, example = sys.argv[1], sys.argv[2]
if os.path.exists(example + ".png") and os.path.exists(example + ".json"):
    image = cv2.imread(example + ".png", cv2.IMREAD_GRAYSCALE)
    scale = json.load(open(example + ".json"))["scale"]
else:
    from cad3d.data.floorplan import generate_floorplan
    image, scale, _ = generate_floorplan(0)
cv2.imwrite(f"{tmp}/example_plan.png", image)
json.dump({"scale": scale, "h": image.shape[0], "w": image.shape[1]}, open(f"{tmp}/meta.json", "w"))
PYEOF

cat > "$TMP/shoot.py" <<'PYEOF'
import json, os
import FreeCAD as App
import FreeCADGui as Gui
from PySide import QtCore, QtGui
try:
    from PySide import QtWidgets
except ImportError:
    QtWidgets = QtGui

TMP, OUT = os.environ["SHOT_TMP"], os.environ["SHOT_OUT"]
meta = json.load(open(os.path.join(TMP, "meta.json")))
image = os.path.join(TMP, "example_plan.png")


def finish(code=0):
    QtCore.QTimer.singleShot(3000, lambda: os._exit(code))
    for name in list(App.listDocuments()):
        App.closeDocument(name)
    Gui.getMainWindow().close()


def start():
    mw = Gui.getMainWindow()
    mw.resize(1280, 860)
    Gui.activateWorkbench("CAD3DWorkbench")
    Gui.runCommand("CAD3D_TogglePanel")
    report = mw.findChild(QtWidgets.QDockWidget, "Report view")
    if report is not None:  # a short report view leaves room for the model
        mw.resizeDocks([report], [110], QtCore.Qt.Vertical)
    doc = App.newDocument("example_plan")
    s = meta["scale"] * 1000.0
    plane = doc.addObject("Image::ImagePlane", "Drawing")
    plane.ImageFile = image
    plane.XSize, plane.YSize = meta["w"] * s, meta["h"] * s
    plane.Placement = App.Placement(App.Vector(plane.XSize / 2, plane.YSize / 2, -5), App.Rotation())
    doc.recompute()
    from freecad_cad3d.gui import jobs

    jobs.start(image, method="extrude", scale=meta["scale"], kind="floorplan")
    poll(jobs.session(), 0)


def poll(session, n):
    if session.busy and n < 600:
        QtCore.QTimer.singleShot(100, lambda: poll(session, n + 1))
        return
    QtCore.QTimer.singleShot(500, shoot)


def shoot():
    mw = Gui.getMainWindow()
    view = Gui.ActiveDocument.ActiveView
    view.viewIsometric()
    Gui.SendMsgToActiveView("ViewFit")
    for box in QtWidgets.QApplication.topLevelWidgets():
        if isinstance(box, QtWidgets.QMessageBox):
            box.close()
    QtWidgets.QApplication.processEvents()
    shot = mw.grab().toImage()
    # the 3D area grabs grey under Xvfb: paint the offscreen render over it
    gls = [w for w in mw.findChildren(QtWidgets.QWidget) if "GL" in type(w).__name__ and w.isVisible()]
    if gls:
        gl = max(gls, key=lambda w: w.width() * w.height())
        pos = gl.mapTo(mw, QtCore.QPoint(0, 0))
        tmp = os.path.join(TMP, "view.png")
        view.saveImage(tmp, gl.width(), gl.height(), "Current")
        painter = QtGui.QPainter(shot)
        painter.drawImage(pos, QtGui.QImage(tmp))
        painter.end()
    shot.save(OUT)
    finish(0)


QtCore.QTimer.singleShot(500, start)
QtCore.QTimer.singleShot(120000, lambda: finish(1))
PYEOF

CFG="$TMP/user.cfg"
SHOT_TMP="$TMP" SHOT_OUT="$OUT" QTWEBENGINE_DISABLE_SANDBOX=1 \
  xvfb-run -a -s "-screen 0 1280x900x24" freecad -u "$CFG" -M "$REPO" "$TMP/shoot.py" >"$TMP/log" 2>&1 || true
if [ ! -s "$OUT" ]; then
  tail -20 "$TMP/log" >&2
  echo "screenshot_workbench: no image written" >&2
  exit 1
fi
echo "$OUT"
