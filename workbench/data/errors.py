"""The error every data loader raises for input a person can fix."""

from __future__ import annotations

from ..errors import WorkbenchError


class DatasetError(WorkbenchError):
    """A data set that cannot be loaded or fitted; the message names the problem."""
