"""The bridge's exceptions: readable messages that name the layer or the file."""

from __future__ import annotations

from ..errors import WorkbenchError


class BridgeError(WorkbenchError):
    """A spec Keras cannot build, or a Keras model the workbench cannot represent."""


class ModelFileError(BridgeError):
    """A model file that is refused: unsafe, corrupt, or not a model the workbench can read."""
