"""Generated sequence data: the adding problem and human dates rewritten as ISO dates.

`adding_problem` (Hochreiter & Schmidhuber 1997): T steps of (value,
marker); values uniform in [0, 1], exactly two steps marked, one in each
half of the sequence; the target is the sum of the two marked values.
Predicting the mean (1.0) scores an MSE of 1/6 ≈ 0.167, the bar a network
that learned nothing stays at.

`dates`: dates between 1950 and 2049 written the ways people write them
with a month name ("25 December 2023", "Dec 25, 2023", "december 25,
2023"), so no date is ambiguous (03/04 could be either), and their ISO
form "2023-12-25" produced by `datetime`.  The input is the characters'
indices (0 pads); the target is the 10 ISO characters and the end token.
The decoder's input (teacher forcing) is the target shifted right behind
the start token: `teacher_forcing` makes it from the target, so a data set
carries one input array and the task adds the second.
"""

from __future__ import annotations

import datetime

import numpy as np

from .dataset import Dataset
from .errors import DatasetError

#: date characters: 0 pads, then space, comma, digits, lower case and the capitals month names start with
DATE_CHARS = " ," + "0123456789" + "abcdefghijklmnopqrstuvwxyz" + "ADFJMNOS"
#: ISO characters: 0 ends (and pads), 1 starts
ISO_TOKENS = ["<end>", "<start>", *"0123456789", "-"]
END, START = 0, 1
DATE_LENGTH = 20
ISO_LENGTH = 10
MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
          "November", "December"]
#: (day, month name, year) -> text; month names long or three letters, capitalised or not
FORMATS = (
    "{d} {B} {Y}", "{dd} {B} {Y}", "{B} {d}, {Y}", "{b} {d}, {Y}", "{d} {b} {Y}", "{dd} {b} {Y}",
    "{b} {dd}, {Y}", "{B} {dd} {Y}",
)
FIRST_DAY = datetime.date(1950, 1, 1).toordinal()
LAST_DAY = datetime.date(2049, 12, 31).toordinal()


def adding_problem(samples: int, length: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Inputs (samples, length, 2) float32 (value, marker) and targets (samples,) float32."""
    if length < 2:
        raise DatasetError(f"adding_problem: length must be at least 2, got {length}")
    x = np.zeros((samples, length, 2), dtype=np.float32)
    x[:, :, 0] = rng.uniform(0.0, 1.0, (samples, length))
    half = length // 2
    first = rng.integers(0, half, samples)
    second = rng.integers(half, length, samples)
    rows = np.arange(samples)
    x[rows, first, 1] = 1.0
    x[rows, second, 1] = 1.0
    return x, x[rows, first, 0] + x[rows, second, 0]


def load_adding_problem(*, seed: int, validation_split: float, length: int = 50, samples: int = 8000,
                        val_samples: int = 1000) -> Dataset:
    """8,000 training and 1,000 validation sequences of `length` steps (its own split)."""
    rng = np.random.default_rng(seed)
    x, y = adding_problem(samples, length, rng)
    x_val, y_val = adding_problem(val_samples, length, rng)
    dataset = Dataset(
        name="adding_problem", task="regression", input_shape=x.shape[1:], x_train=x, y_train=y,
        x_val=x_val, y_val=y_val, source=f"generated (seed {seed}, T = {length})",
    )
    dataset.validate()
    return dataset


def date_text(day: datetime.date, style: str, capital: bool) -> str:
    """`day` written in `style` (one of FORMATS), the month name capitalised or not."""
    month = MONTHS[day.month - 1] if capital else MONTHS[day.month - 1].lower()
    return style.format(d=day.day, dd=f"{day.day:02d}", B=month, b=month[:3], Y=day.year)


def encode(text: str, alphabet: str, length: int) -> np.ndarray:
    """Indices of `text`'s characters in `alphabet`, counted from 1 (0 pads), padded to `length`."""
    row = np.zeros(length, dtype=np.int32)
    row[:len(text)] = [alphabet.index(c) + 1 for c in text]
    return row


def iso_tokens(text: str) -> np.ndarray:
    """The target row of an ISO date: its characters' tokens, then the end token."""
    return np.array([ISO_TOKENS.index(c) for c in text] + [END], dtype=np.int32)


def teacher_forcing(targets: np.ndarray, start: int) -> np.ndarray:
    """The decoder's inputs for `targets` (samples × length): the start token, then the targets but the last."""
    targets = np.asarray(targets, dtype=np.int32)
    shifted = np.full_like(targets, start)
    shifted[:, 1:] = np.maximum(targets[:, :-1], 0)
    return shifted


def dates(samples: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """Encoder tokens (samples × 20), targets (samples × 11) and the human texts."""
    days = rng.integers(FIRST_DAY, LAST_DAY + 1, samples)
    styles = rng.integers(0, len(FORMATS), samples)
    capitals = rng.random(samples) < 0.5
    texts = [date_text(datetime.date.fromordinal(int(d)), FORMATS[s], bool(c)) for d, s, c in zip(days, styles, capitals)]
    x = np.stack([encode(t, DATE_CHARS, DATE_LENGTH) for t in texts])
    y = np.stack([iso_tokens(datetime.date.fromordinal(int(d)).isoformat()) for d in days])
    return x, y, texts


def load_dates(*, seed: int, validation_split: float, samples: int = 10000, val_samples: int = 1000) -> Dataset:
    """10,000 training and 1,000 validation dates (its own split); labels are the ISO target rows."""
    rng = np.random.default_rng(seed)
    x, y, _ = dates(samples, rng)
    x_val, y_val, _ = dates(val_samples, rng)
    dataset = Dataset(
        name="dates", task="sequence", input_shape=x.shape[1:], class_names=list(ISO_TOKENS), x_train=x,
        y_train=y, x_val=x_val, y_val=y_val, source=f"generated (seed {seed}, {len(FORMATS)} formats, 1950–2049)",
    )
    dataset.validate()
    return dataset
