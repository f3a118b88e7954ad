"""CSV files: numeric feature columns and one label column.

- The delimiter is sniffed among , ; tab | (or given).
- The first row is a header when one of its cells is text where the next
  row holds a number (or `header=True/False`).
- `label_column` is an index (negative counts from the end; default the
  last column) or, with a header, a column name.
- Every other column must be numeric; empty cells and NA/NaN/null/? are
  reported as missing values, with the first one's row and column.
- Labels follow `labels.encode_labels`: text labels become named classes,
  fractional labels with many distinct values make a regression task;
  `task` overrides.
"""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np

from .building import from_arrays
from .dataset import Dataset
from .errors import DatasetError
from .labels import encode_labels
from .local_files import regular_file, require_text

MISSING = {"", "na", "n/a", "nan", "null", "none", "?"}
DELIMITERS = ",;\t|"


def _is_number(cell: str) -> bool:
    try:
        float(cell)
    except ValueError:
        return False
    return True


def _read_rows(path: Path, delimiter: str | None) -> list[list[str]]:
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise DatasetError(f"CSV file {path} is not UTF-8 text (byte {exc.start})") from exc
    if delimiter is None:
        try:
            delimiter = csv.Sniffer().sniff(text[:65536], delimiters=DELIMITERS).delimiter
        except csv.Error:
            delimiter = ","
    rows = [[cell.strip() for cell in row] for row in csv.reader(text.splitlines(), delimiter=delimiter)]
    return [row for row in rows if any(row)]


def _has_header(rows: list[list[str]]) -> bool:
    if len(rows) == 1:
        return not all(map(_is_number, rows[0]))
    return any(not _is_number(a) and _is_number(b) for a, b in zip(rows[0], rows[1]))


def _label_index(label_column, width: int, names: list[str] | None, path: Path) -> int:
    if isinstance(label_column, str):
        if names is None:
            raise DatasetError(f"label_column '{label_column}' is a name but CSV file {path} has no header row")
        if label_column not in names:
            raise DatasetError(f"CSV file {path} has no column '{label_column}'; columns: {', '.join(names)}")
        return names.index(label_column)
    if not -width <= int(label_column) < width:
        raise DatasetError(f"label_column {label_column} is outside the {width} columns of CSV file {path}")
    return int(label_column) % width


def _features(rows: list[list[str]], columns: list[int], names: list[str], first_row: int, path: Path) -> np.ndarray:
    x = np.empty((len(rows), len(columns)), dtype=np.float32)
    missing, first_missing = 0, None
    for j, col in enumerate(columns):
        for i, row in enumerate(rows):
            cell = row[col]
            if cell.lower() in MISSING:
                missing += 1
                first_missing = first_missing or (i + first_row, names[col])
                continue
            try:
                x[i, j] = float(cell)
            except ValueError:
                raise DatasetError(
                    f"CSV file {path}, row {i + first_row}, column '{names[col]}': '{cell}' is not a number; "
                    f"only the label column may hold text"
                ) from None
    if missing:
        row, name = first_missing
        raise DatasetError(
            f"CSV file {path} has {missing} missing value{'s' * (missing != 1)} (empty or NA) in feature columns, "
            f"the first at row {row}, column '{name}'; fill or remove them"
        )
    return x


def load_csv(
    path, *, seed: int, validation_split: float, max_samples: int | None = None,
    label_column: int | str = -1, header: bool | None = None, delimiter: str | None = None, task: str = "auto",
) -> Dataset:
    path = regular_file(Path(path), "CSV file")
    require_text(path, "CSV file")
    rows = _read_rows(path, delimiter)
    if not rows:
        raise DatasetError(f"CSV file {path} is empty")
    width = len(rows[0])
    if width < 2:
        raise DatasetError(f"CSV file {path} has one column; it needs feature columns and a label column")
    for number, row in enumerate(rows, start=1):
        if len(row) != width:
            raise DatasetError(f"CSV file {path}: row {number} has {len(row)} fields, the first row {width}")
    if header is None:
        header = _has_header(rows)
    names = rows[0] if header else [f"column {j + 1}" for j in range(width)]
    label = _label_index(label_column, width, names if header else None, path)
    data = rows[1:] if header else rows
    if not data:
        raise DatasetError(f"CSV file {path} has a header row but no data rows")
    features = [j for j in range(width) if j != label]
    x = _features(data, features, names, 2 if header else 1, path)
    raw = [row[label] for row in data]
    labels = np.array([float(v) for v in raw]) if all(_is_number(v) for v in raw) else np.array(raw)
    y, kind, class_names = encode_labels(labels, task=task, what=f"CSV file {path}: labels in column '{names[label]}'")
    return from_arrays(
        path.stem, x, y, kind=kind, class_names=class_names, seed=seed, validation_split=validation_split,
        max_samples=max_samples, source=str(path),
    )
