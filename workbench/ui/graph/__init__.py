"""The graph canvas: a node editor that follows a `Document`.

Edits go through the Document's undo commands (`commands`), which change the
spec only, through the Qt-free `workbench.spec.edits`; the scene (`scene`)
redraws from the Document's `specChanged` signal, relaying out
(`workbench.spec.layout`) only when the graph's structure changed.
"""
