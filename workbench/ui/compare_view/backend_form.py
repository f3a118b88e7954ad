"""Where comparisons and sweeps train: here (one run after another) or on Ray (runs side by side).

The choice, the cluster address and the local worker count are remembered in
the settings (`settings.run_backend`), shared by the comparison and the sweep
tab.  Without Ray installed the Ray option stays in the list, disabled, its
tooltip saying how to install it.  `backend()` gives what
`ComparisonRunner(backend=…)` and `Sweep(backend=…)` take, as
`workbench compare/sweep --backend` does.
"""

from __future__ import annotations

import importlib.util

from PySide6.QtCore import Slot
from PySide6.QtWidgets import QComboBox, QFormLayout, QLineEdit, QSpinBox, QWidget

from ...compare.ray_backend import INSTALL_HINT
from .. import settings

LOCAL, RAY = "local", "ray"
_LABELS = {LOCAL: "Here, one run after another", RAY: "Ray, runs side by side"}


def ray_available() -> bool:
    return importlib.util.find_spec("ray") is not None


class BackendForm(QWidget):
    """A combo (local / Ray) with the Ray address and worker count, which show only for Ray."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.choice = QComboBox(self)
        for key in (LOCAL, RAY):
            self.choice.addItem(_LABELS[key], key)
        self.address = QLineEdit(self)
        self.address.setPlaceholderText("empty: RAY_ADDRESS, else a local cluster")
        self.address.setToolTip("A Ray cluster's address, e.g. ray://head:10001; the nodes need the "
                                "workbench's dependencies installed")
        self.workers = QSpinBox(self)
        self.workers.setRange(0, 1024)
        self.workers.setSpecialValueText("all cores")
        self.workers.setToolTip("CPUs of the local Ray cluster (ignored with an address)")
        self.layout_ = QFormLayout(self)
        self.layout_.setContentsMargins(0, 0, 0, 0)
        self.layout_.addRow("Train on", self.choice)
        self.layout_.addRow("Ray address", self.address)
        self.layout_.addRow("Ray workers", self.workers)

        stored = settings.run_backend()
        if not ray_available():
            item = self.choice.model().item(self.choice.findData(RAY))
            item.setEnabled(False)
            item.setToolTip(INSTALL_HINT)
            self.choice.setToolTip(f"Ray is not installed: {INSTALL_HINT}")
            stored["backend"] = LOCAL
        self.choice.setCurrentIndex(self.choice.findData(stored["backend"]))
        self.address.setText(stored["address"])
        self.workers.setValue(stored["workers"])
        self.choice.currentIndexChanged.connect(self._on_changed)
        self.address.editingFinished.connect(self.remember)
        self.workers.valueChanged.connect(self.remember)
        self._show_ray_rows()

    def name(self) -> str:
        return self.choice.currentData()

    def set_backend(self, name: str, address: str = "", workers: int = 0) -> None:
        """Choose as the user would (scripts and tests); remembered like a user's choice."""
        self.address.setText(address)
        self.workers.setValue(workers)
        self.choice.setCurrentIndex(self.choice.findData(name))
        self.remember()

    def backend(self):
        """None for here; a `RayBackend` for Ray (address None: RAY_ADDRESS or a local cluster)."""
        if self.name() != RAY:
            return None
        from ...compare.ray_backend import RayBackend

        return RayBackend(address=self.address.text().strip() or None, workers=self.workers.value() or None)

    def describe(self) -> str:
        if self.name() != RAY:
            return "here"
        where = self.address.text().strip() or "a local Ray cluster"
        return f"on Ray ({where})"

    @Slot()
    def remember(self) -> None:
        settings.set_run_backend(self.name(), self.address.text().strip(), self.workers.value())

    @Slot(int)
    def _on_changed(self, _index: int) -> None:
        self._show_ray_rows()
        self.remember()

    def _show_ray_rows(self) -> None:
        ray = self.name() == RAY
        for field in (self.address, self.workers):
            self.layout_.setRowVisible(field, ray)
