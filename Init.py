# CAD3D: FreeCAD application init (runs in the GUI and in freecadcmd).
# FreeCAD executes this file without __file__, so paths are computed in freecad_cad3d/paths.py.
# Nothing heavy here: only sys.path set-up and two import-type registrations.
import FreeCAD

try:
    import freecad_cad3d.paths

    freecad_cad3d.paths.setup_sys_path()
    if not getattr(freecad_cad3d.paths, "import_types_added", False):  # the addon may load twice
        FreeCAD.addImportType(
            "cad3d drawing (*.png *.jpg *.jpeg *.tif *.tiff *.pdf)", "freecad_cad3d.drawing_import"
        )
        FreeCAD.addImportType("cad3d 3D DXF mesh (*.dxf)", "freecad_cad3d.dxf_import")
        freecad_cad3d.paths.import_types_added = True
except Exception as exc:  # a broken addon must not stop FreeCAD from starting
    FreeCAD.Console.PrintError(f"CAD3D: Init.py failed: {exc}\n")
