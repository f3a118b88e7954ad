"""GraphScene: the Document's graph as items, kept in step with `specChanged`.

On every change the scene derives the visible graph (layers, with collapsed
blocks as single nodes).  Only when that graph's structure differs from the
last one does it relayout and add or remove items (reusing the items that
stay); otherwise it updates texts, shapes and badges in place, and only the
items whose content changed repaint.
"""

from __future__ import annotations

from collections import defaultdict

from PySide6.QtCore import QPointF, QRectF, Qt, Signal
from PySide6.QtWidgets import QGraphicsScene

from workbench.spec import INPUT, LayerInfo

from workbench.spec.collapse import BLOCK_PREFIX, Block, collapsed_graph, find_blocks
from workbench.spec.labels import node_title
from workbench.spec.layout import layered_layout
from workbench.spec.units import human, shape_text

from .items import HEIGHT, STACK_OFFSET, WIDTH, EdgeItem, NodeContent, NodeItem
from .theme import Theme, light, role

#: a model opened with more nodes than this shows its repeated blocks collapsed (an expanded ResNet-50 or
#: DenseNet-121 fitted to the window is an unreadable strip)
COLLAPSE_ABOVE = 60


def opening_collapsed(blocks: dict[str, Block], names: list[str]) -> set[str]:
    """The blocks to show collapsed when a model of `names` is opened: none up to `COLLAPSE_ABOVE` nodes, else
    all of them, so that the stages show (ResNet-50: 9 nodes) and a double-click on one shows its blocks,
    still collapsed, and a double-click on a block its layers."""
    return set(blocks) if len(names) > COLLAPSE_ABOVE else set()


class GraphScene(QGraphicsScene):
    """Signals: `layoutChanged(bool)` after a relayout (True when a different model
    was loaded), `contentChanged()` after texts or badges changed in place,
    `editFailed(str)` when an edit made on the canvas was refused."""

    layoutChanged = Signal(bool)
    contentChanged = Signal()
    editFailed = Signal(str)

    def __init__(self, parent=None):
        super().__init__(parent)
        self._doc = None
        self._theme: Theme = light()
        self.nodes: dict[str, NodeItem] = {}  # layer name, or BLOCK_PREFIX + block key -> item
        self.edges: dict[tuple[str, str], EdgeItem] = {}  # (source node id, destination node id) -> item
        self.state_edges: dict[tuple[str, str], EdgeItem] = {}  # the same, for initial_state edges
        self._graph_key: tuple | None = None
        self._blocks: dict[str, Block] = {}
        self._blocks_key: tuple | None = None
        self._collapsed: set[str] = set()
        self._node_of: dict[str, str] = {}  # layer -> id of the node showing it
        self._content_keys: dict[str, tuple] = {}  # node id -> what its content was built from
        self._syncing_selection = False
        self._fresh = True
        self.setBackgroundBrush(self._theme.background)
        self.selectionChanged.connect(self._on_scene_selection_changed)

    # -- document --------------------------------------------------------
    @property
    def document(self):
        return self._doc

    def set_document(self, doc) -> None:
        if self._doc is not None:
            self._doc.specChanged.disconnect(self._on_spec_changed)
            self._doc.selectionChanged.disconnect(self._on_doc_selection_changed)
            self._doc.loaded.disconnect(self._on_loaded)
        self._doc = doc
        doc.specChanged.connect(self._on_spec_changed)
        doc.selectionChanged.connect(self._on_doc_selection_changed)
        doc.loaded.connect(self._on_loaded)
        self._on_loaded()
        self._sync()

    @property
    def theme(self) -> Theme:
        return self._theme

    def set_theme(self, theme: Theme) -> None:
        if theme is not self._theme:
            self._theme = theme
            self.setBackgroundBrush(theme.background)
            if self._doc is not None:
                self._update_contents()

    # -- blocks ----------------------------------------------------------
    @property
    def blocks(self) -> dict[str, Block]:
        """Collapsible blocks of the current model (see `collapse.find_blocks`)."""
        return self._blocks

    @property
    def collapsed(self) -> set[str]:
        return set(self._collapsed)

    def set_collapsed(self, keys) -> None:
        """Show exactly these blocks collapsed (unknown keys are ignored)."""
        keys = set(keys) & set(self._blocks)
        if keys != self._collapsed:
            self._collapsed = keys
            self._sync()

    def collapse(self, key: str) -> None:
        self.set_collapsed(self._collapsed | {key})

    def expand(self, key: str) -> None:
        """Show a block's contents (its inner blocks keep their own state)."""
        self.set_collapsed(self._collapsed - {key})

    # -- lookups ---------------------------------------------------------
    def node_for_layer(self, name: str) -> NodeItem | None:
        """The node showing `name`: its own, or the collapsed block hiding it."""
        node_id = self._node_of.get(name)
        return self.nodes.get(node_id) if node_id else None

    def node_at(self, pos: QPointF) -> NodeItem | None:
        for item in self.items(pos):
            while item is not None and not isinstance(item, NodeItem):
                item = item.parentItem()
            if item is not None:
                return item
        return None

    def edge_at(self, pos: QPointF) -> EdgeItem | None:
        area = QRectF(pos.x() - 4, pos.y() - 4, 8, 8)
        for item in self.items(area, Qt.IntersectsItemShape):
            if isinstance(item, EdgeItem):
                return item
        return None

    def selected_layers(self) -> list[str]:
        names: list[str] = []
        for item in self.selectedItems():
            if isinstance(item, NodeItem):
                names.extend(item.layers)
        return list(dict.fromkeys(names))

    # -- edits from the canvas (refusals go to `editFailed`) --------------
    def drop_layer(self, type_name: str, pos: QPointF) -> str | None:
        """Add a palette layer dropped at `pos`: into the edge there, after the node
        there, else after the selected (or last) layer.  Returns its name."""
        node = self.node_at(pos)
        edge = self.edge_at(pos) if node is None else None
        try:
            if edge is not None:
                return self._doc.add_layer(type_name, on_edge=edge.pairs[0])
            return self._doc.add_layer(type_name, after=node.layer if node else self._anchor())
        except ValueError as exc:
            self.editFailed.emit(str(exc))
            return None

    def drop_layers(self, layer_dicts: list[dict], pos: QPointF) -> list[str]:
        """Paste copied layers (or a block) after the node at `pos`, else after the selection."""
        node = self.node_at(pos)
        try:
            return self._doc.paste(layer_dicts, after=node.layer if node else self._anchor())
        except ValueError as exc:
            self.editFailed.emit(str(exc))
            return []

    def connect_nodes(self, src: NodeItem, dst: NodeItem) -> bool:
        if dst.block_key is not None:
            self.editFailed.emit(f"expand block '{dst.block_key}' to connect to one of its layers")
            return False
        try:
            self._doc.connect(src.layer, dst.layer)
        except ValueError as exc:
            self.editFailed.emit(str(exc))
            return False
        return True

    def delete_selection(self) -> None:
        """Delete the selected layers and disconnect the selected edges, as one undo step."""
        layers = [n for n in self.selected_layers() if n != INPUT and n in set(self._doc.spec.names())]
        pairs = [p for item in self.selectedItems() if isinstance(item, EdgeItem) for p in item.pairs]
        if not layers and not pairs:
            return
        gone = set(layers)
        try:
            with self._doc.macro("Delete selection"):
                for src, dst in pairs:
                    if src not in gone and dst not in gone:
                        self._doc.disconnect(src, dst)
                if layers:
                    self._doc.remove_layers(layers)
        except ValueError as exc:
            self.editFailed.emit(str(exc))

    def _anchor(self) -> str | None:
        known = set(self._doc.spec.input_names()) | set(self._doc.spec.names())
        selected = [n for n in self._doc.selection() if n in known]
        return selected[-1] if selected else None

    # -- following the document -------------------------------------------
    def _on_loaded(self) -> None:
        """A different model: the next sync lays it out afresh, with `opening_collapsed` blocks collapsed."""
        self._fresh = True
        self._graph_key = None

    def _on_spec_changed(self) -> None:
        self._sync()

    def _sync(self) -> None:
        spec = self._doc.spec
        edges = spec.edges()
        structure = (tuple((name, tuple(ins)) for name, ins in edges.items()), tuple(spec.resolved_outputs()))
        names = [INPUT] + spec.names()
        if structure != self._blocks_key:
            self._blocks = find_blocks(spec)
            self._blocks_key = structure
            self._collapsed &= set(self._blocks)
        if self._fresh:
            self._collapsed = opening_collapsed(self._blocks, names)
        graph = collapsed_graph(spec, self._blocks, self._collapsed)
        node_layers, pairs, hidden_by = graph.nodes, graph.edges, graph.hidden_by
        self._node_of = graph.node_of
        states = {
            (graph.node_of[src], graph.node_of[dst])
            for dst, srcs in spec.state_edges().items() for src in srcs
            if src in graph.node_of and dst in graph.node_of and graph.node_of[src] != graph.node_of[dst]
        }
        graph_key = (tuple(node_layers), tuple(pairs), tuple(sorted(states)))
        if graph_key != self._graph_key:
            self._graph_key = graph_key
            self._rebuild(node_layers, pairs, hidden_by, states)
            fresh, self._fresh = self._fresh, False
            self._update_contents()
            self._apply_selection(self._doc.selection())
            self.layoutChanged.emit(fresh)
        else:
            for key, item in self.edges.items():
                item.pairs = tuple(pairs.get(key, ()))
            self._update_contents()
            self.contentChanged.emit()

    def _rebuild(self, node_layers: dict[str, list[str]], pairs: dict, hidden_by: dict, states: set) -> None:
        """Relayout; add and remove items so that one exists per visible node and edge (both kinds)."""
        state_only = sorted(states - set(pairs))
        layout = layered_layout([(n, WIDTH, HEIGHT) for n in node_layers], list(pairs) + state_only)
        for key in [k for k in self.state_edges if k not in states]:
            self.removeItem(self.state_edges.pop(key))
        for node_id in [n for n in self.nodes if n not in node_layers]:
            self.removeItem(self.nodes.pop(node_id))
        for key in [k for k in self.edges if k not in pairs]:
            self.removeItem(self.edges.pop(key))
        for node_id, layers in node_layers.items():
            block = hidden_by[layers[0]] if node_id.startswith(BLOCK_PREFIX) else None
            if block is not None:  # a block's node stands for its exit: list it last
                exit_ = self._blocks[block].exit
                layers = [n for n in layers if n != exit_] + [exit_]
            item = self.nodes.get(node_id)
            if item is None:
                item = NodeItem(node_id, tuple(layers), block)
                self.nodes[node_id] = item
                self.addItem(item)
            else:
                item.layers = tuple(layers)
            item.set_center(*layout.positions[node_id])
        for key, real in pairs.items():
            item = self.edges.get(key)
            if item is None:
                item = EdgeItem(key[0], key[1], tuple(real))
                self.edges[key] = item
                self.addItem(item)
            item.pairs = tuple(real)
            (x0, y0), (x1, y1) = layout.positions[key[0]], layout.positions[key[1]]
            bends = [QPointF(x, y) for x, y in layout.routes.get(key, ())]
            drop = 2 * STACK_OFFSET if key[0].startswith(BLOCK_PREFIX) else 0.0
            item.set_route([QPointF(x0, y0 + HEIGHT / 2)] + bends + [QPointF(x1, y1 - HEIGHT / 2)], drop)
        for key in sorted(states):
            item = self.state_edges.get(key)
            if item is None:
                item = EdgeItem(key[0], key[1], (), state=True)
                self.state_edges[key] = item
                self.addItem(item)
            (x0, y0), (x1, y1) = layout.positions[key[0]], layout.positions[key[1]]
            bends = [QPointF(x, y) for x, y in layout.routes.get(key, ())]
            # a dashed curve ending beside the data input, so the two kinds never overlap
            item.set_route([QPointF(x0 + WIDTH / 4, y0 + HEIGHT / 2)] + bends + [QPointF(x1 + WIDTH / 4, y1 - HEIGHT / 2)])
        margin = 60
        self.setSceneRect(QRectF(-margin, -margin, layout.width + 2 * margin, layout.height + 2 * margin))

    def _update_contents(self) -> None:
        """Refresh node texts, badges and edge labels; a node whose layer, numbers
        and problems are unchanged is skipped without building its content."""
        spec, analysis, theme = self._doc.spec, self._doc.analysis, self._theme
        problems: dict[str, list] = defaultdict(list)
        for p in analysis.problems:
            problems[p.layer].append(p)
        layers = {layer.name: layer for layer in spec.layers}
        keys = {}
        for node_id, item in self.nodes.items():
            if item.block_key is not None:
                block = self._blocks[item.block_key]
                key = (block, [analysis.layers.get(m) for m in block.members],
                       [p for m in block.members for p in problems.get(m, ())], theme)
            else:
                key = (layers.get(item.layer), analysis.layers.get(item.layer), problems.get(item.layer), theme)
            keys[node_id] = key
            if self._content_keys.get(node_id) == key:
                continue
            if item.block_key is not None:
                content = self._block_content(self._blocks[item.block_key], analysis, problems)
            else:
                content = self._layer_content(item.layer, layers, analysis, problems)
            item.set_content(content, theme)
        self._content_keys = keys
        labelled = set()
        for (src_id, _), item in self.edges.items():
            text = ""
            if src_id not in labelled:
                labelled.add(src_id)
                info = analysis.layers.get(item.pairs[0][0]) if item.pairs else None
                text = shape_text(info.output_shape) if info else ""
            item.set_label(text, theme)
        for item in self.state_edges.values():
            item.set_label("initial state", theme)

    def _layer_content(self, name: str, layers: dict, analysis, problems) -> NodeContent:
        info: LayerInfo | None = analysis.layers.get(name)
        shape = shape_text(info.output_shape) if info else "?"
        if name == INPUT:
            return NodeContent("Input", "", INPUT, shape, "input", tooltip=f"model input\noutput {shape}")
        layer = layers[name]
        title, detail = node_title(layer.type, layer.config)
        severity, text = _problems(problems.get(name, []), with_layer=False)
        lines = [f"{name} ({layer.type})"]
        if detail:
            lines.append(detail)
        if info is not None:
            lines.append(f"output {shape} · {info.params:,} params · {human(info.macs)} MACs")
            if info.receptive_field:
                lines.append(f"receptive field {shape_text(info.receptive_field)}, jump {shape_text(info.jump)}")
        if text:
            lines.append(text)
        return NodeContent(title, detail, name, shape, role(layer.type), severity, text, "\n".join(lines))

    def _block_content(self, block: Block, analysis, problems) -> NodeContent:
        infos = [analysis.layers[m] for m in block.members if m in analysis.layers]
        params = sum(i.params for i in infos)
        macs = sum(i.macs for i in infos)
        exit_info = analysis.layers.get(block.exit)
        shape = shape_text(exit_info.output_shape) if exit_info else "?"
        found = [p for m in block.members for p in problems.get(m, [])]
        severity, text = _problems(found, with_layer=True)
        kind = "Stage" if block.is_stage else "Block"
        detail = f"{kind} · {len(block.members)} layers"
        tooltip = "\n".join(
            [f"{block.key}: {kind.lower()} of {len(block.members)} layers (double-click to expand)",
             f"output {shape} · {params:,} params · {human(macs)} MACs"] + ([text] if text else [])
        )
        return NodeContent(block.key, detail, f"{human(params)} params", shape, "block",
                           severity, text, tooltip, stacked=True)

    # -- selection both ways -----------------------------------------------
    def _on_scene_selection_changed(self) -> None:
        if self._syncing_selection or self._doc is None:
            return
        self._syncing_selection = True
        try:
            self._doc.set_selection(self.selected_layers())
        finally:
            self._syncing_selection = False

    def _on_doc_selection_changed(self, names: list) -> None:
        if not self._syncing_selection:
            self._apply_selection(names)

    def _apply_selection(self, names: list[str]) -> None:
        wanted = {self._node_of[n] for n in names if n in self._node_of}
        self._syncing_selection = True
        try:
            for node_id, item in self.nodes.items():
                item.setSelected(node_id in wanted)
        finally:
            self._syncing_selection = False


def _problems(found: list, with_layer: bool) -> tuple[str | None, str]:
    """(worst severity, one line per problem) for a node's badge; notes get no badge, only their line."""
    if not found:
        return None, ""
    severities = {p.severity for p in found}
    severity = "error" if "error" in severities else "warning" if "warning" in severities else None
    lines = [f"{p.severity.capitalize()}: " + (f"{p.layer}: " if with_layer else "") + p.message for p in found]
    return severity, "\n".join(lines)
