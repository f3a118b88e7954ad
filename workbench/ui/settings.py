"""Where the GUI keeps what it remembers: QSettings (layout, theme, recent files) and its state folder.

Everything goes through `app_settings()`.  The folders come from
`workbench.paths` (so `$WORKBENCH_HOME` moves them with every other user
folder); one call to `use_directory()` (the `--settings-dir` option) redirects
both the settings file and the autosave folder for this process only.
"""

from __future__ import annotations

import os
from pathlib import Path

from PySide6.QtCore import QByteArray, QSettings

from .. import paths

ORGANIZATION = paths.APP_AUTHOR
APPLICATION = "Keras Workbench"
#: bumped when a stored value changes meaning; older values are migrated in `_migrate`
SETTINGS_VERSION = 1
THEMES = ("light", "dark")
MAX_RECENT = 10

_override: Path | None = None


def use_directory(path: str | os.PathLike) -> None:
    """Keep settings and autosaves under `path` (a profile of its own) for this process."""
    global _override
    path = Path(path)
    path.mkdir(parents=True, exist_ok=True)
    _override = path


def app_settings() -> QSettings:
    """The settings store: an INI file per user, migrated to SETTINGS_VERSION.

    The folder is set on every call, so a changed `$WORKBENCH_HOME` takes effect at once.
    """
    folder = _override if _override is not None else paths.settings_dir()
    QSettings.setPath(QSettings.IniFormat, QSettings.UserScope, str(folder))
    store = QSettings(QSettings.IniFormat, QSettings.UserScope, ORGANIZATION, APPLICATION)
    _migrate(store)
    return store


def _migrate(store: QSettings) -> None:
    """Version 0 (no key) is the empty store; a newer version's layout is not restored."""
    version = int(store.value("version", 0) or 0)
    if version < SETTINGS_VERSION:
        store.setValue("version", SETTINGS_VERSION)


def _stored_by_newer(store: QSettings) -> bool:
    return int(store.value("version", 0) or 0) > SETTINGS_VERSION


def state_dir() -> Path:
    """The folder for autosaves: the user state folder, or `state/` of the `use_directory` profile."""
    path = _override / "state" if _override is not None else paths.state_dir()
    path.mkdir(parents=True, exist_ok=True)
    return path


# -- theme -----------------------------------------------------------------
def theme() -> str:
    value = app_settings().value("ui/theme", "light")
    return value if value in THEMES else "light"


def set_theme(name: str) -> None:
    if name not in THEMES:
        raise ValueError(f"unknown theme '{name}' (known: {', '.join(THEMES)})")
    app_settings().setValue("ui/theme", name)


# -- window layout -----------------------------------------------------------
def save_layout(geometry: QByteArray, state: QByteArray) -> None:
    store = app_settings()
    store.setValue("window/geometry", geometry)
    store.setValue("window/state", state)


def layout() -> tuple[QByteArray | None, QByteArray | None]:
    """(geometry, dock state) as saved, or Nones when absent or written by a newer version."""
    store = app_settings()
    if _stored_by_newer(store):
        return None, None
    geometry = store.value("window/geometry")
    state = store.value("window/state")
    return (
        geometry if isinstance(geometry, QByteArray) else None,
        state if isinstance(state, QByteArray) else None,
    )


# -- recent files ------------------------------------------------------------
def recent_files() -> list[str]:
    value = app_settings().value("files/recent", [])
    if isinstance(value, str):  # QSettings returns a lone string for one-element lists
        value = [value]
    return [str(v) for v in value or []]


def add_recent_file(path: str | os.PathLike) -> None:
    path = str(Path(path).resolve())
    files = [path] + [p for p in recent_files() if p != path]
    app_settings().setValue("files/recent", files[:MAX_RECENT])


def remove_recent_file(path: str | os.PathLike) -> None:
    path = str(Path(path).resolve())
    app_settings().setValue("files/recent", [p for p in recent_files() if p != path])


def clear_recent_files() -> None:
    app_settings().setValue("files/recent", [])


# -- training-memory estimate ------------------------------------------------
def estimate() -> tuple[int, str]:
    """(batch size, optimizer) last chosen for the training-memory estimate."""
    store = app_settings()
    try:
        batch = max(1, int(store.value("estimate/batch_size", 32)))
    except (TypeError, ValueError):
        batch = 32
    return batch, str(store.value("estimate/optimizer", "adam"))


def set_estimate(batch_size: int, optimizer: str) -> None:
    store = app_settings()
    store.setValue("estimate/batch_size", int(batch_size))
    store.setValue("estimate/optimizer", optimizer)


# -- where comparisons and sweeps train ----------------------------------------
def run_backend() -> dict:
    """{"backend": "local"|"ray", "address": str, "workers": int (0: all cores)} last chosen."""
    store = app_settings()
    backend = store.value("backend/name", "local")
    try:
        workers = max(0, int(store.value("backend/workers", 0)))
    except (TypeError, ValueError):
        workers = 0
    return {"backend": backend if backend in ("local", "ray") else "local",
            "address": str(store.value("backend/address", "") or ""), "workers": workers}


def set_run_backend(backend: str, address: str, workers: int) -> None:
    store = app_settings()
    store.setValue("backend/name", backend)
    store.setValue("backend/address", address)
    store.setValue("backend/workers", int(workers))
