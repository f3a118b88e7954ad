"""Problems a person can fix while training: bad settings, unusable files, a run that cannot resume."""

from __future__ import annotations

from workbench.errors import WorkbenchError


class TrainError(WorkbenchError):
    """A run that cannot start or continue; the message says why and what to change."""


class ConfigError(TrainError):
    """A training setting that cannot be used; the message names it."""
