"""Several networks in one window: a `Document` per network, the active one in front, a tab bar above the canvas.

A multi-network preset (a GAN's generator and discriminator, see
`workbench.spec.networks`) opens as one tab per network.  Each tab is a
`Document` of its own (its undo history, dirty state and selection), so
an edit or an undo in one never touches the other.  The window's panels
were built around one Document; `NetworkDocuments` is what they hold
instead: it forwards to the active tab's Document and relays its signals,
so the summary, the inspector, the problems and the training panel follow
the active tab without knowing about tabs.  The canvas is handed the
active Document itself (`activeChanged`).  What concerns the set as a
whole lives here: the combined dirty state, saving every network, what
Train trains (`trainable`), and `fit_problems` (whether the generator
still feeds the discriminator) added to the analysis the panels show,
recomputed after every edit.  A single-network model is a set of one
with no tab bar, and behaves as before.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

from PySide6.QtCore import QObject, Signal, Slot
from PySide6.QtGui import QUndoGroup
from PySide6.QtWidgets import QTabBar, QVBoxLayout, QWidget

from workbench.spec import Analysis, ModelSpec, Problem
from workbench.spec.networks import NetworkSet, fit_problems
from workbench.spec.units import human

from .document import Document

#: the Problems panel's "layer" column for a mismatch between the networks
FIT_LAYER = "networks"
#: the key of the one Document of a single-network model
SINGLE = ""


class NetworkDocuments(QObject):
    """The window's document: one `Document` per network, everything else forwarded to the active one.

    Signals as `Document`'s (relayed from the active network; `dirtyChanged`
    covers every network), plus `activeChanged(Document)` when another tab
    comes to the front and `networksChanged(list)` with the network names
    when a different set is opened ([] for a single-network model).
    """

    specChanged = Signal()
    selectionChanged = Signal(list)
    pathChanged = Signal(str)
    loaded = Signal()
    dirtyChanged = Signal(bool)
    activeChanged = Signal(object)
    networksChanged = Signal(list)

    def __init__(self, parent: QObject | None = None):
        super().__init__(parent)
        self.undo_group = QUndoGroup(self)
        self._header: NetworkSet | None = None  # the open set's name, task, recipe (no networks); None: one model
        self._documents: dict[str, Document] = {}
        self._active = self._add(SINGLE, Document(parent=self))
        self._relay(self._active, True)
        self.undo_group.setActiveStack(self._active.undo_stack)
        self._fit_key: tuple = ()
        self._fit_analysis: Analysis | None = None

    # -- what the panels ask -----------------------------------------------------------------------------------------
    def __getattr__(self, name: str):
        """Everything else a `Document` has (spec, selection, edits, undo_stack, baseline …): the active one's."""
        if name.startswith("_"):
            raise AttributeError(name)
        return getattr(self._active, name)

    def connect(self, src: str, dst: str) -> None:  # QObject has its own connect/disconnect: forwarded by hand
        self._active.connect(src, dst)

    def disconnect(self, src: str, dst: str) -> None:
        self._active.disconnect(src, dst)

    @property
    def active(self) -> Document:
        return self._active

    @property
    def active_name(self) -> str:
        return next(name for name, doc in self._documents.items() if doc is self._active)

    def names(self) -> list[str]:
        """The networks' names in tab order; [] for a single-network model."""
        return [] if self._header is None else list(self._documents)

    def document(self, name: str) -> Document:
        return self._documents[name]

    @property
    def title(self) -> str:
        """The window title's name: the set's, or the model's."""
        return self._header.name if self._header is not None else self._active.spec.name

    @property
    def dirty(self) -> bool:
        return any(doc.dirty for doc in self._documents.values())

    @property
    def path(self) -> Path | None:
        return self._active.path

    @path.setter
    def path(self, value) -> None:
        for doc in self._documents.values():
            doc.path = value

    @property
    def analysis(self) -> Analysis:
        """The active network's analysis, plus, for a set, each way its networks do not plug into each other."""
        base = self._active.analysis
        if self._header is None or self._header.task != "gan":  # the fit is a GAN's (`fit_problems`)
            return base
        key = tuple(doc.analysis for doc in self._documents.values()) + (base,)
        if len(key) != len(self._fit_key) or any(a is not b for a, b in zip(key, self._fit_key)):
            own = f"{self._header.name}: {self.active_name}: "  # the active network's errors are listed already
            extra = [Problem(FIT_LAYER, text) for text in fit_problems(self.network_set()) if not text.startswith(own)]
            self._fit_key = key
            self._fit_analysis = dataclasses.replace(base, problems=base.problems + extra) if extra else base
        return self._fit_analysis

    def network_set(self) -> NetworkSet | None:
        """The open set with each network as edited (the specs themselves, not copies); None for one model."""
        if self._header is None:
            return None
        return dataclasses.replace(self._header, networks={name: doc.spec for name, doc in self._documents.items()})

    def trainable(self):
        """What Train trains: the whole set (a NetworkSet), or the one model."""
        return self.network_set() or self._active.trainable()

    def network_params(self) -> list[tuple[str, int]]:
        """(network, parameters) per tab, for the status bar."""
        return [(name, doc.analysis.total_params) for name, doc in self._documents.items()] if self._header else []

    # -- changes ----------------------------------------------------------------------------------------------------------
    def load(self, model: ModelSpec | NetworkSet, path: str | Path | None = None) -> None:
        """Replace everything with `model`: one network, or a tab per network of a set; undo histories start afresh."""
        self._relay(self._active, False)
        first = next(iter(self._documents.values()))
        for name, doc in list(self._documents.items())[1:]:
            self.undo_group.removeStack(doc.undo_stack)
            doc.deleteLater()
        if isinstance(model, NetworkSet):
            self._header = dataclasses.replace(model.copy(), networks={})
            networks = model.networks
        else:
            self._header = None
            networks = {SINGLE: model}
        self._documents = {}
        for i, (name, spec) in enumerate(networks.items()):
            doc = self._add(name, first if i == 0 else Document(parent=self))
            doc.load(spec, path)
        self._fit_key = ()
        self.networksChanged.emit(self.names())
        self._switch(first, loaded=True)

    def set_active(self, name: str) -> None:
        """Bring network `name` to the front: the canvas and every panel show it."""
        doc = self._documents[name]
        if doc is not self._active:
            self._relay(self._active, False)
            self._switch(doc, loaded=False)

    def mark_saved(self, path: str | Path | None = None) -> None:
        """After the whole set (or the model) was saved: every network is clean at `path`."""
        for doc in self._documents.values():
            doc.mark_saved(path)

    # -- plumbing ---------------------------------------------------------------------------------------------------------
    def _add(self, name: str, doc: Document) -> Document:
        if doc.undo_stack not in self.undo_group.stacks():
            self.undo_group.addStack(doc.undo_stack)
            doc.dirtyChanged.connect(self._on_dirty_changed)
        self._documents[name] = doc
        return doc

    def _switch(self, doc: Document, loaded: bool) -> None:
        """Make `doc` the one forwarded to and tell the panels, as a load of it would (`loaded` only for a new model)."""
        self._active = doc
        self._relay(doc, True)
        self.undo_group.setActiveStack(doc.undo_stack)
        self.activeChanged.emit(doc)
        if loaded:
            self.loaded.emit()
        self.specChanged.emit()
        self.selectionChanged.emit(doc.selection())
        self.pathChanged.emit(str(doc.path) if doc.path else "")
        self.dirtyChanged.emit(self.dirty)

    def _relay(self, doc: Document, on: bool) -> None:
        pairs = ((doc.specChanged, self._on_spec_changed), (doc.selectionChanged, self.selectionChanged.emit),
                 (doc.pathChanged, self.pathChanged.emit), (doc.loaded, self.loaded.emit))
        for signal, slot in pairs:
            if on:
                signal.connect(slot)
            else:
                signal.disconnect(slot)

    @Slot()
    def _on_spec_changed(self) -> None:
        self.specChanged.emit()

    @Slot(bool)
    def _on_dirty_changed(self, _dirty: bool) -> None:
        self.dirtyChanged.emit(self.dirty)


class NetworkTabs(QWidget):
    """The canvas with a tab per network above it; the tab bar is hidden for a single-network model."""

    def __init__(self, documents: NetworkDocuments, view, parent: QWidget | None = None):
        super().__init__(parent)
        self.documents = documents
        self.view = view
        self.tabs = QTabBar()
        self.tabs.setObjectName("networkTabs")
        self.tabs.setDocumentMode(True)
        self.tabs.setExpanding(False)
        self.tabs.setVisible(False)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self.tabs)
        layout.addWidget(view, 1)
        view.set_document(documents.active)
        self.tabs.currentChanged.connect(self._on_tab_changed)
        documents.networksChanged.connect(self._on_networks_changed)
        documents.activeChanged.connect(self._on_active_changed)
        documents.specChanged.connect(self._label_tabs)
        documents.dirtyChanged.connect(self._label_tabs)

    def names(self) -> list[str]:
        return [self.tabs.tabData(i) for i in range(self.tabs.count())]

    def select(self, name: str) -> None:
        """Show network `name` (as a click on its tab does)."""
        self.tabs.setCurrentIndex(self.names().index(name))

    @Slot(list)
    def _on_networks_changed(self, names: list) -> None:
        self.tabs.blockSignals(True)  # the first tab is already the active one
        while self.tabs.count():
            self.tabs.removeTab(0)
        for name in names:
            self.tabs.setTabData(self.tabs.addTab(name), name)
        self.tabs.setCurrentIndex(0 if names else -1)
        self.tabs.blockSignals(False)
        self.tabs.setVisible(bool(names))
        self._label_tabs()

    @Slot(int)
    def _on_tab_changed(self, index: int) -> None:
        if index >= 0:
            self.documents.set_active(self.tabs.tabData(index))

    @Slot(object)
    def _on_active_changed(self, doc: Document) -> None:
        if self.view.document is not doc:
            self.view.set_document(doc)
            self.view.fit()

    @Slot()
    def _label_tabs(self, *_args) -> None:
        """Each tab: the network's name, its parameters, and * when it has unsaved edits."""
        for i in range(self.tabs.count()):
            doc = self.documents.document(self.tabs.tabData(i))
            mark = "*" if doc.dirty else ""
            self.tabs.setTabText(i, f"{self.tabs.tabData(i)}{mark}  ·  {human(doc.analysis.total_params)}")
            errors = len(doc.analysis.errors)
            self.tabs.setTabToolTip(i, f"{doc.spec.name}: {doc.analysis.total_params:,} parameters"
                                       + (f", {errors} error{'s' * (errors != 1)}" if errors else ""))
