"""Live views of what a task learns, fed once per epoch with the samples its task computes in the worker.

`TASK_VIEWS` says which views each task shows (task name → view classes,
read by `TaskViews`); a view draws only samples holding the keys it
`needs`, so a classification model without two inputs shows none.
"""

from .belief import DeepBeliefView
from .boundary import DecisionBoundaryView
from .container import TASK_VIEWS, TaskViews
from .generator import GeneratorView
from .hopfield import HopfieldView
from .reconstruction import ReconstructionView
from .rprop import RpropView
from .recurrent import RecurrentView
from .samples_grid import SampleGridView
from .segmentation import SegmentationView
from .sequence import SequenceView

__all__ = ["TASK_VIEWS", "DecisionBoundaryView", "DeepBeliefView", "GeneratorView", "HopfieldView",
           "ReconstructionView", "RecurrentView", "RpropView", "SampleGridView", "SegmentationView", "SequenceView",
           "TaskViews"]
