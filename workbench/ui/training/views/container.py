"""The Task dock: the live views of the current model's task, one tab each.

The task comes from the preset (`spec.task`): `set_task` builds that
task's views from `TASK_VIEWS` (a lookup table, like napari's per-layer
control tables) and `show_samples(epoch, samples)` hands each epoch's
samples to the views that can draw them.  `clear` empties them when a
model without a history is opened.  The generator's slider requests leave
through `generateRequested`, for the training job to answer in its worker.
"""

from __future__ import annotations

from PySide6.QtCore import Signal, Slot
from PySide6.QtWidgets import QLabel, QStackedWidget, QTabWidget, QVBoxLayout, QWidget

from .base import TaskView
from .belief import DeepBeliefView
from .boundary import DecisionBoundaryView
from .generator import GeneratorView
from .hopfield import HopfieldView
from .reconstruction import ReconstructionView
from .rprop import RpropView
from .recurrent import RecurrentView
from .samples_grid import SampleGridView
from .segmentation import SegmentationView
from .sequence import SequenceView

#: task name -> the views its samples feed
TASK_VIEWS: dict[str, tuple[type[TaskView], ...]] = {
    "classification": (DecisionBoundaryView, RpropView),
    "perceptron": (DecisionBoundaryView,),
    "reconstruction": (ReconstructionView,),
    "segmentation": (SegmentationView,),
    "generation": (GeneratorView,),
    "gan": (SampleGridView,),
    "rbm": (SampleGridView,),
    "dbn": (DeepBeliefView,),
    "hopfield": (HopfieldView,),
    "sequence_regression": (RecurrentView,),
    "seq2seq": (SequenceView,),
    "ctc": (SequenceView,),
    "captioning": (SequenceView,),
}

#: pixels the Task dock keeps whatever its views would like (the tab of two stacked RPROP plots wants ~300)
MINIMUM_SIZE = 150

_NO_VIEW = "The {task} task has no live view here; its progress is in Curves."
_WAITING = "The {task} task's live view appears after the first epoch of a run."
_NOTHING_TO_DRAW = ("This model's samples have nothing the {task} views draw (a decision boundary needs two inputs, "
                    "the RPROP view a run trained with RPROP).")


class TaskViews(QWidget):
    """A tab per view of the current task, or a sentence saying why there is nothing to see."""

    generateRequested = Signal(int, float, float)  # shape class, angle, size: the generator view's sliders
    appeared = Signal()  # the views went from a message to pictures (the window brings the dock forward)

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.task = ""
        self.views: list[TaskView] = []
        self.message = QLabel()
        self.message.setWordWrap(True)
        self.message.setProperty("role", "caption")
        self.tabs = QTabWidget()
        self.tabs.setDocumentMode(True)
        self.stack = QStackedWidget()
        self.stack.addWidget(self.message)
        self.stack.addWidget(self.tabs)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.stack)
        # a view's plots may squeeze rather than hold the dock (and with it the window) taller than a small screen
        self.setMinimumSize(MINIMUM_SIZE, MINIMUM_SIZE)
        self.set_task("classification")

    def set_task(self, task: str) -> None:
        """Show `task`'s views, empty; the same task keeps its views (and their slider positions)."""
        if task == self.task:
            self.clear()
            return
        self.task = task
        for view in self.views:
            view.deleteLater()
        self.tabs.clear()
        self.views = [cls() for cls in TASK_VIEWS.get(task, ())]
        for view in self.views:
            self.tabs.addTab(view, view.title)
            if isinstance(view, GeneratorView):
                view.requested.connect(self.generateRequested)
        self.clear()

    def clear(self) -> None:
        for view in self.views:
            view.clear()
        self._say(_WAITING if self.views else _NO_VIEW)

    def _say(self, template: str) -> None:
        self.message.setText(template.format(task=self.task.replace("_", " ")))
        self.stack.setCurrentWidget(self.message)

    @Slot(int, object)
    def show_samples(self, epoch: int, samples: dict) -> None:
        drawn = 0
        for index, view in enumerate(self.views):
            shown = view.accepts(samples)
            self.tabs.setTabEnabled(index, shown)
            if shown:
                view.show_samples(epoch, samples)
                drawn += 1
        if drawn:
            self._show_tabs()
        elif self.views:
            self._say(_NOTHING_TO_DRAW)

    @Slot(object)
    def show_generated(self, samples: dict) -> None:
        """The generator's answer to a slider request (no epoch: the model as it is now)."""
        for view in self.views:
            if isinstance(view, GeneratorView) and view.accepts(samples):
                view.draw(samples)
                self._show_tabs()

    def _show_tabs(self) -> None:
        if self.stack.currentWidget() is not self.tabs:
            self.stack.setCurrentWidget(self.tabs)
            self.appeared.emit()
