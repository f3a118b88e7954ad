"""The graph canvas: a node editor that follows a `Document`.

Edits go through the Document's undo commands (`commands`), which change the
spec only; the scene (`scene`) redraws from the Document's `specChanged`
signal, relaying out (`layout`) only when the graph's structure changed.
"""
