"""The desktop GUI (PySide6 + pyqtgraph): a thin shell over `workbench.spec`.

Importing this package costs nothing: the modules below import Qt themselves
and nothing here imports TensorFlow/Keras, so the window can appear before
the deep-learning stack has loaded.
"""
