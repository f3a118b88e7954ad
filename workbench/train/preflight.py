"""The checks of a run that need no TensorFlow, for callers that can make them before importing it.

Importing TensorFlow takes 5-11 s; a spec whose graph is broken, whose
input cannot take the data or whose head cannot be sized for its classes
or whose data set does not fit the spec's task should fail in a fraction of that.  `preflight` runs the same checks the
Trainer's `prepare` runs (it is a part of it), without fitting the data.
"""

from __future__ import annotations

from workbench.data.dataset import Dataset
from workbench.data.fitting import plan_for
from workbench.spec import ModelSpec

from .errors import TrainError
from .prepare import adapt_spec
from .task_specs import input_shape_of, uses_task_session


def preflight(spec: ModelSpec, dataset: Dataset) -> ModelSpec:
    """The spec as it will be trained on `dataset`; raises `TrainError`/`DatasetError` naming the problem.

    The data's own checks (`Dataset.validate`) are left to the loaders, which
    run them, and to `prepare`: they scan every value, and once is enough here.
    """
    if not isinstance(dataset, Dataset):
        raise TrainError(f"expected a workbench Dataset, got {type(dataset).__name__}")
    if uses_task_session(spec):  # its task fits the data itself: no head to resize
        plan_for(dataset, input_shape_of(spec))
        return spec
    adapted, _ = adapt_spec(spec, dataset)
    plan_for(dataset, adapted.input_shape)  # raises when the data cannot take the model's input shape
    return adapted
