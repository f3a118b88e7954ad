"""The model's settings when nothing is selected: input shape, classes and the training-memory estimate."""

from __future__ import annotations

from PySide6.QtCore import Qt, Slot
from PySide6.QtWidgets import QFrame, QLabel, QLineEdit, QSpinBox, QVBoxLayout, QWidget

from ...spec import num_classes
from ...spec.units import human_bytes
from ...train.config import FIELD
from ..config_form import make_editor
from ..summary_table import EstimateSettings
from .editors import literal_value
from .parts import banner, caption_label, error_label, field_row, heading, make_form, show_error, show_problems


class ModelForm(QWidget):
    """The model as a whole: input shape, classes, and the training-memory estimate's inputs."""

    def __init__(self, document, estimate: EstimateSettings, parent=None):
        super().__init__(parent)
        self.doc = document
        self.estimate = estimate
        self.title = heading()
        self.description = caption_label()
        self.banner = banner()
        self.input_shape = QLineEdit()
        self.input_shape.setPlaceholderText("e.g. 224, 224, 3")
        self.input_error = error_label()
        self.classes = QSpinBox()
        self.classes.setRange(1, 1_000_000)
        self.classes.setKeyboardTracking(False)
        self.classes.setAlignment(Qt.AlignRight)
        self.classes_error = error_label()
        # the training form's editors: the batch sizes and optimizers a run accepts
        self.batch_size = make_editor(FIELD["batch_size"])
        self.batch_size.setAlignment(Qt.AlignRight)
        self.optimizer = make_editor(FIELD["optimizer"])
        self.memory = QLabel()
        self.memory.setAlignment(Qt.AlignRight | Qt.AlignVCenter)

        form = make_form()
        form.addRow("input shape", field_row(self.input_shape, self.input_error))
        form.addRow("classes", field_row(self.classes, self.classes_error))
        line = QFrame()
        line.setFrameShape(QFrame.HLine)
        line.setFrameShadow(QFrame.Sunken)
        form.addRow(line)
        form.addRow(caption_label("Training-memory estimate"))
        form.addRow("batch size", self.batch_size)
        form.addRow("optimizer", self.optimizer)
        form.addRow("training memory", self.memory)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(10, 10, 10, 10)
        layout.setSpacing(6)
        layout.addWidget(self.title)
        layout.addWidget(self.description)
        layout.addWidget(self.banner)
        layout.addSpacing(4)
        layout.addLayout(form)
        layout.addStretch(1)

        self.input_shape.editingFinished.connect(self._on_input_shape_edited)
        self.classes.valueChanged.connect(self._on_classes_changed)
        self.batch_size.valueChanged.connect(self._on_estimate_edited)
        self.optimizer.currentTextChanged.connect(self._on_estimate_edited)
        self.estimate.changed.connect(self.refresh)

    def refresh(self) -> None:
        spec, analysis = self.doc.spec, self.doc.analysis
        self.title.setText(f"{spec.name}  <span style='font-weight:normal'>· {spec.family}</span>")
        self.description.setText(spec.description)
        self.description.setVisible(bool(spec.description))
        if not self.input_shape.hasFocus():
            self.input_shape.setText(", ".join(str(v) for v in spec.input_shape))
        classes = num_classes(spec)
        self.classes.blockSignals(True)
        self.classes.setEnabled(classes is not None)
        self.classes.setSpecialValueText("" if classes is not None else "no classifier head")
        self.classes.setValue(classes if classes is not None else self.classes.minimum())
        self.classes.blockSignals(False)
        self.batch_size.blockSignals(True)
        self.batch_size.setValue(self.estimate.batch_size)
        self.batch_size.blockSignals(False)
        self.optimizer.blockSignals(True)
        self.optimizer.setCurrentText(self.estimate.optimizer)
        self.optimizer.blockSignals(False)
        self.memory.setText(human_bytes(analysis.training_memory(self.estimate.batch_size, self.estimate.optimizer)))
        show_problems(self.banner, [p for p in analysis.problems if p.layer not in spec.names()])

    @Slot()
    def _on_input_shape_edited(self) -> None:
        value = literal_value(self.input_shape.text().replace("×", ","))
        if isinstance(value, int) and not isinstance(value, bool):
            value = [value]
        current = list(self.doc.spec.input_shape)
        if value == current:
            show_error(self.input_error, None)
            return
        if not isinstance(value, list) or not value or not all(
            isinstance(v, int) and not isinstance(v, bool) and v > 0 for v in value
        ):
            show_error(
                self.input_error,
                f"the input shape is a list of positive integers such as 224, 224, 3; got '{self.input_shape.text()}'",
            )
            self.input_shape.setText(", ".join(str(v) for v in current))
            return
        try:
            self.doc.set_input_shape(tuple(value))
        except ValueError as exc:
            show_error(self.input_error, str(exc))
            self.input_shape.setText(", ".join(str(v) for v in current))
        else:
            show_error(self.input_error, None)

    @Slot(int)
    def _on_classes_changed(self, value: int) -> None:
        if value == num_classes(self.doc.spec):
            return
        try:
            self.doc.set_classes(value)
        except ValueError as exc:
            show_error(self.classes_error, str(exc))
        else:
            show_error(self.classes_error, None)

    @Slot()
    def _on_estimate_edited(self) -> None:
        self.estimate.set(self.batch_size.value(), self.optimizer.currentText())
