"""Undo commands: one class per kind of edit, each with a readable label.

A command computes the spec state after its edit when it is created (through
`workbench.spec.edits`, which validates and raises ValueError before anything is pushed) and
afterwards only swaps the Document between the states before and after.  It
never touches a view: the Document recomputes its analysis and emits
`specChanged`, and the views redraw from that.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtGui import QUndoCommand

from workbench.spec import edits, state_edits
from workbench.spec.edits import SpecState
from workbench.spec.units import shape_text

if TYPE_CHECKING:
    from workbench.ui.document import Document


class SpecCommand(QUndoCommand):
    """Swaps the Document between the spec states before and after one edit."""

    def __init__(self, doc: "Document", label: str, after: SpecState | None, before: SpecState | None = None):
        super().__init__(label)
        self._doc = doc
        self.before = before if before is not None else doc.state()
        self.after = after

    @property
    def is_noop(self) -> bool:
        """True when the edit would change nothing (the Document then pushes nothing)."""
        return self.after is None or self.after == self.before

    def redo(self) -> None:
        self._doc._apply(self.after)

    def undo(self) -> None:
        self._doc._apply(self.before)


class AddLayerCommand(SpecCommand):
    def __init__(self, doc, type_: str, config=None, after=None, on_edge=None, name=None):
        state, self.name = edits.add_layer(doc.spec, type_, config, after, on_edge, name)
        if on_edge is not None:
            label = f"Insert {type_} '{self.name}' between '{on_edge[0]}' and '{on_edge[1]}'"
        else:
            label = f"Add {type_} '{self.name}'"
        super().__init__(doc, label, state)


class RemoveLayersCommand(SpecCommand):
    def __init__(self, doc, names: list[str]):
        names = list(dict.fromkeys(names))
        label = f"Delete '{names[0]}'" if len(names) == 1 else f"Delete {len(names)} layers"
        super().__init__(doc, label, edits.remove_layers(doc.spec, names))


class ConnectCommand(SpecCommand):
    def __init__(self, doc, src: str, dst: str):
        super().__init__(doc, f"Connect '{src}' → '{dst}'", edits.connect(doc.spec, src, dst))


class DisconnectCommand(SpecCommand):
    def __init__(self, doc, src: str, dst: str):
        super().__init__(doc, f"Disconnect '{src}' → '{dst}'", edits.disconnect(doc.spec, src, dst))


class RenameCommand(SpecCommand):
    def __init__(self, doc, old: str, new: str):
        super().__init__(doc, f"Rename '{old}' to '{new}'", edits.rename(doc.spec, old, new))


class SetInitialStateCommand(SpecCommand):
    def __init__(self, doc, name: str, refs: list[str] | None):
        label = f"Start '{name}' from {', '.join(refs)}" if refs else f"Clear the initial state of '{name}'"
        super().__init__(doc, label, state_edits.set_initial_state(doc.spec, name, refs))


class SetConfigCommand(SpecCommand):
    """One config value; consecutive edits of the same value merge into one undo step.

    An inspector spin box commits on every step; merging keeps "filters 64 →
    65 → 66" a single entry that undoes back to 64.
    """

    MERGE_ID = 1

    def __init__(self, doc, name: str, key: str, value: Any):
        self.layer, self.key = name, key
        state = edits.set_config(doc.spec, name, key, value)
        shown = state.layers[doc.spec.names().index(name)].config.get(key) if state else value
        super().__init__(doc, f"Set {name}.{key} = {shown}", state)

    def id(self) -> int:
        return self.MERGE_ID

    def mergeWith(self, other: QUndoCommand) -> bool:
        if not isinstance(other, SetConfigCommand) or (other.layer, other.key) != (self.layer, self.key):
            return False
        self.after = other.after
        self.setText(other.text())
        if self.after == self.before:
            self.setObsolete(True)
        return True


class SetInputShapeCommand(SpecCommand):
    def __init__(self, doc, shape):
        state = edits.set_input_shape(doc.spec, shape)
        shown = shape_text(state.input_shape) if state else shape_text(doc.spec.input_shape)
        super().__init__(doc, f"Set input shape to {shown}", state)


class SetClassesCommand(SpecCommand):
    def __init__(self, doc, classes: int):
        super().__init__(doc, f"Set classes to {classes}", edits.set_classes(doc.spec, classes))


class PasteCommand(SpecCommand):
    def __init__(self, doc, layer_dicts: list[dict], after: str | None = None):
        state, self.names = edits.paste(doc.spec, layer_dicts, after)
        label = f"Paste '{self.names[0]}'" if len(self.names) == 1 else f"Paste {len(self.names)} layers"
        super().__init__(doc, label, state)


class CompoundCommand(SpecCommand):
    """Several edits made as one gesture (`Document.macro`): one undo step."""

    def __init__(self, doc, label: str, before: SpecState, after: SpecState):
        super().__init__(doc, label, after, before)
