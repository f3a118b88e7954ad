"""Where the workbench finds its own files and keeps the user's, decided in one place.

Files shipped with the package (presets, blocks, the schema, style sheets, the
embedded data sets) are found through `importlib.resources`, so an installed
wheel reads the same files as a source checkout.  Everything the workbench
writes for the user goes under the platform's folders for one application
name, or, when `$WORKBENCH_HOME` is set, under that one folder: a profile of
its own (tests, portable installs, a second configuration side by side).

This is a bottom module: any layer, `spec` included, may import it; it
imports only the standard library (platformdirs when a user folder is asked
for).
"""

from __future__ import annotations

import os
from importlib import resources
from pathlib import Path

APP_NAME = "keras-workbench"
APP_AUTHOR = "KerasWorkbench"
#: relocates every user folder below (runs, blocks, state, cache, settings)
HOME_VARIABLE = "WORKBENCH_HOME"


def package_file(*parts: str) -> Path:
    """A file or folder shipped inside the `workbench` package (e.g. "presets", "schema.json")."""
    return Path(str(resources.files("workbench").joinpath(*parts)))


def _user_dir(kind: str) -> Path:
    """`kind` is "data", "state", "cache" or "config": the platformdirs folder, or $WORKBENCH_HOME/<kind>."""
    home = os.environ.get(HOME_VARIABLE)
    if home:
        return Path(home).expanduser() / kind
    import platformdirs

    dirs = platformdirs.PlatformDirs(APP_NAME, APP_AUTHOR)
    return Path(getattr(dirs, f"user_{kind}_dir"))


def runs_dir() -> Path:
    """Where training runs go when the caller names no folder."""
    return _user_dir("data") / "runs"


def blocks_dir() -> Path:
    """The user's own blocks ("Save selection as block")."""
    return _user_dir("data") / "blocks"


def state_dir() -> Path:
    """Autosaves and other state the GUI keeps between sessions."""
    return _user_dir("state")


def settings_dir() -> Path:
    """The folder holding the GUI's settings file."""
    return _user_dir("config")
