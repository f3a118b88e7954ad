"""A sweep's search space from `--param NAME=SPEC` texts, and each trial's configuration from it.

    lr=1e-4:1e-1:log       a float range, sampled on a log scale
    momentum=0.8:0.99      a float range
    epochs=2:6             an integer range (both ends integers)
    batch_size=32,64,128   a list of values (numbers or words, e.g. optimizer=adam,sgd)

Names are `TrainConfig` fields (`lr`, `bs` and `wd` are short for
learning_rate, batch_size and weight_decay).  With several targets the
preset itself is one more categorical parameter, `preset`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from ..errors import WorkbenchError

ALIASES = {"lr": "learning_rate", "bs": "batch_size", "wd": "weight_decay"}
#: TrainConfig fields a sweep may vary, with the type their values take
FIELDS = {"learning_rate": float, "batch_size": int, "epochs": int, "momentum": float, "weight_decay": float,
          "optimizer": str, "schedule": str}
PRESET = "preset"


@dataclass(frozen=True)
class Param:
    """One dimension: a list of `choices`, or a range `low`..`high` (log scale, integers)."""

    name: str
    choices: tuple = ()
    low: float = 0.0
    high: float = 0.0
    log: bool = False
    integer: bool = False

    def suggest(self, trial):
        if self.choices:
            return trial.suggest_categorical(self.name, list(self.choices))
        if self.integer:
            return trial.suggest_int(self.name, int(self.low), int(self.high), log=self.log)
        return trial.suggest_float(self.name, self.low, self.high, log=self.log)

    @property
    def grid(self) -> list:
        if not self.choices:
            raise WorkbenchError(f"--param {self.name}: the grid sampler needs a list of values "
                                 f"(e.g. {self.name}=a,b,c), not a range")
        return list(self.choices)


def parse_param(text: str) -> Param:
    """`NAME=SPEC` -> Param; messages name the text and what is wrong with it."""
    name, sep, spec = text.partition("=")
    name = ALIASES.get(name.strip(), name.strip())
    if not sep or not spec.strip():
        raise WorkbenchError(f"--param {text}: expected NAME=VALUES, e.g. lr=1e-4:1e-1:log or batch_size=32,64")
    if name not in FIELDS:
        raise WorkbenchError(f"--param {text}: '{name}' is not a sweepable setting; "
                             f"choose from {', '.join(sorted(FIELDS))} (or lr, bs, wd)")
    kind = FIELDS[name]
    if ":" in spec:
        return _range(text, name, kind, spec.split(":"))
    choices = tuple(_value(text, kind, v.strip()) for v in spec.split(","))
    if len(set(choices)) != len(choices):
        raise WorkbenchError(f"--param {text}: a value is listed twice")
    return Param(name, choices=choices)


def _range(text: str, name: str, kind: type, parts: list[str]) -> Param:
    if kind is str or len(parts) not in (2, 3) or (len(parts) == 3 and parts[2] not in ("log", "linear")):
        raise WorkbenchError(f"--param {text}: a range is LOW:HIGH or LOW:HIGH:log (numbers only)")
    low, high = (_value(text, kind, p.strip()) for p in parts[:2])
    log = len(parts) == 3 and parts[2] == "log"
    if not low < high or (log and low <= 0):
        raise WorkbenchError(f"--param {text}: need LOW < HIGH{' and LOW > 0 on a log scale' if log else ''}")
    return Param(name, low=low, high=high, log=log, integer=kind is int)


def _value(text: str, kind: type, raw: str):
    try:
        value = kind(raw)
    except ValueError:
        raise WorkbenchError(f"--param {text}: '{raw}' is not {'an integer' if kind is int else 'a number'}") from None
    if isinstance(value, float) and not math.isfinite(value):
        raise WorkbenchError(f"--param {text}: '{raw}' is not finite")
    return value


def space(params: list[Param], presets: list[str]) -> list[Param]:
    """The full search space: the preset (when there is a choice) and the `--param`s, each name once."""
    names = [p.name for p in params]
    repeated = sorted({n for n in names if names.count(n) > 1})
    if repeated:
        raise WorkbenchError(f"--param {repeated[0]} is given more than once")
    return ([Param(PRESET, choices=tuple(presets))] if len(presets) > 1 else []) + list(params)


def grid_size(params: list[Param]) -> int:
    return math.prod(len(p.grid) for p in params)
