"""Data sets: embedded offline ones, cached Keras downloads and the user's files.

Everything a trainer needs is here and imports neither Qt nor Keras (Keras is
imported only to download a data set or to hand a stream to `fit`):

    ds = load_dataset("digits", seed=0, validation_split=0.2)
    ds = fit_to_model(ds, (32, 32, 1))     # float32 in [0, 1], model-shaped
    spec = with_classes(spec, ds.num_classes)
"""

from .dataset import TASKS, Dataset
from .downloads import download_status, keras_datasets_dir
from .errors import DatasetError
from .fitting import RESIZE_MODES, fit_to_model
from .registry import dataset_names, list_datasets, load_dataset
from .splitting import split_indices
from .streaming import Batches

__all__ = [
    "RESIZE_MODES", "TASKS", "Batches", "Dataset", "DatasetError", "dataset_names", "download_status",
    "fit_to_model", "keras_datasets_dir", "list_datasets", "load_dataset", "split_indices",
]
