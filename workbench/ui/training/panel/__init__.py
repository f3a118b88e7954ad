"""The training panel: data set, hyperparameters, memory check, Start/Pause/Stop and progress.

Hyperparameters start from the preset's paper recipe (`TrainConfig.from_preset`,
which caps batch size and epochs for the small embedded data sets) whenever
a different model is loaded; the user's edits stay until then.  The data
set loads in a background thread and shows a preview: thumbnails spread
over the classes (or a scatter of 2-D points) and the class balance.
Before Start, the spec's training-memory estimate is compared with free
GPU or host memory; an invalid graph or a model that cannot take the data
disables Start and says why.  The panel only builds `TrainRequest`s and
shows state: `TrainingController` runs them.
"""

from .panel import TrainingPanel

__all__ = ["TrainingPanel"]
