"""The inspector panel: the layer, block or model form for the current selection."""

from __future__ import annotations

from PySide6.QtCore import Qt, Slot
from PySide6.QtWidgets import QFrame, QLabel, QScrollArea, QStackedWidget

from ...spec.units import human
from ..blocks import BlockForm, selected_instance
from ..summary_table import EstimateSettings
from .layer_form import LayerForm
from .model_form import ModelForm


class InspectorPanel(QScrollArea):
    """Follows the Document's selection: the layer form for one layer, the block form for a block
    instance's layers (a collapsed block node), the model form for none."""

    def __init__(self, document, estimate: EstimateSettings, parent=None):
        super().__init__(parent)
        self.doc = document
        self.layer_form = LayerForm(document)
        self.model_form = ModelForm(document, estimate)
        self.block_form = BlockForm(document)
        self.multi = QLabel()
        self.multi.setAlignment(Qt.AlignTop | Qt.AlignLeft)
        self.multi.setMargin(10)
        self.multi.setWordWrap(True)
        self.stack = QStackedWidget()
        for widget in (self.model_form, self.layer_form, self.block_form, self.multi):
            self.stack.addWidget(widget)
        self.setWidget(self.stack)
        self.setWidgetResizable(True)
        self.setFrameShape(QFrame.NoFrame)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarAlwaysOff)
        document.specChanged.connect(self.refresh)
        document.selectionChanged.connect(self._on_selection_changed)
        self.refresh()

    @Slot()
    def refresh(self) -> None:
        names = [n for n in self.doc.selection() if n in self.doc.spec.names()]
        if len(names) == 1:
            self.layer_form.show_layer(names[0])
            self.stack.setCurrentWidget(self.layer_form)
        elif (instance := selected_instance(self.doc, names)) is not None:
            self.block_form.show_instance(instance)
            self.stack.setCurrentWidget(self.block_form)
        elif names:
            infos = [self.doc.analysis.layers.get(n) for n in names]
            params = sum(i.params for i in infos if i)
            macs = sum(i.macs for i in infos if i)
            self.multi.setText(
                f"<b>{len(names)} layers selected</b><br>{', '.join(names)}<br><br>"
                f"{params:,} params · {human(macs)} MACs"
            )
            self.stack.setCurrentWidget(self.multi)
        else:
            self.model_form.refresh()
            self.stack.setCurrentWidget(self.model_form)

    @Slot(list)
    def _on_selection_changed(self, names: list) -> None:
        self.refresh()
