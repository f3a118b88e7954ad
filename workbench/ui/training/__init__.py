"""Training from the window: a worker thread around the headless Trainer, live curves and feature maps.

`TrainingController` (controller.py) is what the main window creates; it
owns the `TrainingJob` (job.py, around worker.py) and the views: the panel (data set,
hyperparameters, Start/Pause/Stop, progress), curves, feature maps,
weights, evaluation and runs.  Importing this package imports neither
TensorFlow nor Keras; the worker thread loads them when a run starts.
"""

from .controller import TrainingController

__all__ = ["TrainingController"]
