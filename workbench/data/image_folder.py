"""A folder of images with one sub-folder per class, in memory or streamed.

Layouts:
  root/<class>/**/*.png                     split by `validation_split`
  root/train/<class>/…, root/val/<class>/…  the folder's own split
                                            ("validation", "valid", "test" also name it)

Every file's header is read first (cheap): files Pillow cannot identify are
skipped and counted, the most common size becomes the image size (others are
resized to it) and the images are grey when all are grey, RGB otherwise;
`image_size` and `color_mode` override both.  Folders of more than
`STREAM_THRESHOLD` images (or `streaming=True`) are decoded batch by batch
while training (see `streaming.FolderStream`), smaller ones in memory now.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .building import from_arrays
from .dataset import Dataset
from .errors import DatasetError
from .fitting import ImagePlan
from .images import IMAGE_SUFFIXES, is_image_file, probe_image, read_image
from .splitting import check_fraction, limit_samples, split_indices
from .streaming import FolderStream

STREAM_THRESHOLD = 2000
VAL_FOLDER_NAMES = ("val", "validation", "valid", "test")
COLOR_MODES = {"auto": None, "grayscale": 1, "grey": 1, "rgb": 3}
_EXAMPLES = 3


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'s' * (count != 1)}"


@dataclass
class _Scan:
    """What the header pass found: readable files per split and class, and the rest."""

    root: Path
    files: dict[str, dict[str, list[Path]]] = field(default_factory=dict)  # split -> class -> files
    bad: list[tuple[Path, str]] = field(default_factory=list)
    sizes: Counter = field(default_factory=Counter)
    grey: bool = True
    ignored: int = 0
    total: int = 0

    def unreadable_warning(self) -> str:
        shown = "; ".join(f"{p.relative_to(self.root)} ({why})" for p, why in self.bad[:_EXAMPLES])
        more = f"; and {len(self.bad) - _EXAMPLES} more" if len(self.bad) > _EXAMPLES else ""
        return f"skipped {len(self.bad)} unreadable of {_plural(self.total, 'image')}: {shown}{more}"


def _parts(root: Path) -> dict[str, Path]:
    """{"train": folder} or {"train": …, "val": …} for a folder with its own split."""
    val = next((root / n for n in VAL_FOLDER_NAMES if (root / n).is_dir()), None)
    train = root / "train"
    if val is not None and train.is_dir() and any(p.is_dir() for p in train.iterdir()):
        return {"train": train, "val": val}
    return {"train": root}


def _scan(root: Path, parts: dict[str, Path]) -> _Scan:
    scan = _Scan(root)
    for split, folder in parts.items():
        scan.files[split] = {}
        for sub in sorted(p for p in folder.iterdir() if p.is_dir() and not p.name.startswith(".")):
            found = sorted(p for p in sub.rglob("*") if p.is_file() and not p.name.startswith("."))
            images = [p for p in found if p.suffix.lower() in IMAGE_SUFFIXES]
            scan.ignored += len(found) - len(images)
            scan.total += len(images)
            scan.files[split][sub.name] = [p for p in images if _probe(scan, p)]
    return scan


def _probe(scan: _Scan, path: Path) -> bool:
    try:
        shape, grey = probe_image(path)
    except Exception as exc:  # noqa: BLE001 - decoders of untrusted files raise many types
        scan.bad.append((path, str(exc)))
        return False
    scan.sizes[shape] += 1
    scan.grey &= grey
    return True


def _require_two_classes(root: Path, counts: dict[str, int], loose: int, skipped: int) -> None:
    found = [f"{name} ({_plural(n, 'image')})" for name, n in counts.items() if n]
    if len(found) >= 2:
        return
    detail = f"found {len(found)}" + (f": {', '.join(found)}" if found else "")
    if skipped:
        detail += f" after skipping {skipped} unreadable"
    if loose:
        detail += f"; {_plural(loose, 'image')} lie directly in the folder: put each class's images in its own sub-folder"
    raise DatasetError(f"image folder {root} needs at least two class sub-folders with readable images; {detail}")


def _image_size(option) -> tuple[int, int] | None:
    if option is None:
        return None
    size = (option, option) if isinstance(option, int) else tuple(option)
    if len(size) != 2 or any(not isinstance(s, int) or s < 1 for s in size):
        raise DatasetError(f"image_size must be a positive int or (height, width), got {option!r}")
    return size


def load_image_folder(
    path, *, seed: int, validation_split: float, max_samples: int | None = None,
    image_size: int | tuple[int, int] | None = None, color_mode: str = "auto", streaming: bool | None = None,
) -> Dataset:
    root = Path(path)
    if color_mode not in COLOR_MODES:
        raise DatasetError(f"color_mode must be one of {', '.join(COLOR_MODES)}, got {color_mode!r}")
    fraction = check_fraction(validation_split)
    size = _image_size(image_size)
    parts = _parts(root)
    scan = _scan(root, parts)
    train_counts = {name: len(files) for name, files in scan.files["train"].items()}
    _require_two_classes(root, train_counts, sum(map(is_image_file, parts["train"].iterdir())), len(scan.bad))
    class_names = [name for name, n in train_counts.items() if n]

    warnings = []
    if len(class_names) < len(train_counts):
        empty = [name for name, n in train_counts.items() if not n]
        warnings.append(f"class folders without readable images left out: {', '.join(empty)}")
    if scan.ignored:
        warnings.append(f"ignored {_plural(scan.ignored, 'file')} that are not {'/'.join(IMAGE_SUFFIXES)} images")
    height, width = size or scan.sizes.most_common(1)[0][0]
    channels = COLOR_MODES[color_mode] or (1 if scan.grey else 3)
    resized = sum(n for shape, n in scan.sizes.items() if shape != (height, width))
    if resized:
        warnings.append(f"{_plural(resized, 'image')} of other sizes resized to {height}×{width}")

    files, labels = {}, {}
    for split, classes in scan.files.items():
        unknown = [name for name, fs in classes.items() if fs and name not in class_names]
        if unknown:
            warnings.append(f"{split} classes that training lacks left out: {', '.join(unknown)}")
        pairs = [(f, class_names.index(name)) for name, fs in classes.items() if name in class_names for f in fs]
        files[split] = [f for f, _ in pairs]
        labels[split] = np.array([label for _, label in pairs], dtype=np.int32)

    shape = (height, width, channels)
    common = dict(seed=seed, fraction=fraction, max_samples=max_samples, warnings=warnings)
    if streaming is None:
        streaming = sum(map(len, files.values())) > STREAM_THRESHOLD
    if streaming:
        return _streamed(root, scan, files, labels, class_names, shape, **common)
    return _in_memory(root, scan, files, labels, class_names, shape, **common)


def _in_memory(root, scan, files, labels, class_names, shape, *, seed, fraction, max_samples, warnings) -> Dataset:
    arrays = {}
    for split, paths in files.items():
        images, kept = [], []
        for i, f in enumerate(paths):
            try:
                images.append(read_image(f, shape[:2], shape[2]))
                kept.append(i)
            except Exception as exc:  # noqa: BLE001 - decoders of untrusted files raise many types
                scan.bad.append((f, str(exc)))
        x = np.stack(images) if images else np.zeros((0,) + shape, np.uint8)
        arrays[split] = (x, labels[split][kept])
    if scan.bad:
        warnings.insert(0, scan.unreadable_warning())
    counts = dict(zip(class_names, np.bincount(arrays["train"][1], minlength=len(class_names)).tolist()))
    _require_two_classes(root, counts, 0, len(scan.bad))
    x_val, y_val = arrays.get("val", (None, None))
    return from_arrays(
        root.name, *arrays["train"], kind="classification", class_names=class_names, seed=seed,
        validation_split=fraction, x_val=x_val, y_val=y_val, max_samples=max_samples, source=str(root),
        warnings=warnings,
    )


def _streamed(root, scan, files, labels, class_names, shape, *, seed, fraction, max_samples, warnings) -> Dataset:
    if scan.bad:
        warnings.insert(0, scan.unreadable_warning())
    if "val" not in files:
        train, val = split_indices(labels["train"], fraction, seed, stratify=True)
        files = {"train": [files["train"][i] for i in train], "val": [files["train"][i] for i in val]}
        labels = {"train": labels["train"][train], "val": labels["train"][val]}
    if max_samples is not None:
        keeps = limit_samples(labels["train"], labels["val"], max_samples, seed, stratify=True)
        for split, keep in zip(("train", "val"), keeps):
            files[split] = [files[split][i] for i in keep]
            labels[split] = labels[split][keep]
    plan = ImagePlan.build(shape, shape, scale_note="scaled uint8 0..255 to [0, 1]")
    stream = FolderStream(plan=plan, files=files, labels=labels, root=root, warnings=warnings)
    dataset = Dataset(
        name=root.name, task="image_classification", input_shape=shape, class_names=class_names, stream=stream,
        num_train=len(files["train"]), num_val=len(files["val"]), warnings=warnings, source=str(root),
    )
    dataset.validate()
    return dataset
