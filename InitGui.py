# CAD3D: FreeCAD GUI entry. FreeCAD executes this file inside a function and without __file__:
# names imported up here would be invisible in the methods, so everything is imported inside them.
# Nothing heavy runs at start-up: the commands load when the workbench is first activated.


class CAD3DWorkbench(Workbench):  # noqa: F821 - FreeCADGui.Workbench, provided by FreeCAD
    MenuText = "CAD3D"
    ToolTip = "Turn 2D drawings (floor plans, part drawings, site plans) into 3D models"
    Icon = ""

    def __init__(self):
        try:
            import freecad_cad3d.paths

            self.__class__.Icon = freecad_cad3d.paths.icon("cad3d")
        except Exception:  # the workbench still loads; it just has no icon
            pass

    def Initialize(self):
        import freecad_cad3d.gui.commands as commands
        from freecad_cad3d.gui.qt import QT_TRANSLATE_NOOP

        tools = [
            "CAD3D_ConvertSketch",
            "CAD3D_ConvertImage",
            "CAD3D_ExportDXF",
            "CAD3D_TogglePanel",
        ]
        self.appendToolbar(QT_TRANSLATE_NOOP("Workbench", "CAD3D"), tools)
        self.appendMenu(QT_TRANSLATE_NOOP("Workbench", "CAD3D"), list(commands.COMMANDS))

    def Activated(self):
        pass

    def Deactivated(self):
        pass

    def GetClassName(self):
        return "Gui::PythonWorkbench"


# The addon may be found twice (a Mod-folder link and `freecad -M <clone>`): register it once.
if "CAD3DWorkbench" not in Gui.listWorkbenches():  # noqa: F821 - FreeCADGui, provided by FreeCAD
    Gui.addWorkbench(CAD3DWorkbench())  # noqa: F821
