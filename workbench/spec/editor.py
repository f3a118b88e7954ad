"""Editing a model from Python: the window's graph edits, without the window.

    from workbench.spec import load_named
    from workbench.spec.editor import SpecEditor

    spec = load_named("lenet5")
    edit = SpecEditor(spec)
    edit.insert("Dropout", between=("f6", "f7"), config={"rate": 0.25})
    edit.rename("c1", "conv1")

Every method runs the same validation as the canvas and the inspector
(`edits`): a refused edit raises ValueError with the window's message and
leaves the spec unchanged.  The editor changes the spec it was given, in
place; keep `spec.copy()` to compare with or to go back to.
"""

from __future__ import annotations

from typing import Any, Iterable

from . import edits, state_edits
from .collapse import Block, CollapsedGraph, collapsed_graph, find_blocks
from .graph import ModelSpec


class SpecEditor:
    """Edits one `ModelSpec` in place, one validated step at a time."""

    def __init__(self, spec: ModelSpec):
        self.spec = spec

    def _apply(self, state: edits.SpecState | None) -> None:
        if state is not None:  # None: the edit changes nothing
            state.apply_to(self.spec)

    # -- layers and connections --------------------------------------------------
    def add(self, type_: str, config: dict | None = None, after: str | None = None, name: str | None = None) -> str:
        """A new layer reading `after` (default: the last layer); returns its name (`conv2d_1` if not given)."""
        state, added = edits.add_layer(self.spec, type_, config, after=after, name=name)
        self._apply(state)
        return added

    def insert(self, type_: str, between: tuple[str, str], config: dict | None = None, name: str | None = None) -> str:
        """A new layer on the connection `between` = (source, destination); returns its name."""
        state, added = edits.add_layer(self.spec, type_, config, on_edge=tuple(between), name=name)
        self._apply(state)
        return added

    def connect(self, src: str, dst: str) -> None:
        """Feed `src` into `dst`: a merge layer gains an input, any other layer's input is replaced."""
        self._apply(edits.connect(self.spec, src, dst))

    def disconnect(self, src: str, dst: str) -> None:
        self._apply(edits.disconnect(self.spec, src, dst))

    def remove(self, *names: str) -> None:
        """Delete layers; whatever read a deleted layer reads its input instead, a state from it is dropped."""
        self._apply(edits.remove_layers(self.spec, names))

    def rename(self, old: str, new: str) -> None:
        """Rename a layer and every reference to it (inputs, initial states, model outputs; output indices kept)."""
        if new != old:
            self._apply(edits.rename(self.spec, old, new))

    def set_initial_state(self, name: str, refs: Iterable[str] | None) -> None:
        """Recurrent layer `name` starts from the outputs `refs` ('enc:1' reads output 1); None or [] clears it."""
        self._apply(state_edits.set_initial_state(self.spec, name, refs))

    # -- values ------------------------------------------------------------------
    def set(self, name: str, key: str, value: Any) -> None:
        """One config value of layer `name`, checked and stored as the inspector stores it."""
        self._apply(edits.set_config(self.spec, name, key, value))

    def set_input_shape(self, shape: Iterable) -> None:
        self._apply(edits.set_input_shape(self.spec, shape))

    def set_classes(self, classes: int) -> None:
        """Resize the classifier head(s) to `classes` outputs."""
        self._apply(edits.set_classes(self.spec, classes))

    # -- copy and paste ----------------------------------------------------------
    def copy(self, names: Iterable[str]) -> list[dict]:
        """The named layers as preset layer dicts, for `paste` here or into another spec."""
        return edits.copy_layers(self.spec, names)

    def paste(self, layer_dicts: list[dict], after: str | None = None) -> list[str]:
        """Insert copied layers after `after` (default: the last layer); returns their (free) names."""
        state, names = edits.paste(self.spec, layer_dicts, after)
        self._apply(state)
        return names

    # -- blocks ------------------------------------------------------------------
    def blocks(self) -> dict[str, Block]:
        """The repeated blocks found from layer names (`conv3_block2`, `inception_4a`), outer first."""
        return find_blocks(self.spec)

    def collapse(self, keys: Iterable[str]) -> CollapsedGraph:
        """The graph with the named blocks each shown as one node, as the canvas draws it.

        A view, not an edit: the spec keeps every layer.  Unknown keys raise ValueError.
        """
        blocks = find_blocks(self.spec)
        keys = set(keys)
        unknown = sorted(keys - set(blocks))
        if unknown:
            known = ", ".join(blocks) or "none"
            raise ValueError(f"no block named {', '.join(map(repr, unknown))} (blocks: {known})")
        return collapsed_graph(self.spec, blocks, keys)
