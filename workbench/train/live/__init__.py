"""Qt-free data behind the window's live training views: curve records, statistics, mosaics, feature reuse,
data previews and probe samples, the memory check and progress/ETA.

Nothing here imports Qt or Keras, so the Python API and tests use them without a display.
"""
