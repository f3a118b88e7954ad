"""The deconvolution generator: sliders for class, angle and size, the generated image beside the drawn one.

Moving a slider only emits `requested(kind, angle, size)`; the container
hands it to the training job, which asks the model in the worker thread and
answers with samples (`generated`, `drawn`) like any epoch's.  The GUI
thread never calls Keras.
"""

from __future__ import annotations

import math

import numpy as np
from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtWidgets import QFormLayout, QLabel, QSlider

from workbench.data.shape_scenes import SHAPES

from .base import TaskView, image_tiles

ANGLE_STEPS = 72  # 5° a step
SIZE_STEPS = 20


class GeneratorView(TaskView):
    title = "Generator"
    needs = ("generated",)
    requested = Signal(int, float, float)  # shape class, angle in radians, size in [0, 1]

    def __init__(self, parent=None):
        super().__init__(parent)
        _, self.generated = self.add_image_box(0, 0, "generated")
        _, self.drawn = self.add_image_box(0, 1, "drawn from the same parameters")
        self.kind = self._slider(len(SHAPES) - 1)
        self.angle = self._slider(ANGLE_STEPS - 1)
        self.size = self._slider(SIZE_STEPS)
        self.size.setValue(SIZE_STEPS // 2)
        self.values = QLabel()
        form = QFormLayout()
        form.addRow("Class", self.kind)
        form.addRow("Angle", self.angle)
        form.addRow("Size", self.size)
        form.addRow("", self.values)
        self.layout().addLayout(form)
        for slider in (self.kind, self.angle, self.size):
            slider.valueChanged.connect(self._on_moved)
        self._show_values()
        self.restyle()

    def _slider(self, maximum: int) -> QSlider:
        slider = QSlider(Qt.Horizontal)
        slider.setRange(0, maximum)
        return slider

    def parameters(self) -> tuple[int, float, float]:
        return (self.kind.value(), self.angle.value() * 2 * math.pi / ANGLE_STEPS, self.size.value() / SIZE_STEPS)

    def _show_values(self) -> None:
        kind, angle, size = self.parameters()
        self.values.setText(f"{SHAPES[kind]}, {math.degrees(angle):.0f}°, size {size:.2f}")

    @Slot()
    def _on_moved(self) -> None:
        self._show_values()
        self.requested.emit(*self.parameters())

    def draw(self, samples: dict) -> None:
        for item, key in ((self.generated, "generated"), (self.drawn, "drawn")):
            if key in samples:
                picture = image_tiles(np.asarray(samples[key])[None])[0]
                item.setImage(np.clip(picture, 0.0, 1.0), levels=(0.0, 1.0), autoLevels=False)
        self.caption.setText(f"Epoch {self.epoch}. Move a slider to ask the model for another shape."
                             if self.epoch is not None else "Move a slider to ask the model for another shape.")

    def clear(self) -> None:
        super().clear()
        self.generated.clear()
        self.drawn.clear()
        self.caption.setText("")
