"""The panel's checks before Start: a valid graph that takes the data, and enough memory."""

from __future__ import annotations

from PySide6.QtCore import Slot

from workbench.errors import WorkbenchError
from workbench.spec import Analysis, ModelSpec, analyze
from workbench.spec.units import human
from workbench.train.memory_check import FreeMemory, check_memory, host_memory, query_gpu_memory

from ...background import problem_text
from ...theme import mark_color

class ChecksPart:
    """What may block Start, and the memory check; mixed into `TrainingPanel`, whose state it shares."""

    # -- checks before Start -----------------------------------------------------------------------------------------
    def trained(self) -> tuple[ModelSpec, Analysis]:
        """The spec as it will be built for the loaded data (head and input adapted) and its analysis.

        Computed once per edit and data set (the Document makes a new analysis per edit), so the
        panel's checks add no analysis of their own to editing a large model.  Raises TrainError.
        """
        key = (self.doc.analysis, self.dataset)
        if self._trained_key is None or any(a is not b for a, b in zip(key, self._trained_key)):
            self._trained_key, self._trained = key, self._adapt()
        if isinstance(self._trained, WorkbenchError):
            raise self._trained
        return self._trained

    def _adapt(self) -> tuple[ModelSpec, Analysis] | WorkbenchError:
        from workbench.train.preflight import preflight
        from workbench.train.prepare import adapt_spec
        from workbench.train.task_specs import uses_task_session

        if self.dataset is None:
            return self.doc.spec, self.doc.analysis
        trainable = self.doc.trainable()
        try:
            if uses_task_session(trainable):  # its task fits the data (a GAN's networks): checked as `workbench train`
                preflight(trainable, self.dataset)
                return self.doc.spec, self.doc.analysis
            spec = adapt_spec(trainable, self.dataset)[0]
        except WorkbenchError as exc:
            return exc
        return spec, analyze(spec)

    def set_external_blocker(self, reason: str | None) -> None:
        """Disable Start for a reason outside the model and the form; None lifts it."""
        self.external_blocker = reason
        self._refresh_checks()

    def _blocker(self) -> str | None:
        if self.external_blocker:
            return self.external_blocker
        errors = self.doc.analysis.errors
        if errors:
            first = errors[0]
            more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
            where = f"{first.layer}: " if first.layer else ""
            return f"Cannot train: the graph has errors. {where}{first.message}{more}"
        if not self.doc.spec.layers:
            return "Cannot train: the model has no layers."
        if self.dataset is None:
            return None
        try:
            self.trained()
        except WorkbenchError as exc:
            return f"Cannot train on {self.loaded_source.label}: {problem_text(exc)}"
        return None

    def _refresh_checks(self) -> None:
        """Start's blocker, the memory check, the automatic batches per call: now if shown, else when shown."""
        if not self.isVisible():
            self._checks_stale = True
            return
        self._checks_stale = False
        self.blocker = self._blocker()
        self._show_auto_steps()
        self.blocker_label.setVisible(self.blocker is not None)
        if self.blocker is not None:
            self.blocker_label.setText(self.blocker)
            self.blocker_label.setStyleSheet(f"color: {mark_color('error').name()};")
        self._check_memory()
        self._update_buttons()

    def _check_memory(self) -> None:
        if self.blocker is not None:
            self.memory = None
            self.memory_label.setText("")
            self.fit_batch_button.setVisible(False)
            return
        try:
            analysis = self.trained()[1]
        except WorkbenchError:
            return
        on_gpu = "GPU" in self.device_text
        available = self.gpu_memory if on_gpu else host_memory()
        self.memory = check_memory(analysis, self.batch_size.value(), self.optimizer.currentText(), available)
        colour = mark_color("ok" if self.memory.fits else "error").name()
        params = f"{human(analysis.total_params)} parameters · "
        self.memory_label.setText(f"<span style='color:{colour}'>Memory: {self.memory.message}</span>")
        self.memory_label.setToolTip(f"{params}estimate for batch {self.batch_size.value()} with "
                                     f"{self.optimizer.currentText()}: weights, gradients, optimizer slots, "
                                     f"activations kept for the backward pass")
        best = self.memory.largest_batch
        offer = not self.memory.fits and bool(best)
        self.fit_batch_button.setVisible(offer)
        if offer:
            self.fit_batch_button.setText(f"Use batch size {best}")

    @Slot()
    def _on_memory_inputs_changed(self, *_args) -> None:
        self._check_memory()

    @Slot()
    def _on_fit_batch_clicked(self) -> None:
        if self.memory is not None and self.memory.largest_batch:
            self.batch_size.setValue(self.memory.largest_batch)

    @Slot()
    def _on_spec_changed(self) -> None:
        self._refresh_checks()

    def set_device(self, description: str) -> None:
        """What training runs on (from the TensorFlow loader, then from the run itself)."""
        self.device_text = description
        self.device_label.setText(f"Device: {description}")
        if "GPU" in description and self.gpu_memory is None:
            self.gpu_query.submit(query_gpu_memory)
        self._check_memory()

    @Slot(object)
    def _on_gpu_memory(self, free: FreeMemory | None) -> None:
        self.gpu_memory = free
        self._check_memory()
