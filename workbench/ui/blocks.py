"""Blocks in the GUI: the palette's "Blocks" group, its drag payload, inserting and saving blocks,
and the form that edits a block instance's parameters as one unit.

The blocks come from the package's `presets/blocks/` and the user's own folder
(`workbench.paths.blocks_dir()`), read once through `library()`,
which the palette, the canvas and the inspector share.  The rules (names,
ports, parameters, instances) live in `workbench.spec.blocks` and
`workbench.spec.block_edits`; this module only wires
them to the Document, so that inserting a block or changing one of its
parameters is one undo step.
"""

from __future__ import annotations

import html
import json
from pathlib import Path
from typing import Any

from PySide6.QtCore import QMimeData, QObject, Qt, Signal, Slot
from PySide6.QtWidgets import QDoubleSpinBox, QFormLayout, QLabel, QSpinBox, QVBoxLayout, QWidget

from ..spec import INPUT
from ..spec.block_edits import Instance, block_from_selection, free_prefix, instance_for_layers, instantiate, slugify
from ..spec.blocks import Block, BlockError, BlockParameter, block_from_data, bundled_blocks_dir, load_blocks, save_block
from .. import paths
from ..spec.units import human, shape_text

#: palette drag payload: {"slug": ..., "block": <the block file's JSON>}, UTF-8
BLOCK_MIME = "application/x-workbench-block"
_INT_LIMIT = 2**31 - 1


class BlockLibrary(QObject):
    """The bundled blocks, then the user's (which replace bundled ones of the same name).

    Signal `changed()` after a block was saved or the folders were read again.
    Files that cannot be used are left out and listed in `problems()`.
    """

    changed = Signal()

    def __init__(self, parent: QObject | None = None):
        super().__init__(parent)
        self._folders: tuple[Path, ...] | None = None
        self._blocks: dict[str, Block] = {}
        self._problems: list[str] = []

    def folders(self) -> tuple[Path, ...]:
        return bundled_blocks_dir(), paths.blocks_dir()

    def blocks(self) -> dict[str, Block]:
        if self._folders != self.folders():
            self._load()
        return dict(self._blocks)

    def problems(self) -> list[str]:
        self.blocks()
        return list(self._problems)

    def get(self, slug: str) -> Block:
        block = self.blocks().get(slug)
        if block is None:
            raise BlockError(f"there is no block named '{slug}'")
        return block

    def reload(self) -> None:
        self._load()
        self.changed.emit()

    def save(self, block: Block) -> Path:
        path = save_block(block, paths.blocks_dir())
        self.reload()
        return path

    def free_slug(self, slug: str) -> str:
        """`slug`, or `slug_b`, `slug_c`, … when a block of that name exists (names end in a letter)."""
        taken = set(self.blocks())
        for suffix in ("", *(f"_{letter}" for letter in "bcdefghijklmnopqrstuvwxyz")):
            if slug + suffix not in taken:
                return slug + suffix
        raise BlockError(f"there are too many blocks named '{slug}': choose another name")

    def _load(self) -> None:
        self._folders = self.folders()
        self._blocks, self._problems = load_blocks(self._folders)


_library: BlockLibrary | None = None


def library() -> BlockLibrary:
    """The one library of this process (the palette, canvas and inspector share it)."""
    global _library
    if _library is None:
        _library = BlockLibrary()
    return _library


# -- palette entries and the drag payload ----------------------------------------------
def tooltip(block: Block) -> str:
    params = ", ".join(
        f"{html.escape(p.title)} = {p.default:g}" for p in block.parameters.values()
    ) or "none"
    ports = f"inputs: {', '.join(block.inputs)} · outputs: {', '.join(block.outputs)}"
    layers = sum(1 for l in block.spec.layers if l.type != "Input")
    return (
        f"<b>{html.escape(block.title)}</b> ({layers} layers)<br>{ports}<br>parameters: {params}"
        f"<br>{html.escape(block.description)}"
    )


def block_mime(block: Block) -> QMimeData:
    mime = QMimeData()
    mime.setData(BLOCK_MIME, json.dumps({"slug": block.slug, "block": block.to_data()}, ensure_ascii=False).encode())
    mime.setText(block.title)
    return mime


def block_from_mime(mime: QMimeData) -> Block:
    try:
        data = json.loads(bytes(mime.data(BLOCK_MIME)).decode("utf-8"))
        slug, content = data["slug"], data["block"]
    except (UnicodeDecodeError, json.JSONDecodeError, KeyError, TypeError):
        raise BlockError("the dropped data is not a block") from None
    return block_from_data(content, slug, f"dropped block '{slug}'")


# -- edits on the Document ----------------------------------------------------------------
def insert_block(doc, block: Block, after: str | None = None, before: str | None = None, params=None) -> Instance:
    """Add an instance of `block` reading `after` (default: the last selected layer, else the last
    layer); with `before`, it goes into the edge `after` → `before`.  One undo step; the new
    layers end up selected.  Parameters that scale with the input's channels see `after`'s."""
    spec = doc.spec
    if after is None:
        known = set(spec.input_names()) | set(spec.names())
        selected = [n for n in doc.selection() if n in known]
        after = selected[-1] if selected else (spec.names()[-1] if spec.names() else INPUT)
    info = doc.analysis.layers.get(after)
    channels = info.output_shape[-1] if info is not None and info.output_shape else None
    instance = Instance(block, free_prefix(block.slug, spec.input_names() + spec.names()))
    layers = instantiate(block, params, (), after, input_channels=channels, prefix=instance.prefix)
    with doc.macro(f"Insert {block.title} '{instance.prefix}'"):
        names = doc.paste([layer.to_dict() for layer in layers], after=after)
        if before is not None:
            doc.connect(instance.name(block.outputs[0]), before)
            if after in doc.spec.edges()[before]:  # a merge layer gained an input instead of swapping it
                doc.disconnect(after, before)
    doc.set_selection(names)
    return instance


def selected_instance(doc, names: list[str]) -> Instance | None:
    """The block instance whose layers are exactly `names` (a collapsed block node), if any."""
    return instance_for_layers(doc.spec, names, library().blocks())


def set_parameter(doc, instance: Instance, name: str, value: Any) -> None:
    """Set block parameter `name` on every layer it targets, as one undo step (ValueError if refused)."""
    edits = instance.edits(doc.spec, doc.analysis, name, value)
    param = instance.block.parameters[name]
    with doc.macro(f"Set {param.title} of '{instance.prefix}' to {param.check(value):g}"):
        for layer, key, target_value in edits:
            doc.set_config(layer, key, target_value)


def save_selection(doc, names: list[str], title: str) -> Path:
    """Save the selected layers as a block in the user's folder; returns the file written."""
    lib = library()
    block = block_from_selection(doc.spec, names, title, doc.analysis, slug=lib.free_slug(slugify(title)))
    return lib.save(block)


# -- the inspector's form for a block instance --------------------------------------------
class BlockForm(QWidget):
    """A selected block instance: what it adds up to, and one field per block parameter.

    A field's edit sets every layer the parameter targets in one undo step; a
    refused value is shown in red under the field, which reverts.
    """

    def __init__(self, document, parent=None):
        super().__init__(parent)
        self.doc = document
        self.instance: Instance | None = None
        self._block: Block | None = None
        self._rows: dict[str, tuple[QSpinBox | QDoubleSpinBox, QLabel]] = {}
        self._values: dict[str, int | float | None] = {}
        self.title = QLabel()
        self.title.setProperty("role", "heading")
        self.title.setWordWrap(True)
        self.facts = QLabel()
        self.facts.setWordWrap(True)
        self.facts.setTextInteractionFlags(Qt.TextSelectableByMouse)
        self.problems = QLabel()
        self.problems.setProperty("role", "error")
        self.problems.setWordWrap(True)
        self.description = QLabel()
        self.description.setProperty("role", "caption")
        self.description.setWordWrap(True)
        self.form = QFormLayout()
        self.form.setLabelAlignment(Qt.AlignRight | Qt.AlignVCenter)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(10, 10, 10, 10)
        layout.setSpacing(6)
        for widget in (self.title, self.facts, self.problems):
            layout.addWidget(widget)
        layout.addLayout(self.form)
        layout.addWidget(self.description)
        layout.addStretch(1)

    def editor(self, name: str) -> QSpinBox | QDoubleSpinBox:
        return self._rows[name][0]

    def error_text(self, name: str) -> str:
        label = self._rows[name][1]
        return label.text() if label.isVisibleTo(self) else ""

    def show_instance(self, instance: Instance) -> None:
        if instance.block is not self._block:
            self._rebuild(instance.block)
        if self.instance is None or instance.prefix != self.instance.prefix:
            for _, error in self._rows.values():
                error.hide()
        self.instance = instance
        spec, analysis = self.doc.spec, self.doc.analysis
        block = instance.block
        names = instance.layer_names()
        infos = [analysis.layers[n] for n in names if n in analysis.layers]
        outputs = [analysis.layers.get(instance.name(o)) for o in block.outputs]
        shapes = ", ".join(shape_text(i.output_shape) if i else "?" for i in outputs)
        self.title.setText(f"{instance.prefix}  <span style='font-weight:normal'>· {html.escape(block.title)}</span>")
        self.facts.setText(
            f"{len(names)} layers · output {shapes} · {sum(i.params for i in infos):,} params · "
            f"{human(sum(i.macs for i in infos))} MACs"
        )
        found = [p for p in analysis.problems if p.layer in set(names)]
        lines = [f"{html.escape(p.layer)}: {html.escape(p.message)}" for p in found if p.severity == "error"]
        warnings = len(found) - len(lines)
        if warnings:
            lines.append(f"{warnings} warning{'s' * (warnings > 1)} on its layers (see Problems)")
        self.problems.setText("<br>".join(lines))
        self.problems.setVisible(bool(lines))
        self.description.setText(block.description)
        self._values = instance.values(spec, analysis)
        for name, (box, _) in self._rows.items():
            box.blockSignals(True)
            box.setValue(self._values[name] if self._values[name] is not None else box.minimum())
            box.blockSignals(False)

    def _rebuild(self, block: Block) -> None:
        while self.form.rowCount():
            self.form.removeRow(0)
        self._rows = {}
        self._block = block
        for name, param in block.parameters.items():
            box = _spin_box(param)
            box.setProperty("parameter", name)
            box.setToolTip(param.help)
            error = QLabel()
            error.setProperty("role", "error")
            error.setWordWrap(True)
            error.hide()
            field = QWidget()
            column = QVBoxLayout(field)
            column.setContentsMargins(0, 0, 0, 0)
            column.setSpacing(2)
            column.addWidget(box, 0, Qt.AlignLeft)
            column.addWidget(error)
            label = QLabel(param.title)
            label.setToolTip(param.help)
            self.form.addRow(label, field)
            self._rows[name] = (box, error)
            box.valueChanged.connect(self._on_value_changed)

    @Slot()
    def _on_value_changed(self) -> None:
        name = self.sender().property("parameter")
        box, error = self._rows[name]
        value = box.value()
        if value == self._values.get(name):
            return
        try:
            set_parameter(self.doc, self.instance, name, value)
        except ValueError as exc:
            error.setText(str(exc))
            error.show()
            box.blockSignals(True)
            box.setValue(self._values[name] if self._values[name] is not None else box.minimum())
            box.blockSignals(False)
        else:
            error.hide()


def _spin_box(param: BlockParameter) -> QSpinBox | QDoubleSpinBox:
    """A spin box within the parameter's bounds that commits on Enter, focus-out or the arrows."""
    if param.type == "int":
        box = QSpinBox()
        box.setRange(int(param.minimum) if param.minimum is not None else -_INT_LIMIT,
                     int(param.maximum) if param.maximum is not None else _INT_LIMIT)
    else:
        box = QDoubleSpinBox()
        box.setDecimals(4)
        box.setSingleStep(0.05)
        box.setRange(param.minimum if param.minimum is not None else -1e9,
                     param.maximum if param.maximum is not None else 1e9)
    box.setKeyboardTracking(False)
    box.setAlignment(Qt.AlignRight)
    box.setFixedWidth(100)
    return box
