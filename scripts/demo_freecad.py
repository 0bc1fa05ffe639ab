"""The README's main job, run by `freecadcmd`: the example floor plan to native FreeCAD objects.

Writes OUT/floorplan.FCStd, OUT/floorplan.dxf and OUT/floorplan_preview.png, then OUT/demo.ok
(a summary) or OUT/demo.err (the one-line reason). freecadcmd exits 0 even when a script raises,
so the verdict is the file and the exit code we set.
"""

import os
import sys
import traceback

import FreeCAD

repo = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
out = os.environ.get("CAD3D_DEMO_OUT", os.path.join(repo, "out"))
for p in (os.path.join(repo, "core"), repo):
    if p not in sys.path:
        sys.path.insert(0, p)

try:
    import freecad_cad3d.paths as paths

    paths.setup_sys_path()
    import freecad_cad3d
    from cad3d.api import load
    from cad3d.exchange.preview import render_preview

    example = os.path.join(repo, "examples", "floorplan.png")
    doc = FreeCAD.newDocument("cad3d_demo")
    group = freecad_cad3d.convert(example, method="extrude", doc=doc)
    fcstd = os.path.join(out, "floorplan.FCStd")
    doc.saveAs(fcstd)
    dxf = freecad_cad3d.export_dxf(group, os.path.join(out, "floorplan.dxf"))
    meshes, _ = freecad_cad3d.export.group_meshset(group)
    png = os.path.join(out, "floorplan_preview.png")
    render_preview(load(example).image, meshes, png, method="extrude, via FreeCAD")
    labels = sorted(o.Label for o in group.Group)
    with open(os.path.join(out, "demo.ok"), "w") as f:
        f.write(
            f"FreeCAD {'.'.join(FreeCAD.Version()[:3])}: group {group.Label!r} with {', '.join(labels)}\n"
        )
        f.write(f"wrote {fcstd}\nwrote {dxf}\nwrote {png}\n")
    FreeCAD.closeDocument(doc.Name)
    sys.exit(0)
except SystemExit:
    raise
except BaseException as exc:
    with open(os.path.join(out, "demo.err"), "w") as f:
        f.write(f"{type(exc).__name__}: {exc}\n")
        traceback.print_exc(file=f)
    sys.exit(1)
