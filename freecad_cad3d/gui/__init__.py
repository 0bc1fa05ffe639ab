"""The workbench's GUI: commands, dock panel, live preview. Imported only when FreeCADGui is up."""
