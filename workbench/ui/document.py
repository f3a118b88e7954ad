"""The edited model: spec, its analysis, selection, file path and undo history.

Every edit goes through one undo command (`graph.commands`); the Document
recomputes `analysis` once per change and emits `specChanged`, which is all
the views (canvas, inspector, summary table, problems) listen to.  Nothing
here imports TensorFlow: the numbers come from `workbench.spec.analyze`.
"""

from __future__ import annotations

from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QUndoStack

from workbench.spec import Analysis, ModelSpec, analyze, edits
from workbench.spec.edits import SpecState

from .graph import commands


class Document(QObject):
    """One open model.

    Signals: `specChanged()` after every edit, undo, redo or load;
    `selectionChanged(list)` with layer names; `pathChanged(str)` ("" for an
    unsaved model); `loaded()` when a different model replaced the old one
    (views reset their zoom and collapsed blocks); `dirtyChanged(bool)`.
    """

    specChanged = Signal()
    selectionChanged = Signal(list)
    pathChanged = Signal(str)
    loaded = Signal()
    dirtyChanged = Signal(bool)

    def __init__(self, spec: ModelSpec | None = None, path: str | Path | None = None, parent: QObject | None = None):
        super().__init__(parent)
        self.undo_stack = QUndoStack(self)
        self.undo_stack.cleanChanged.connect(self._on_clean_changed)
        self._spec = ModelSpec("Untitled", (28, 28, 1), [])
        self._analysis = analyze(self._spec)
        self._path: Path | None = None
        self._baseline = self._spec.copy()
        self._selection: list[str] = []
        self._macro_depth = 0
        self._pending_change = False
        if spec is not None:
            self.load(spec, path)

    # -- state -----------------------------------------------------------
    @property
    def spec(self) -> ModelSpec:
        return self._spec

    @property
    def analysis(self) -> Analysis:
        return self._analysis

    @property
    def path(self) -> Path | None:
        return self._path

    @path.setter
    def path(self, value: str | Path | None) -> None:
        new = Path(value) if value else None
        if new != self._path:
            self._path = new
            self.pathChanged.emit(str(new) if new else "")

    @property
    def baseline(self) -> ModelSpec:
        """The model as last opened or saved: the "before" when diffing the edits made since."""
        return self._baseline

    @property
    def dirty(self) -> bool:
        return not self.undo_stack.isClean()

    def trainable(self) -> ModelSpec:
        """What Train trains: this model (a window with several networks trains them all, see `network_tabs`)."""
        return self._spec

    def state(self) -> SpecState:
        return SpecState.of(self._spec)

    def load(self, spec: ModelSpec, path: str | Path | None = None) -> None:
        """Replace the model (a copy of `spec`); the undo history starts afresh."""
        self._spec = spec.copy()
        self._baseline = spec.copy()
        self.undo_stack.clear()
        self._selection = []
        self.path = path
        self._analysis = analyze(self._spec)
        self.loaded.emit()
        self.specChanged.emit()
        self.selectionChanged.emit([])

    def mark_saved(self, path: str | Path | None = None) -> None:
        """After a successful save: remember the file and make the current state clean."""
        if path is not None:
            self.path = path
        self._baseline = self._spec.copy()
        self.undo_stack.setClean()

    # -- selection -------------------------------------------------------
    def selection(self) -> list[str]:
        return list(self._selection)

    def set_selection(self, names: list[str]) -> None:
        known = set(self._spec.input_names()) | set(self._spec.names())
        names = [n for n in dict.fromkeys(names) if n in known]
        if names != self._selection:
            self._selection = names
            self.selectionChanged.emit(list(names))

    # -- edits (each pushes one undo step) -------------------------------
    def add_layer(
        self,
        type_: str,
        config: dict | None = None,
        after: str | None = None,
        on_edge: tuple[str, str] | None = None,
        name: str | None = None,
    ) -> str:
        """Add a layer reading `after` (default: the last layer) or inserted into `on_edge`; returns its name."""
        cmd = commands.AddLayerCommand(self, type_, config, after, tuple(on_edge) if on_edge else None, name)
        self._push(cmd)
        self.set_selection([cmd.name])
        return cmd.name

    def remove_layers(self, names: list[str]) -> None:
        self._push(commands.RemoveLayersCommand(self, list(names)))

    def connect(self, src: str, dst: str) -> None:
        self._push(commands.ConnectCommand(self, src, dst))

    def disconnect(self, src: str, dst: str) -> None:
        self._push(commands.DisconnectCommand(self, src, dst))

    def rename(self, old: str, new: str) -> None:
        if new == old:
            return
        selection = self._selection
        self._push(commands.RenameCommand(self, old, new))
        if old in selection:
            self.set_selection([new if n == old else n for n in selection])

    def set_config(self, name: str, key: str, value: Any) -> None:
        """Set one config value (validated by the catalogue; ValueError and no undo step if invalid)."""
        self._push(commands.SetConfigCommand(self, name, key, value))

    def set_initial_state(self, name: str, refs: list[str] | None) -> None:
        """Recurrent layer `name` starts from the outputs `refs`; None or [] clears it (ValueError if refused)."""
        self._push(commands.SetInitialStateCommand(self, name, list(refs) if refs else None))

    def set_input_shape(self, shape) -> None:
        self._push(commands.SetInputShapeCommand(self, shape))

    def set_classes(self, n: int) -> None:
        self._push(commands.SetClassesCommand(self, n))

    def paste(self, layer_dicts: list[dict], after: str | None = None) -> list[str]:
        """Insert copied layers after `after` (default: the last selected layer, else the last layer)."""
        if after is None:
            layers = [n for n in self._selection if n in set(self._spec.names())]
            after = layers[-1] if layers else None
        cmd = commands.PasteCommand(self, layer_dicts, after)
        self._push(cmd)
        self.set_selection(cmd.names)
        return cmd.names

    def copy_layers(self, names: list[str]) -> list[dict]:
        return edits.copy_layers(self._spec, names)

    @contextmanager
    def macro(self, label: str) -> Iterator[None]:
        """Group the edits made inside into one undo step, analysed once at the end.

        If an edit inside raises, the edits before it are rolled back.
        """
        if self._macro_depth:
            self._macro_depth += 1
            try:
                yield
            finally:
                self._macro_depth -= 1
            return
        before = self.state()
        self._macro_depth = 1
        try:
            yield
        except BaseException:
            before.apply_to(self._spec)
            self._drop_missing_from_selection()
            raise
        finally:
            self._macro_depth = 0
            pending, self._pending_change = self._pending_change, False
        after = self.state()
        if after != before:
            self.undo_stack.push(commands.CompoundCommand(self, label, before, after))
        elif pending:
            self._changed()

    # -- plumbing for the commands ---------------------------------------
    def _push(self, cmd: commands.SpecCommand) -> None:
        if cmd.is_noop:
            return
        if self._macro_depth:
            cmd.redo()
        else:
            self.undo_stack.push(cmd)

    def _apply(self, state: SpecState) -> None:
        """Called by the undo commands only."""
        state.apply_to(self._spec)
        if self._macro_depth:
            self._pending_change = True
        else:
            self._changed()

    def _changed(self) -> None:
        self._analysis = analyze(self._spec)
        self.specChanged.emit()
        self._drop_missing_from_selection()

    def _drop_missing_from_selection(self) -> None:
        self.set_selection(self._selection)

    def _on_clean_changed(self, clean: bool) -> None:
        self.dirtyChanged.emit(not clean)
