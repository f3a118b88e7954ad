"""One entry point for every data source: names, downloads and paths.

`load_dataset("digits")`, `load_dataset("cifar10")`,
`load_dataset("~/photos")`, `load_dataset("table.csv", label_column="species")`
all return a validated `Dataset`; `list_datasets()` describes the named ones
without loading or downloading anything (for `workbench datasets`).
"""

from __future__ import annotations

import inspect
import os
from dataclasses import dataclass
from typing import Callable

from . import caption_scenes, digit_strips, embedded, iris, logic, patterns, sequences, shape_scenes, shapes
from .array_files import load_hdf5, load_npz
from .dataset import Dataset
from .downloads import DOWNLOADS, download_status, load_download
from .errors import DatasetError
from .image_folder import load_image_folder
from .local_files import local_path
from .tables import load_csv


@dataclass(frozen=True)
class Embedded:
    """A data set that ships inside the workbench or is generated."""

    name: str
    loader: Callable[..., Dataset]
    samples: int
    input_shape: tuple
    classes: int
    description: str
    bundled: str | None = None  # the file it reads in workbench/data/files/
    task: str | None = None  # None: image or tabular classification, by the input's rank


EMBEDDED = {
    e.name: e
    for e in (
        Embedded("digits", embedded.load_digits, 1797, (8, 8, 1), 10,
                 "8×8 grey handwritten digits (UCI optdigits)", embedded.DIGITS_FILE),
        Embedded("mnist_subset", embedded.load_mnist_subset, 5000, (28, 28, 1), 10,
                 "5,000 MNIST digits, 28×28 grey, 500 per class", embedded.MNIST_SUBSET_FILE),
        Embedded("shapes", shapes.load_shapes, 2500, (32, 32, 1), len(shapes.SHAPES),
                 "drawn circles, squares, triangles, stars, crosses; options size, channels, samples"),
        Embedded("xor", embedded.load_xor, 1000, (2,), 2, "2-D points, class by sign of x·y"),
        Embedded("moons", embedded.load_moons, 1000, (2,), 2, "2-D points on two interleaving half circles"),
        Embedded("spirals", embedded.load_spirals, 1000, (2,), 2, "2-D points on interleaved spiral arms"),
        Embedded("logic_and", logic.load_logic_and, 4, (2,), 2, "truth table of AND (4 points)"),
        Embedded("logic_or", logic.load_logic_or, 4, (2,), 2, "truth table of OR (4 points)"),
        Embedded("logic_xor", logic.load_logic_xor, 4, (2,), 2, "truth table of XOR (4 points)"),
        Embedded("iris", iris.load_iris, 150, (4,), 3, "Fisher's iris flowers, 4 measurements (UCI, CC BY 4.0)",
                 iris.IRIS_FILE),
        Embedded("shapes_masks", shape_scenes.load_shapes_masks, 4000, (32, 32, 1), len(shape_scenes.SEGMENT_CLASSES),
                 "1–3 drawn shapes per image with a per-pixel label map (segmentation)", task="segmentation"),
        Embedded("shapes_render", shape_scenes.load_shapes_render, 3000, (shape_scenes.CODE_SIZE,), 0,
                 "(class, angle, size) codes and the 32×32 shape drawn from them (generation)", task="regression"),
        Embedded("random_patterns", patterns.load_random_patterns, 8, (100,), 8,
                 "random ±1 patterns to store, probes with 10 bits flipped; options patterns, units, flips"),
        Embedded("mnist_prototypes", patterns.load_mnist_prototypes, 10, (100,), 10,
                 "the mnist_subset class means at 10×10 as ±1 patterns, probes with 10 bits flipped"),
        Embedded("adding_problem", sequences.load_adding_problem, 9000, (50, 2), 0,
                 "T steps of (value, marker), target the sum of the two marked values; options length, samples",
                 task="regression"),
        Embedded("dates", sequences.load_dates, 11000, (sequences.DATE_LENGTH,), len(sequences.ISO_TOKENS),
                 "human dates with month names as character tokens, targets their ISO form YYYY-MM-DD",
                 task="sequence"),
        Embedded("digit_strips", digit_strips.load_digit_strips, 9000, (14, 64, 1), len(digit_strips.CLASS_NAMES),
                 "1–4 mnist_subset digits side by side, labels the digits (CTC); test strips use other digit images",
                 embedded.MNIST_SUBSET_FILE, task="sequence"),
        Embedded("shape_scenes", caption_scenes.load_shape_scenes, 4500, (32, 64, 1), len(caption_scenes.WORDS),
                 "1–3 drawn shapes per 32×64 image, captioned with their names left to right", task="sequence"),
    )
}

FILE_LOADERS = {".csv": load_csv, ".tsv": load_csv, ".npz": load_npz, ".h5": load_hdf5, ".hdf5": load_hdf5}
_COMMON = {"seed", "validation_split", "path", "name"}


def dataset_names() -> list[str]:
    return list(EMBEDDED) + list(DOWNLOADS)


def _normalise(name: str) -> str:
    return name.strip().lower().replace("-", "_")


def split_options(text: str) -> tuple[str, dict]:
    """'adding_problem:length=100,samples=200' -> ('adding_problem', {'length': 100, 'samples': 200}).

    Loader options written after a named data set's name, so one string (a
    CLI argument, the window's data set choice, a run's record) says which
    generated set was trained on.  Only a known name takes options; any
    other text (a path, which may hold ':') is returned as it is.  Values
    read as int, then float, then true/false, else text.
    """
    name, sep, rest = text.partition(":")
    key = _normalise(name)
    if not sep or (key not in EMBEDDED and key not in DOWNLOADS):
        return text, {}
    options = {}
    for item in filter(None, (part.strip() for part in rest.split(","))):
        option, eq, value = item.partition("=")
        if not eq or not option.strip() or not value.strip():
            raise DatasetError(f"'{text}': write loader options as {name}:key=value,key=value; "
                               f"'{item}' has no value")
        options[option.strip()] = _option_value(value.strip())
    return name, options


def _option_value(text: str):
    for kind in (int, float):
        try:
            return kind(text)
        except ValueError:
            pass
    return {"true": True, "false": False}.get(text.lower(), text)


def with_options(name: str, options: dict) -> str:
    """The inverse of `split_options`: a name and its loader options as one string."""
    written = ",".join(f"{key}={str(value).lower() if isinstance(value, bool) else value}"
                       for key, value in options.items())
    return f"{name}:{written}" if written else name


def _call(loader: Callable[..., Dataset], what: str, options: dict, *args, **common) -> Dataset:
    """Call `loader`, turning an unknown option into a message that lists the known ones."""
    accepted = [p for p in inspect.signature(loader).parameters if p not in _COMMON]
    unknown = sorted(set(options) - set(accepted))
    if unknown:
        known = ", ".join(accepted) or "none"
        raise DatasetError(f"unknown option{'s' * (len(unknown) > 1)} {', '.join(unknown)} for {what}; known: {known}")
    return loader(*args, **common, **options)


def load_dataset(name_or_path, *, seed: int = 0, validation_split: float = 0.2, **options) -> Dataset:
    """Load a data set by name (see `dataset_names()`) or from a path.

    Paths: a folder of class sub-folders of images, a .csv/.tsv, .npz, or
    .h5/.hdf5 file.  `seed` fixes generation, subsets and the split;
    `validation_split` is the stratified fraction held out for validation
    (ignored by sources with their own split: downloads use their test
    set, files may carry x_val/y_val or train/ val/ folders).  Other
    options go to the loader (`max_samples` everywhere except the 2-D
    point sets; see each loader for the rest); a named set's options may
    also follow its name (`"adding_problem:length=100"`, see
    `split_options`), and win over the keyword ones.  Raises `DatasetError`.
    """
    text, named = split_options(os.fspath(name_or_path))
    options = {**options, **named}
    asked = dict(options)
    dataset, found_as = _load(text, {"seed": int(seed), "validation_split": validation_split}, options)
    dataset.origin = {"name": found_as, "options": asked}
    return dataset


def size_options(name_or_path, max_samples: int) -> dict:
    """The loader options that cap a data set at `max_samples` samples in all, training and validation.

    Most loaders take `max_samples` and share it between the splits in
    proportion (`splitting.limit_samples`).  A generated set generates
    `samples` instead; one that also generates its own validation part
    (`val_samples`) gets the two in its default proportion, so a small run
    validates on a small part too.
    """
    key = _normalise(split_options(os.fspath(name_or_path))[0])
    if key in EMBEDDED:
        accepted = inspect.signature(EMBEDDED[key].loader).parameters
        if "max_samples" not in accepted and "samples" in accepted:
            if "val_samples" not in accepted:
                return {"samples": max_samples}
            train, val = accepted["samples"].default, accepted["val_samples"].default
            kept = max(round(max_samples * train / (train + val)), 1)
            return {"samples": kept, "val_samples": max(max_samples - kept, 1)}
    return {"max_samples": max_samples}


def _load(text: str, common: dict, options: dict) -> tuple[Dataset, str]:
    """`load_dataset`'s dispatch: the data set and the name or absolute path it was found by."""
    key = _normalise(text)
    if key in EMBEDDED:
        return _call(EMBEDDED[key].loader, f"the '{key}' data set", options, **common), key
    if key in DOWNLOADS:
        return _call(load_download, f"the '{key}' data set", options, key, **common), key
    path = local_path(text)
    if path.is_dir():
        return _call(load_image_folder, "image folders", options, path, **common), str(path.resolve())
    if path.exists():
        loader = FILE_LOADERS.get(path.suffix.lower())
        if loader is None:
            raise DatasetError(
                f"unsupported file type '{path.suffix or path.name}' for {path}; "
                f"give an image folder or a {', '.join(FILE_LOADERS)} file"
            )
        if path.suffix.lower() == ".tsv":
            options.setdefault("delimiter", "\t")
        return _call(loader, f"{path.suffix.lower()} files", options, path, **common), str(path.resolve())
    if os.sep in text or "/" in text or text.startswith(("~", ".")) or path.suffix.lower() in FILE_LOADERS:
        raise DatasetError(f"no such file or folder: {path}")
    raise DatasetError(
        f"unknown data set '{text}'; known: {', '.join(dataset_names())}; "
        f"or give a path to an image folder or a {', '.join(FILE_LOADERS)} file"
    )


def _size(name: str | None) -> int:
    if name is None:
        return 0
    try:
        return embedded.bundled_file(name).stat().st_size
    except DatasetError:
        return 0


def list_datasets() -> list[dict]:
    """Every named data set, without loading or downloading.

    Keys: name, kind ("embedded", "download" or "cached"), task, samples,
    input_shape, classes, cached (bool), size_on_disk (bytes; 0 when generated),
    download_size (bytes; 0 for embedded), description.
    """
    rows = []
    for e in EMBEDDED.values():
        rows.append({
            "name": e.name, "kind": "embedded",
            "task": e.task or ("image_classification" if len(e.input_shape) == 3 else "tabular_classification"),
            "samples": e.samples, "input_shape": e.input_shape, "classes": e.classes, "cached": True,
            "size_on_disk": _size(e.bundled), "download_size": 0, "description": e.description,
        })
    status = {s["name"]: s for s in download_status()}
    for d in DOWNLOADS.values():
        s = status[d.name]
        rows.append({
            "name": d.name, "kind": "cached" if s["cached"] else "download", "task": "image_classification",
            "samples": d.train + d.test, "input_shape": d.input_shape, "classes": len(d.class_names),
            "cached": s["cached"], "size_on_disk": s["size_on_disk"], "download_size": s["download_size"],
            "description": d.description,
        })
    return rows

