"""Classic data sets fetched once through `keras.datasets` and cached by Keras.

Keras keeps them under `$KERAS_HOME/datasets` (by default
`~/.keras/datasets`, or `/tmp/.keras/datasets` when the home folder is not
writable).  `download_status` looks at those files without importing Keras
or touching the network; loading imports Keras (and its backend) only then.
Without network the error names the exact file to place by hand.  The
official test split becomes the validation split.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .building import from_arrays
from .dataset import Dataset
from .errors import DatasetError

EMBEDDED_ALTERNATIVES = "digits, mnist_subset or shapes"

CIFAR10_NAMES = ["airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"]
FASHION_NAMES = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag",
                 "Ankle boot"]
CIFAR100_FINE = """apple aquarium_fish baby bear beaver bed bee beetle bicycle bottle bowl boy bridge bus butterfly
camel can castle caterpillar cattle chair chimpanzee clock cloud cockroach couch crab crocodile cup dinosaur dolphin
elephant flatfish forest fox girl hamster house kangaroo keyboard lamp lawn_mower leopard lion lizard lobster man
maple_tree motorcycle mountain mouse mushroom oak_tree orange orchid otter palm_tree pear pickup_truck pine_tree
plain plate poppy porcupine possum rabbit raccoon ray road rocket rose sea seal shark shrew skunk skyscraper snail
snake spider squirrel streetcar sunflower sweet_pepper table tank telephone television tiger tractor train trout
tulip turtle wardrobe whale willow_tree wolf woman worm""".split()
CIFAR100_COARSE = """aquatic_mammals fish flowers food_containers fruit_and_vegetables household_electrical_devices
household_furniture insects large_carnivores large_man-made_outdoor_things large_natural_outdoor_scenes
large_omnivores_and_herbivores medium_mammals non-insect_invertebrates people reptiles small_mammals trees
vehicles_1 vehicles_2""".split()


@dataclass(frozen=True)
class CachedFile:
    """One file Keras downloads: where it lands under the cache and from where."""

    relative: str  # path under <keras home>/datasets
    origin: str
    size: int  # bytes of the download


@dataclass(frozen=True)
class Download:
    name: str
    module: str  # keras.datasets.<module>
    files: tuple[CachedFile, ...]
    train: int
    test: int
    input_shape: tuple
    class_names: tuple[str, ...]
    description: str


_TF = "https://storage.googleapis.com/tensorflow/tf-keras-datasets/"
_FASHION = tuple(
    CachedFile(f"fashion-mnist/{f}", _TF + f, size)
    for f, size in (("train-labels-idx1-ubyte.gz", 29_515), ("train-images-idx3-ubyte.gz", 26_421_880),
                    ("t10k-labels-idx1-ubyte.gz", 5_148), ("t10k-images-idx3-ubyte.gz", 4_422_102))
)

DOWNLOADS = {
    d.name: d
    for d in (
        Download("mnist", "mnist", (CachedFile("mnist.npz", _TF + "mnist.npz", 11_490_434),),
                 60_000, 10_000, (28, 28, 1), tuple(str(i) for i in range(10)),
                 "handwritten digits, 28×28 grey"),
        Download("fashion_mnist", "fashion_mnist", _FASHION, 60_000, 10_000, (28, 28, 1), tuple(FASHION_NAMES),
                 "Zalando clothing photos, 28×28 grey"),
        Download("cifar10", "cifar10",
                 (CachedFile("cifar-10-batches-py-target_archive",
                             "https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz", 170_498_071),),
                 50_000, 10_000, (32, 32, 3), tuple(CIFAR10_NAMES), "tiny colour photos, 32×32, 10 classes"),
        Download("cifar100", "cifar100",
                 (CachedFile("cifar-100-python-target_archive",
                             "https://www.cs.toronto.edu/~kriz/cifar-100-python.tar.gz", 169_001_437),),
                 50_000, 10_000, (32, 32, 3), tuple(CIFAR100_FINE),
                 "tiny colour photos, 32×32, 100 classes (label_mode='coarse': 20)"),
    )
}


def keras_datasets_dir() -> Path:
    """Where Keras caches downloads, by the rule `keras.utils.get_file` follows."""
    if "KERAS_HOME" in os.environ:
        home = Path(os.environ["KERAS_HOME"]).expanduser()
    else:
        base = Path("~").expanduser()
        home = (base if os.access(base, os.W_OK) else Path("/tmp")) / ".keras"
    if home.exists() and not os.access(home, os.W_OK):
        home = Path("/tmp/.keras")
    return home / "datasets"


def _folder_size(path: Path) -> int:
    if path.is_file():
        return path.stat().st_size
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def download_status() -> list[dict]:
    """Per downloadable set: cached or not, bytes on disk, bytes to download, paths.

    A set counts as cached when every file Keras would download is present;
    the size on disk includes the folders Keras extracts archives into.
    """
    root = keras_datasets_dir()
    status = []
    for d in DOWNLOADS.values():
        paths = [root / f.relative for f in d.files]
        missing = [str(p) for p in paths if not p.is_file()]
        extracted = [p.with_name(p.name.removesuffix("_archive")) for p in paths if p.name.endswith("_archive")]
        status.append({
            "name": d.name,
            "cached": not missing,
            "size_on_disk": sum(_folder_size(p) for p in paths + extracted if p.exists()),
            "download_size": sum(f.size for f in d.files),
            "paths": [str(p) for p in paths],
            "missing": missing,
        })
    return status


def _placement_help(d: Download, reason: str) -> str:
    root = keras_datasets_dir()
    places = "; ".join(f"{f.origin} as {root / f.relative}" for f in d.files)
    return (
        f"{d.name} is not cached and could not be downloaded ({reason}). "
        f"To use it offline, download {places}. "
        f"Or pick an embedded data set that needs no download: {EMBEDDED_ALTERNATIVES}."
    )


def _load_with_keras(d: Download, label_mode: str):
    import keras  # the backend import takes seconds: only here, when the data is needed

    module = getattr(keras.datasets, d.module)
    if d.name == "cifar100":
        return module.load_data(label_mode=label_mode)
    return module.load_data()


def load_download(
    name: str, *, seed: int, validation_split: float, max_samples: int | None = None,
    allow_download: bool = True, label_mode: str = "fine",
) -> Dataset:
    """Load one of `DOWNLOADS`, downloading it first when allowed and needed.

    `label_mode` applies to cifar100 only ("fine": 100 classes, "coarse": 20).
    `validation_split` is ignored: the official test split is the validation split.
    """
    d = DOWNLOADS[name]
    if label_mode not in ("fine", "coarse"):
        raise DatasetError(f"label_mode must be 'fine' or 'coarse', got {label_mode!r}")
    status = next(s for s in download_status() if s["name"] == name)
    cached = status["cached"]
    if not cached and not allow_download:
        raise DatasetError(_placement_help(d, "downloads are turned off"))
    try:
        (x_train, y_train), (x_test, y_test) = _load_with_keras(d, label_mode)
    except Exception as exc:  # keras.utils.get_file raises a bare Exception on network errors
        reason = f"{type(exc).__name__}: {exc}"
        if cached:
            raise DatasetError(
                f"{name}: the cached files {', '.join(status['paths'])} could not be read ({reason}); "
                f"delete them to download again, or pick an embedded data set: {EMBEDDED_ALTERNATIVES}"
            ) from exc
        raise DatasetError(_placement_help(d, reason)) from exc
    if x_train.ndim == 4 and x_train.shape[1] == 3:  # Keras configured for channels_first
        x_train, x_test = x_train.transpose(0, 2, 3, 1), x_test.transpose(0, 2, 3, 1)
    names = CIFAR100_COARSE if (name == "cifar100" and label_mode == "coarse") else list(d.class_names)
    return from_arrays(
        name, x_train, np.asarray(y_train).reshape(-1).astype(np.int32), kind="classification",
        class_names=names, seed=seed, validation_split=validation_split,
        x_val=x_test, y_val=np.asarray(y_test).reshape(-1).astype(np.int32),
        max_samples=max_samples, source=str(keras_datasets_dir() / d.files[0].relative),
    )
