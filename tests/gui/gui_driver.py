"""Drives the real FreeCAD GUI (run by `xvfb-run freecad -u CFG -M ADDON gui_driver.py`).

FreeCAD imports this file as a module (its __name__ is not "__main__"). Every check runs from
QTimer callbacks on the main thread, so the event loop keeps running as it does for a user.
Findings go to $CAD3D_GUI_OUT as JSON (the pytest side asserts on them); screenshots to
$CAD3D_GUI_ARTIFACTS. $CAD3D_GUI_PHASE: "main" (everything) or "persist" (second start: read
back the setting the first run changed). $CAD3D_GUI_IMAGE: the example drawing to convert.
"""

import json
import os
import signal
import sys
import time
import traceback

import FreeCAD as App
import FreeCADGui as Gui
from PySide import QtCore, QtGui

try:
    from PySide import QtWidgets
except ImportError:
    QtWidgets = QtGui

OUT = os.environ.get("CAD3D_GUI_OUT", "/tmp/cad3d_gui.json")
ART = os.environ.get("CAD3D_GUI_ARTIFACTS", "/tmp")
PHASE = os.environ.get("CAD3D_GUI_PHASE", "main")
IMAGE = os.environ.get("CAD3D_GUI_IMAGE", "")
SCALE = float(os.environ.get("CAD3D_GUI_SCALE", "0.02"))
INPUTS = os.environ.get("CAD3D_GUI_INPUTS", "")  # inputs.json: the PDF, 2D DXF and bad files
COMMANDS = [
    "CAD3D_ConvertSketch",
    "CAD3D_ConvertImage",
    "CAD3D_ExportDXF",
    "CAD3D_TogglePanel",
    "CAD3D_InstallEngine",
]

F = {"phase": PHASE, "errors": [], "steps_done": []}


def save():
    with open(OUT + ".part", "w") as f:
        json.dump(F, f, indent=1, default=str)
    os.replace(OUT + ".part", OUT)


def quit_all():
    save()
    try:
        from freecad_cad3d.gui import jobs

        if jobs._SESSION:
            jobs._SESSION[0].client.shutdown()
        for b in QtWidgets.QApplication.topLevelWidgets():
            if isinstance(b, QtWidgets.QMessageBox):
                b.close()
        for name in list(App.listDocuments()):
            App.closeDocument(name)
    except Exception:
        F["errors"].append(traceback.format_exc())
        save()
    QtCore.QTimer.singleShot(3000, lambda: os._exit(3))  # if closing hangs
    Gui.getMainWindow().close()
    QtWidgets.QApplication.instance().quit()


class Ticker:
    """A main-thread timer: its largest gap between two ticks shows whether the GUI froze."""

    def __init__(self, ms=50):
        self.t = QtCore.QTimer()
        self.t.setInterval(ms)
        self.t.timeout.connect(self.tick)
        self.last = None
        self.count = 0
        self.max_gap = 0.0
        self.paused = 0.0  # time the test itself held the loop (screenshots), not counted
        self.gaps = []

    def pause(self, fn):
        t = time.perf_counter()
        fn()
        self.paused += time.perf_counter() - t
        self.last = time.perf_counter()

    def start(self):
        self.last = time.perf_counter()
        self.t.start()

    def tick(self):
        now = time.perf_counter()
        gap = now - self.last
        if gap > 0.2:
            self.gaps.append((round(now - T0, 2), round(gap, 3)))
        self.max_gap = max(self.max_gap, gap)
        self.last = now
        self.count += 1

    def stop(self):
        self.t.stop()


def wait_until(cond, then, timeout, step_ms=50, on_timeout=None):
    """Poll `cond` from the event loop; call `then()` when true, `on_timeout()` after timeout s."""
    t0 = time.perf_counter()

    def poll():
        try:
            if cond():
                then()
            elif time.perf_counter() - t0 > timeout:
                (on_timeout or then)()
            else:
                QtCore.QTimer.singleShot(step_ms, poll)
        except Exception:
            F["errors"].append(traceback.format_exc())
            quit_all()

    QtCore.QTimer.singleShot(step_ms, poll)


def step(fn):
    """Run fn; record a traceback instead of letting FreeCAD swallow it."""

    def run():
        try:
            fn()
            F["steps_done"].append((fn.__name__, round(time.perf_counter() - T0, 2)))
            save()
        except Exception:
            F["errors"].append(f"{fn.__name__}: {traceback.format_exc()}")
            quit_all()

    return run


def panel_widget():
    return Gui.getMainWindow().findChild(QtWidgets.QDockWidget, "CAD3D_Panel")


def after(ms, fn):
    QtCore.QTimer.singleShot(ms, step(fn))


# ---------------------------------------------------------------------------------------------
T0 = time.perf_counter()


def s_workbench():
    Gui.activateWorkbench("CAD3DWorkbench")
    F["active_workbench"] = Gui.activeWorkbench().name()
    listed = set(Gui.listCommands())
    F["commands"] = {c: c in listed for c in COMMANDS}
    icons = {}
    for c in COMMANDS:
        info = (
            Gui.Command.get(c).getInfo() if hasattr(Gui, "Command") and Gui.Command.get(c) else {}
        )
        pix = info.get("pixmap", "")
        icons[c] = {"pixmap": pix, "exists": bool(pix) and os.path.isfile(pix)}
    F["icons"] = icons
    tb = [t.objectName() for t in Gui.getMainWindow().findChildren(QtWidgets.QToolBar)]
    F["toolbar"] = "CAD3D" in tb
    menus = [a.text().replace("&", "") for a in Gui.getMainWindow().menuBar().actions()]
    F["menu"] = "CAD3D" in menus
    after(200, s_panel if PHASE == "main" else s_persist)


def s_persist():
    from freecad_cad3d import params

    Gui.runCommand("CAD3D_TogglePanel")
    dock = panel_widget()
    F["persist_panel_visible"] = bool(dock and dock.isVisible())
    F["persist_steps_param"] = params.get("Steps")
    spin = dock.findChild(QtWidgets.QSpinBox, "CAD3D_Steps")
    F["persist_steps_widget"] = spin.value() if spin else None
    combo = dock.findChild(QtWidgets.QComboBox, "CAD3D_Sampler")
    F["persist_sampler_widget"] = combo.currentData() if combo else None
    after(100, quit_all)


def s_panel():
    Gui.runCommand("CAD3D_TogglePanel")
    dock = panel_widget()
    F["panel_visible"] = bool(dock and dock.isVisible())
    spin = dock.findChild(QtWidgets.QSpinBox, "CAD3D_Steps")
    spin.setValue(37)
    combo = dock.findChild(QtWidgets.QComboBox, "CAD3D_Sampler")
    combo.setCurrentIndex(combo.findData("dpm"))
    from freecad_cad3d import params

    F["steps_param_after_set"] = params.get("Steps")
    F["sampler_param_after_set"] = params.get("Sampler")
    doc = App.newDocument("GuiTest")
    box = doc.addObject("Part::Box", "UserBox")  # the user's own work: must survive everything
    doc.recompute()
    Gui.SendMsgToActiveView("ViewFit")
    F["doc_objects_before"] = [o.Name for o in doc.Objects]
    wait_until(_info_arrived, step(s_async), 40)
    del box


def _info_arrived():
    from freecad_cad3d.gui import jobs

    s = jobs.session()
    return s.engine_info is not None


def s_async():
    from freecad_cad3d.gui import jobs
    from freecad_cad3d.gui.preview import find_preview_nodes

    dock = panel_widget()
    F["engine_info"] = jobs.session().engine_info
    F["learning_text"] = dock.learning_label.text()
    dock.widget().widget().grab().save(os.path.join(ART, "panel.png"))  # the whole panel body
    s = jobs.session()
    ticker = Ticker()
    ticker.start()
    seen = {"preview": 0, "progress": [], "max_points": 0}
    view = Gui.ActiveDocument.ActiveView

    def on_progress(frac, msg, eta):
        seen["progress"].append(round(frac, 3))

    s.progress.connect(on_progress)
    t0 = time.perf_counter()
    job = jobs.start(IMAGE, scale=SCALE, method="selftest", steps=30, options={"tick": 0.1})
    F["async_job"] = job
    F["async_start_return_s"] = time.perf_counter() - t0
    shot = {"done": False}

    def cond():
        n = find_preview_nodes(view)
        seen["preview"] = max(seen["preview"], n)
        if s.job and s.job.preview is not None:
            seen["max_points"] = max(seen["max_points"], s.job.preview.n_points)
            if not shot["done"] and s.job.preview.n_points > 0 and len(seen["progress"]) > 28:

                def shoot():
                    view.viewIsometric()
                    Gui.SendMsgToActiveView("ViewFit")
                    view.saveImage(os.path.join(ART, "view_preview.png"), 800, 600, "Current")
                    from cad3d.classes import BY_NAME

                    cols = s.job.preview.material.diffuseColor.getValues()
                    F["preview_colours"] = {
                        "first": [round(c, 3) for c in cols[0].getValue()],
                        "distinct": len({tuple(round(c, 3) for c in v.getValue()) for v in cols}),
                        "wall": [round(c / 255, 3) for c in BY_NAME["WALL"].rgb],
                    }
                    pts = s.job.preview.coords.point.getValues()
                    xs = [v[0] for v in pts]
                    zs = [v[2] for v in pts]
                    F["preview_shot"] = {
                        "n": len(pts),
                        "progress": len(seen["progress"]),
                        "x_range_m": [min(xs), max(xs)],
                        "z_range_m": [min(zs), max(zs)],
                    }

                ticker.pause(shoot)
                shot["done"] = True
        return not s.busy

    def then():
        ticker.stop()
        s.progress.disconnect(on_progress)
        doc = App.getDocument("GuiTest")
        g = s.last_group
        F["async"] = {
            "seconds": time.perf_counter() - t0,
            "ticks": ticker.count,
            "max_tick_gap_s": ticker.max_gap,
            "tick_gaps": ticker.gaps,
            "screenshot_pause_s": ticker.paused,
            "result_timings": s.result_timings,
            "preview_nodes_seen": seen["preview"],
            "preview_points_max": seen["max_points"],
            "preview_nodes_after": find_preview_nodes(view),
            "progress_count": len(seen["progress"]),
            "progress_last": seen["progress"][-1] if seen["progress"] else None,
            "group": g.Label if g is not None else None,
            "group_members": [(o.TypeId, o.Label) for o in g.Group] if g is not None else [],
            "group_in_doc": g is not None and doc.getObject(g.Name) is not None,
            "undo_names": doc.UndoNames if hasattr(doc, "UndoNames") else None,
            "message": s.last_message,
        }
        if g is not None:
            bb = g.Group[0].Mesh.BoundBox
            F["async"]["bbox_mm"] = [bb.XLength, bb.YLength, bb.ZLength]
            names = sorted(o.Name for o in doc.Objects)
            doc.undo()  # one undo step removes the whole conversion
            F["async"]["after_undo"] = sorted(o.Name for o in doc.Objects)
            doc.redo()
            F["async"]["redo_restores"] = sorted(o.Name for o in doc.Objects) == names
        view.viewIsometric()
        Gui.SendMsgToActiveView("ViewFit")
        view.saveImage(os.path.join(ART, "view_result.png"), 800, 600, "White")
        after(100, s_cancel)

    wait_until(cond, step(then), 60)


def s_cancel():
    from freecad_cad3d.gui import jobs
    from freecad_cad3d.gui.preview import find_preview_nodes

    s = jobs.session()
    doc = App.getDocument("GuiTest")
    before = sorted(o.Name for o in doc.Objects)
    jobs.start(IMAGE, scale=SCALE, method="selftest", steps=100, options={"tick": 0.1})
    view = Gui.ActiveDocument.ActiveView

    def do_cancel():
        pid = s.client.pid
        running_before = s.busy
        t = time.perf_counter()
        dock = panel_widget()
        dock.cancel_button.click()  # what the user presses
        dt = time.perf_counter() - t
        alive = False
        if pid:
            try:
                os.kill(pid, 0)
                alive = True
            except OSError:
                alive = False
        F["cancel"] = {
            "was_running": running_before,
            "seconds": dt,
            "worker_pid": pid,
            "worker_alive_after": alive,
            "busy_after": s.busy,
            "objects_unchanged": sorted(o.Name for o in doc.Objects) == before,
            "preview_nodes_after": find_preview_nodes(view),
            "panel_message": dock.message.text(),
        }
        after(300, s_kill)

    # cancel once the worker is really working (progress arrived)
    wait_until(
        lambda: s.client.pid and s.job and s.job.preview and s.job.preview.n_points > 0,
        step(do_cancel),
        30,
    )


def s_kill():
    from freecad_cad3d.gui import jobs
    from freecad_cad3d.gui.preview import find_preview_nodes

    s = jobs.session()
    doc = App.getDocument("GuiTest")
    before = sorted(o.Name for o in doc.Objects)
    died = []
    s.client.died.connect(lambda m: died.append(m))
    jobs.start(IMAGE, scale=SCALE, method="selftest", steps=100, options={"tick": 0.1})
    view = Gui.ActiveDocument.ActiveView
    state = {}

    def kill():
        state["pid"] = s.client.pid
        os.kill(s.client.pid, signal.SIGKILL)

        def then():
            F["kill"] = {
                "pid": state["pid"],
                "died_message": died[-1] if died else None,
                "busy_after": s.busy,
                "objects_unchanged": sorted(o.Name for o in doc.Objects) == before,
                "user_box_ok": doc.getObject("UserBox") is not None
                and doc.getObject("UserBox").Shape.isValid(),
                "preview_nodes_after": find_preview_nodes(view),
                "freecad_alive": True,
            }
            after(200, s_restart)

        wait_until(lambda: bool(died), step(then), 10)

    wait_until(
        lambda: s.client.pid and s.job and s.job.preview and s.job.preview.n_points > 0,
        step(kill),
        30,
    )


def s_restart():
    from freecad_cad3d.gui import jobs

    s = jobs.session()
    old = F["kill"]["pid"]
    jobs.start(IMAGE, scale=SCALE, method="selftest", steps=5, options={"tick": 0.05})

    def then():
        F["restart"] = {
            "new_pid": s.client.pid,
            "old_pid": old,
            "group": s.last_group.Label if s.last_group else None,
            "message": s.last_message,
        }
        after(100, s_error)

    wait_until(lambda: not s.busy, step(then), 30)


def s_error():
    from freecad_cad3d.gui import jobs

    s = jobs.session()
    doc = App.getDocument("GuiTest")
    before = sorted(o.Name for o in doc.Objects)
    jobs.start(IMAGE, scale=SCALE, method="selftest", steps=3, options={"tick": 0.01, "fail": True})

    def then():
        boxes = [
            w
            for w in QtWidgets.QApplication.topLevelWidgets()
            if isinstance(w, QtWidgets.QMessageBox) and w.isVisible()
        ]
        F["error"] = {
            "message": s.last_message,
            "boxes": [b.text() for b in boxes],
            "objects_unchanged": sorted(o.Name for o in doc.Objects) == before,
        }
        for b in boxes:
            b.close()
        missing = jobs.start("/nonexistent/plan.png", method="extrude")
        F["error"]["missing_file_job"] = missing

        def then2():
            F["error"]["missing_file_message"] = s.last_message
            for b in QtWidgets.QApplication.topLevelWidgets():
                if isinstance(b, QtWidgets.QMessageBox):
                    b.close()
            after(100, s_extrude)

        wait_until(lambda: not s.busy, step(then2), 20)

    wait_until(lambda: not s.busy, step(then), 20)


def patch_dialogs(open_path="", save_path=""):
    """File dialogs would block the script: answer them as a user would."""
    QtWidgets.QFileDialog.getOpenFileName = staticmethod(lambda *a, **k: (open_path, ""))
    QtWidgets.QFileDialog.getSaveFileName = staticmethod(lambda *a, **k: (save_path, ""))


def s_extrude():
    """The real engine end to end on the example drawing, from the toolbar command (extrude)."""
    from freecad_cad3d.gui import jobs

    s = jobs.session()
    s.last_group = None
    dock = panel_widget()
    dock.findChild(QtWidgets.QDoubleSpinBox, "CAD3D_Scale").setValue(SCALE)
    kind = dock.findChild(QtWidgets.QComboBox, "CAD3D_Kind")
    kind.setCurrentIndex(kind.findData("floorplan"))
    F["method_shown"] = dock.findChild(QtWidgets.QComboBox, "CAD3D_Method").currentData()
    segments = []
    s.client.preview.connect(
        lambda job, msg: (
            segments.append(len(transfer_decode(msg["segments"]))) if "segments" in msg else None
        )
    )
    doc = App.newDocument("Extrude")
    Gui.activateView("Gui::View3DInventor", True)
    patch_dialogs(open_path=IMAGE)
    t0 = time.perf_counter()
    Gui.runCommand("CAD3D_ConvertImage")

    def then():
        g = s.last_group
        F["extrude"] = {
            "seconds": time.perf_counter() - t0,
            "group": g.Label if g is not None else None,
            "members": [(o.TypeId, o.Label) for o in g.Group] if g is not None else [],
            "methods": sorted({o.CAD3D_Method for o in g.Group}) if g is not None else [],
            "plan_segments_previewed": segments,
            "message": s.last_message,
        }
        if g is not None:
            F["extrude"]["doc"], F["extrude"]["group_name"] = doc.Name, g.Name
            F["extrude"]["wall_bbox_mm"] = wall_bbox(g)
            v = Gui.getDocument(doc.Name).ActiveView
            v.viewIsometric()
            Gui.SendMsgToActiveView("ViewFit")
            v.saveImage(os.path.join(ART, "view_extrude.png"), 800, 600, "White")
        close_boxes()
        Gui.getMainWindow().grab().save(os.path.join(ART, "mainwindow.png"))
        dock.widget().widget().grab().save(os.path.join(ART, "panel_done.png"))
        after(100, s_export)

    wait_until(lambda: not s.busy, step(then), 60)


def transfer_decode(d):
    from freecad_cad3d.engine import transfer

    return transfer.decode_array(d)


def close_boxes():
    for b in QtWidgets.QApplication.topLevelWidgets():
        if isinstance(b, QtWidgets.QMessageBox):
            b.close()


def s_export():
    from freecad_cad3d.gui import jobs

    g = jobs.session().last_group
    path = os.path.join(ART, "example_plan.dxf")
    if os.path.exists(path):
        os.remove(path)
    patch_dialogs(save_path=path)
    Gui.Selection.clearSelection()
    Gui.Selection.addSelection(g)
    F["export"] = {
        "active": Gui.Command.get("CAD3D_ExportDXF").isActive() if hasattr(Gui, "Command") else None
    }
    Gui.runCommand("CAD3D_ExportDXF")
    F["export"]["size"] = os.path.getsize(path) if os.path.exists(path) else 0
    close_boxes()
    after(100, s_sketch)


def s_sketch():
    """CAD3D_ConvertSketch on a selected sketch: a 6 x 4 m room with 0.2 m walls, moved away."""
    import Part

    from freecad_cad3d.gui import jobs

    s = jobs.session()
    s.last_group = None
    doc = App.newDocument("SketchTest")
    sk = doc.addObject("Sketcher::SketchObject", "Plan")
    sk.Placement = App.Placement(App.Vector(10000, 20000, 0), App.Rotation())
    for x0, y0, x1, y1 in ((0, 0, 6000, 4000), (200, 200, 5800, 3800)):
        pts = [(x0, y0), (x1, y0), (x1, y1), (x0, y1)]
        for i in range(4):
            a, b = pts[i], pts[(i + 1) % 4]
            sk.addGeometry(Part.LineSegment(App.Vector(a[0], a[1], 0), App.Vector(b[0], b[1], 0)))
    doc.recompute()
    Gui.Selection.clearSelection()
    Gui.Selection.addSelection(sk)
    F["sketch"] = {
        "active": Gui.Command.get("CAD3D_ConvertSketch").isActive()
        if hasattr(Gui, "Command")
        else None
    }
    Gui.runCommand("CAD3D_ConvertSketch")

    def then():
        g = s.last_group
        F["sketch"].update({"group": g.Label if g is not None else None, "message": s.last_message})
        if g is not None:
            for o in g.Group:
                if o.TypeId == "Mesh::Feature" and o.Label == "WALL":
                    bb = o.Mesh.BoundBox  # in document coordinates (placement applied)
                    F["sketch"]["wall_min_mm"] = [bb.XMin, bb.YMin, bb.ZMin]
                    F["sketch"]["wall_max_mm"] = [bb.XMax, bb.YMax, bb.ZMax]
            F["sketch"]["members"] = [(o.TypeId, o.Label) for o in g.Group]
        close_boxes()
        after(100, s_plane)

    wait_until(lambda: not s.busy, step(then), 60)


def s_plane():
    """CAD3D_ConvertImage on a selected Image plane: its scale comes from its size."""
    from freecad_cad3d.gui import jobs

    s = jobs.session()
    s.last_group = None
    doc = App.newDocument("PlaneTest")
    plane = doc.addObject("Image::ImagePlane", "Drawing")
    plane.ImageFile = IMAGE
    img = QtGui.QImage(IMAGE)
    plane.XSize, plane.YSize = img.width() * SCALE * 1000, img.height() * SCALE * 1000
    doc.recompute()
    Gui.Selection.clearSelection()
    Gui.Selection.addSelection(plane)
    Gui.runCommand("CAD3D_ConvertImage")

    def then():
        g = s.last_group
        F["plane"] = {
            "group": g.Label if g is not None else None,
            "message": s.last_message,
            "size_mm": [plane.XSize.Value, plane.YSize.Value],
        }
        if g is not None:
            wall = next(o for o in g.Group if o.TypeId == "Mesh::Feature" and o.Label == "WALL")
            bb = wall.Mesh.BoundBox
            F["plane"]["wall_bbox_mm"] = [bb.XMin, bb.YMin, bb.XMax, bb.YMax, bb.ZMax]
        close_boxes()
        after(100, s_pdf if INPUTS else s_install)

    wait_until(lambda: not s.busy, step(then), 60)


def wall_bbox(group):
    """[xmin, ymin, zmin, xmax, ymax, zmax] mm of the group's WALL mesh, or None."""
    for o in group.Group:
        if o.TypeId == "Mesh::Feature" and o.Label == "WALL":
            bb = o.Mesh.BoundBox
            return [bb.XMin, bb.YMin, bb.ZMin, bb.XMax, bb.YMax, bb.ZMax]
    return None


def inputs():
    with open(INPUTS) as f:
        return json.load(f)


def shoot_box(name):
    """Screenshot of the newest visible CAD3D message box (a top-level window of its own)."""
    boxes = [
        w
        for w in QtWidgets.QApplication.topLevelWidgets()
        if isinstance(w, QtWidgets.QMessageBox) and w.isVisible()
    ]
    if boxes:
        boxes[-1].grab().save(os.path.join(ART, name))


def cad3d_boxes():
    """Texts of the visible message boxes, and whether any other dialog is open."""
    texts, others = [], []
    for w in QtWidgets.QApplication.topLevelWidgets():
        if not w.isVisible():
            continue
        if isinstance(w, QtWidgets.QMessageBox) and w.objectName() == "CAD3D_Message":
            texts.append(w.text())
        elif isinstance(w, QtWidgets.QDialog):
            others.append(f"{type(w).__name__}:{w.objectName()}:{w.windowTitle()}")
    return texts, others


def report_text():
    """The report view's text (where Console.PrintError lines go), or None if not found."""
    for w in Gui.getMainWindow().findChildren(QtWidgets.QTextEdit):
        if "ReportOutput" in w.metaObject().className():
            return w.toPlainText()
    return None


def doc_state(doc):
    return {
        "names": sorted(o.Name for o in doc.Objects),
        "undo": list(doc.UndoNames),
        "docs": sorted(App.listDocuments()),
    }


def s_pdf():
    """CAD3D_ConvertImage on a 2-page PDF with no scale: the dialog asks page and paper scale."""
    from freecad_cad3d.gui import jobs, load_dialog

    s = jobs.session()
    s.last_group = None
    dock = panel_widget()
    dock.findChild(QtWidgets.QDoubleSpinBox, "CAD3D_Scale").setValue(0.0)  # "from drawing"
    doc = App.newDocument("PdfTest")
    pdf = inputs()["pdf"]
    asked = []

    def answer(dlg):  # what a user reads and types: page 2, 1:100 at 100 dpi
        dlg.show()
        QtWidgets.QApplication.processEvents()
        dlg.grab().save(os.path.join(ART, "load_dialog.png"))
        asked.append(
            {
                "asks_page": dlg.asks_page,
                "asks_scale": dlg.asks_scale,
                "page_max": dlg.page.maximum(),
                "page_default": dlg.page.value(),
                "dpi_default": dlg.dpi.value(),
                "mpp_offered": dlg.mpp.isVisible(),
            }
        )
        dlg.page.setValue(2)
        dlg.paper.setChecked(True)
        dlg.ratio.setValue(100)
        dlg.dpi.setValue(100)
        dlg.hide()
        return True

    load_dialog._exec = answer
    patch_dialogs(open_path=pdf)
    t0 = time.perf_counter()
    events = []
    s.progress.connect(lambda f, m, e: events.append((round(time.perf_counter() - t0, 2), m)))
    s.state_changed.connect(lambda st: events.append((round(time.perf_counter() - t0, 2), st)))
    pid = s.client.pid
    Gui.runCommand("CAD3D_ConvertImage")

    def then():
        g = s.last_group
        F["pdf"] = {
            "events": events[:40],
            "pids": [pid, s.client.pid],
            "asked": asked,
            "group": g.Label if g is not None else None,
            "message": s.last_message,
            "wall_bbox_mm": wall_bbox(g) if g is not None else None,
        }
        close_boxes()
        # the user cancels the question: nothing starts, the document stays as it was
        before = doc_state(doc)
        load_dialog._exec = lambda dlg: False
        Gui.runCommand("CAD3D_ConvertImage")
        F["pdf"]["cancel_busy"] = s.busy
        F["pdf"]["cancel_unchanged"] = doc_state(doc) == before
        dock.findChild(QtWidgets.QDoubleSpinBox, "CAD3D_Scale").setValue(SCALE)
        after(100, s_dxf2d)

    wait_until(lambda: not s.busy, step(then), 60)


def s_dxf2d():
    """A 2D DXF imported by FreeCAD's own importer (C++ by default), its shapes selected and
    converted with CAD3D_ConvertSketch."""
    import importDXF

    from freecad_cad3d.gui import jobs

    s = jobs.session()
    s.last_group = None
    draft = App.ParamGet("User parameter:BaseApp/Preferences/Mod/Draft")
    draft.SetBool("dxfUseLegacyPython", False)  # the legacy one needs a download (offline here)
    draft.SetBool("dxfShowDialog", False)
    doc = App.newDocument("Dxf2d")
    t0 = time.perf_counter()
    importDXF.insert(inputs()["dxf"], doc.Name)
    doc.recompute()
    shapes = [o for o in doc.Objects if hasattr(o, "Shape") and o.Shape.Edges]
    F["dxf2d"] = {
        "imported": [(o.TypeId, len(o.Shape.Edges)) for o in shapes],
        "import_s": time.perf_counter() - t0,
    }
    Gui.Selection.clearSelection()
    for o in shapes:
        Gui.Selection.addSelection(o)
    F["dxf2d"]["active"] = Gui.Command.get("CAD3D_ConvertSketch").isActive()
    Gui.runCommand("CAD3D_ConvertSketch")

    def then():
        g = s.last_group
        F["dxf2d"].update(
            {
                "group": g.Label if g is not None else None,
                "message": s.last_message,
                "members": [(o.TypeId, o.Label) for o in g.Group] if g is not None else [],
                "wall_bbox_mm": wall_bbox(g) if g is not None else None,
            }
        )
        if g is not None:
            v = Gui.getDocument(doc.Name).ActiveView
            v.viewIsometric()
            Gui.SendMsgToActiveView("ViewFit")
            v.saveImage(os.path.join(ART, "view_dxf2d.png"), 800, 600, "White")
        close_boxes()
        after(100, s_bad_inputs)

    wait_until(lambda: not s.busy, step(then), 60)


def s_bad_inputs():
    """Every bad file through CAD3D_ConvertImage: the engine's one-line message in a box and
    the report view, no traceback, the document exactly as it was."""
    from freecad_cad3d.gui import jobs, load_dialog

    s = jobs.session()
    doc = App.ActiveDocument  # the 2D DXF's: the user's imported shapes and their 3D group
    asked = []
    load_dialog._exec = lambda dlg: asked.append(1) or False
    cases = list(inputs()["bad"])
    F["bad"] = {"cases": {}, "report_found": report_text() is not None}
    report0 = report_text() or ""

    def run_next():
        if not cases:
            tail = (report_text() or "")[len(report0) :]
            F["bad"]["report_has_traceback"] = "Traceback" in tail
            F["bad"]["report_tail"] = tail[-4000:]
            F["bad"]["dialogs_asked"] = len(asked)
            after(100, s_export_bad)
            return
        case = cases.pop(0)
        close_boxes()
        before = doc_state(doc)
        patch_dialogs(open_path=case["path"])
        s.last_message = ""
        Gui.runCommand("CAD3D_ConvertImage")

        def then():
            texts, others = cad3d_boxes()
            if case["name"] == "photo":
                shoot_box("bad_input_box.png")
            F["bad"]["cases"][case["name"]] = {
                "message": s.last_message,
                "boxes": texts,
                "other_dialogs": others,
                "unchanged": doc_state(doc) == before,
                "busy": s.busy,
            }
            QtCore.QTimer.singleShot(50, step(run_next))

        wait_until(lambda: not s.busy and s.last_message, step(then), 30)

    run_next()


def s_export_bad():
    """CAD3D_ExportDXF to paths that cannot be written: a message, no file, no traceback."""
    ex = F.get("extrude", {})
    doc = App.getDocument(ex["doc"])
    g = doc.getObject(ex["group_name"])
    App.setActiveDocument(doc.Name)  # the selection is the active document's
    Gui.setActiveDocument(doc.Name)
    report0 = report_text() or ""
    F["export_bad"] = {}
    for path in inputs()["bad_export"]:
        close_boxes()
        before = doc_state(doc)
        Gui.Selection.clearSelection()
        Gui.Selection.addSelection(g)
        patch_dialogs(save_path=path)
        active = Gui.Command.get("CAD3D_ExportDXF").isActive()
        Gui.runCommand("CAD3D_ExportDXF")
        texts, others = cad3d_boxes()
        F["export_bad"][path] = {
            "active": active,
            "boxes": texts,
            "other_dialogs": others,
            "exists": os.path.exists(path),
            "unchanged": doc_state(doc) == before,
        }
    shoot_box("bad_export_box.png")

    def read_report():  # the report view appends posted events: read it a moment later
        F["export_bad_report"] = (report_text() or "")[len(report0) :][-2000:]
        close_boxes()
        after(100, s_install)

    after(300, read_report)


def s_install():
    """The engine installer, offline against an empty wheel folder: a venv is made, pip fails,
    and the message says what failed (FreeCAD's own Python is never touched)."""
    import tempfile

    from freecad_cad3d.gui import install_dialog

    tmp = tempfile.mkdtemp(prefix="cad3d-install-")
    wheels = os.path.join(tmp, "wheels")
    os.mkdir(wheels)
    from pathlib import Path

    inst = install_dialog.Installer(Path(tmp) / "venv", Path(wheels), offline=True)
    result = {}
    inst.finished.connect(lambda ok, msg: result.update(ok=ok, message=msg))
    t0 = time.perf_counter()
    inst.start(show=True)
    F["install"] = {"dialog_shown": inst.dialog is not None and inst.dialog.isVisible()}

    def then():
        F["install"].update(result)
        F["install"]["seconds"] = time.perf_counter() - t0
        F["install"]["venv_python"] = os.path.exists(os.path.join(tmp, "venv", "bin", "python"))
        F["install"]["pip_lines"] = inst.lines[-3:]
        import shutil

        shutil.rmtree(tmp, ignore_errors=True)
        after(100, s_console_learned)

    wait_until(lambda: bool(result), step(then), 90)


def s_console_learned():
    """The macro API with a learned method in the GUI: FreeCAD's own process would segfault
    on `import timm`, so the call must go through the engine worker and still return the group."""
    import freecad_cad3d

    doc = App.newDocument("Console")
    t0 = time.perf_counter()
    g = freecad_cad3d.convert(IMAGE, method="vit", scale=SCALE, kind="floorplan", doc=doc)
    F["console"] = {
        "seconds": time.perf_counter() - t0,
        "doc": g.Document.Name,
        "members": [(o.TypeId, o.Label) for o in g.Group],
        "methods": sorted({o.CAD3D_Method for o in g.Group}),
        "torch_in_gui": "torch" in sys.modules,
    }
    after(100, quit_all)


QtCore.QTimer.singleShot(300, step(s_workbench))
QtCore.QTimer.singleShot(200000, quit_all)  # hard stop
