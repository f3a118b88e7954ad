"""Training hyperparameters: validated on construction, turned into Keras objects on demand.

Keras is imported only inside the `make_*` methods, so the CLI and the GUI
can build and check a configuration before TensorFlow has loaded.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass
from typing import Any

from .errors import ConfigError

OPTIMIZERS = ("sgd", "momentum", "nesterov", "adam", "adamw", "rmsprop", "adagrad", "rprop")
#: why RPROP trains on the whole training set per step, for the CLI and the window
RPROP_NOTE = ("RPROP adapts each weight's step from the sign of its whole-set gradient; with mini-batches the "
              "signs flip from batch to batch and it stalls, so it trains full batch (the batch size is ignored)")
SCHEDULES = ("constant", "step", "cosine", "exponential")
#: `steps_per_execution` chosen by the Trainer from the model's size (`execution.auto_steps_per_execution`)
AUTO = "auto"

#: spellings found in papers' training recipes -> our optimizer names
_OPTIMIZER_ALIASES = {
    "sgd+momentum": "momentum", "sgd_momentum": "momentum", "sgdm": "momentum",
    "sgd+nesterov": "nesterov", "sgd_nesterov": "nesterov", "nag": "nesterov",
}
_SGD_FAMILY = ("sgd", "momentum", "nesterov")
_SCHEDULE_ALIASES = {"none": "constant", "fixed": "constant", "plateau": "step", "multistep": "step", "cos": "cosine"}

#: a paper's batch size is meant for ImageNet; on the embedded sets it leaves a handful of steps per epoch
SMALL_DATA_MAX_BATCH = 64
#: likewise its 90+ epochs: the embedded sets converge in a few dozen
SMALL_DATA_MAX_EPOCHS = 30
#: the "step" schedule divides the rate by 10 at these fractions of the run (the ResNet recipe), rounded up to
#: whole epochs (`step_drop_epochs`)
STEP_BOUNDARIES = (0.5, 0.75)
STEP_FACTOR = 0.1
#: the "exponential" schedule ends the run at this fraction of the initial rate
EXPONENTIAL_FINAL_FRACTION = 0.01


@dataclass(frozen=True)
class ConfigField:
    """How a form shows one `TrainConfig` setting; the limits are the ones `TrainConfig` itself enforces.

    `kind`: "choice" (from `choices`), "float", "log" (a positive float
    spanning decades: learning rate, weight decay), "int", "auto_int" (a
    whole number or "auto", shown as 0) or "bool".
    """

    name: str
    label: str
    kind: str
    low: float | None = None
    high: float | None = None
    choices: tuple[str, ...] = ()
    step: float | None = None
    decimals: int = 0
    help: str = ""


#: every setting a person picks in a form, in the order the forms show them (the training panel shows all,
#: the comparison window a subset); `TrainConfig.__post_init__` checks the same limits
FIELDS = (
    ConfigField("optimizer", "Optimizer", "choice", choices=OPTIMIZERS,
                help="rprop: resilient back-propagation; the learning rate is its initial step size. " + RPROP_NOTE),
    ConfigField("learning_rate", "Learning rate", "log", 1e-8, 1e12,
                help="Initial learning rate; the arrows halve or double it. High rates are allowed: watching a "
                     "run diverge teaches too."),
    ConfigField("schedule", "Schedule", "choice", choices=SCHEDULES,
                help="step: ÷10 at 50% and 75% of the run; cosine and exponential decay over the run"),
    ConfigField("momentum", "Momentum", "float", 0.0, 0.999, step=0.05, decimals=3,
                help="Used by momentum and nesterov"),
    ConfigField("weight_decay", "Weight decay", "log", 0.0, 1.0,
                help="Decoupled weight decay, as Keras applies it (0 = none)"),
    ConfigField("batch_size", "Batch size", "int", 1, 65536),
    ConfigField("epochs", "Epochs", "int", 1, 100_000),
    ConfigField("validation_split", "Validation split", "float", 0.0, 0.9, step=0.05, decimals=2,
                help="Fraction held out for validation when the data set brings no split"),
    ConfigField("seed", "Seed", "int", 0, 2**31 - 1),
    ConfigField("steps_per_execution", "Batches per call", "auto_int", 1, 64,
                help="Batches per compiled call. More is faster for small models; the charts then get every "
                     "n-th batch and Stop acts after the call in flight. Auto aims at ~20 ms of arithmetic per call."),
    ConfigField("mixed_precision", "Mixed precision", "bool", help="float16 on a GPU, bfloat16 on a CPU; weights "
                "stay float32"),
)
FIELD = {f.name: f for f in FIELDS}


@dataclass(frozen=True)
class TrainConfig:
    """Everything that decides how a run trains, besides the model and the data.

    `epochs` is the total epoch count, as Keras' `fit(epochs=...)`: resuming
    a run that finished epoch 4 with `epochs=10` trains epochs 5–10.
    """

    optimizer: str = "adam"
    learning_rate: float = 1e-3
    schedule: str = "constant"
    momentum: float = 0.9  # used by "momentum" and "nesterov"
    weight_decay: float = 0.0  # decoupled, as Keras applies it
    batch_size: int = 32
    epochs: int = 10
    validation_split: float = 0.2  # used when the data set brings no validation split
    seed: int = 0
    mixed_precision: bool = False  # mixed_float16 on a GPU, mixed_bfloat16 elsewhere
    steps_per_execution: int | str = AUTO  # batches per compiled call, or "auto"; on_batch sees every n-th batch
    probe_layers: tuple[str, ...] = ()  # layers whose activations `on_feature_maps` receives
    probe_per_second: float = 2.0  # feature-map rounds per second, at most
    batch_events_per_second: float = 20.0  # `on_batch` calls per second, at most
    tensorboard: bool = True  # TensorBoard logs in the run folder (TensorFlow backend only)

    def __post_init__(self):
        object.__setattr__(self, "optimizer", _choice("optimizer", self.optimizer, OPTIMIZERS, _OPTIMIZER_ALIASES))
        object.__setattr__(self, "schedule", _choice("schedule", self.schedule, SCHEDULES, _SCHEDULE_ALIASES))
        _positive_int("batch_size", self.batch_size, FIELD["batch_size"].high)
        _positive_int("epochs", self.epochs, FIELD["epochs"].high)
        if isinstance(self.steps_per_execution, str) and self.steps_per_execution != AUTO:
            raise ConfigError(f"steps_per_execution must be a whole number or \"auto\", got {self.steps_per_execution!r}")
        if self.steps_per_execution != AUTO:
            _positive_int("steps_per_execution", self.steps_per_execution, FIELD["steps_per_execution"].high)
        _number("learning_rate", self.learning_rate, low=0.0, high=FIELD["learning_rate"].high, low_open=True)
        _number("momentum", self.momentum, low=0.0, high=1.0, high_open=True)
        _number("weight_decay", self.weight_decay, low=0.0, high=FIELD["weight_decay"].high)
        _number("validation_split", self.validation_split, low=0.0, high=1.0, high_open=True)
        _number("probe_per_second", self.probe_per_second, low=0.0, low_open=True)
        _number("batch_events_per_second", self.batch_events_per_second, low=0.0, low_open=True)
        if isinstance(self.seed, bool) or not isinstance(self.seed, int) or not 0 <= self.seed <= FIELD["seed"].high:
            raise ConfigError(f"seed must be a non-negative integer up to {FIELD['seed'].high:.0f}, got {self.seed!r}")
        for flag in ("mixed_precision", "tensorboard"):
            if not isinstance(getattr(self, flag), bool):
                raise ConfigError(f"{flag} must be true or false, got {getattr(self, flag)!r}")
        if isinstance(self.probe_layers, str):
            raise ConfigError("probe_layers must be a list of layer names, not one string")
        layers = tuple(self.probe_layers)
        if not all(isinstance(name, str) and name for name in layers):
            raise ConfigError(f"probe_layers must be layer names, got {list(layers)!r}")
        object.__setattr__(self, "probe_layers", layers)

    # -- construction ---------------------------------------------------
    @classmethod
    def from_preset(cls, spec, **overrides) -> "TrainConfig":
        """Defaults from the preset's `training` block, scaled for the small embedded data sets.

        The block's schedule is a description ("plateau: ÷10 when the error
        plateaus"); its first word picks ours, "plateau" becoming "step";
        "sgd" with momentum becomes "momentum".  Unless overridden, the
        paper's batch size is capped at SMALL_DATA_MAX_BATCH and its epochs at
        SMALL_DATA_MAX_EPOCHS.  When the batch size differs from the paper's,
        an SGD-family learning rate that was not overridden follows it (the
        linear scaling rule).  Other `overrides` are taken as given.
        """
        unknown = sorted(set(overrides) - {f.name for f in dataclasses.fields(cls)})
        if unknown:
            raise ConfigError(f"unknown training setting {', '.join(map(repr, unknown))}")
        block = dict(getattr(spec, "training", None) or {})
        paper: dict[str, Any] = {
            key: block[key] for key in ("learning_rate", "momentum", "weight_decay", "batch_size", "epochs") if key in block
        }
        if "schedule" in block:  # "step: ÷10 at epochs 30 and 60" -> "step"
            paper["schedule"] = str(block["schedule"]).split(":", 1)[0]
        if "optimizer" in block:
            name = str(block["optimizer"]).strip().lower()
            if name == "sgd" and float(block.get("momentum", 0) or 0) > 0:
                name = "momentum"
            paper["optimizer"] = name
        values = {**paper, **overrides}
        paper_batch = paper.get("batch_size")
        if "batch_size" not in overrides and isinstance(paper_batch, int):
            values["batch_size"] = min(paper_batch, SMALL_DATA_MAX_BATCH)
        if "epochs" not in overrides and isinstance(paper.get("epochs"), int):
            values["epochs"] = min(paper["epochs"], SMALL_DATA_MAX_EPOCHS)
        optimizer = str(values.get("optimizer", "")).strip().lower()
        batch = values.get("batch_size")
        if (
            "learning_rate" in paper and "learning_rate" not in overrides
            and _OPTIMIZER_ALIASES.get(optimizer, optimizer) in _SGD_FAMILY
            and isinstance(paper_batch, int) and isinstance(batch, int) and batch != paper_batch
        ):
            values["learning_rate"] = paper["learning_rate"] * batch / paper_batch
        try:
            return cls(**values)
        except ConfigError as exc:
            raise ConfigError(f"{getattr(spec, 'name', 'preset')}: {exc}") from None

    @classmethod
    def from_dict(cls, data: dict) -> "TrainConfig":
        """Read back `to_dict()` output (run.json), ignoring keys this version does not know."""
        known = {f.name for f in dataclasses.fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in known})

    def to_dict(self) -> dict:
        out = dataclasses.asdict(self)
        out["probe_layers"] = list(self.probe_layers)
        return out

    def replace(self, **changes) -> "TrainConfig":
        return dataclasses.replace(self, **changes)

    # -- Keras objects --------------------------------------------------
    def make_schedule(self, steps_per_epoch: int):
        """The learning rate: a float, or a `keras.optimizers.schedules` object over the whole run."""
        import keras

        total = max(1, self.epochs * steps_per_epoch)
        lr = float(self.learning_rate)
        schedules = keras.optimizers.schedules
        if self.schedule == "constant":
            return lr
        if self.schedule == "step":
            drops = step_drop_epochs(self.epochs)
            if not drops:
                return lr
            # PiecewiseConstantDecay switches after a boundary: the last step (0-based) of the epoch before a drop
            return schedules.PiecewiseConstantDecay(
                [e * steps_per_epoch - 1 for e in drops], [lr * STEP_FACTOR**i for i in range(len(drops) + 1)]
            )
        if self.schedule == "cosine":
            return schedules.CosineDecay(lr, decay_steps=total)
        return schedules.ExponentialDecay(lr, decay_steps=total, decay_rate=EXPONENTIAL_FINAL_FRACTION)

    def make_optimizer(self, steps_per_epoch: int):
        import keras

        rate = self.make_schedule(steps_per_epoch)
        decay = {"weight_decay": self.weight_decay} if self.weight_decay > 0 else {}
        opt = keras.optimizers
        if self.optimizer == "sgd":
            return opt.SGD(rate, **decay)
        if self.optimizer in ("momentum", "nesterov"):
            return opt.SGD(rate, momentum=self.momentum, nesterov=self.optimizer == "nesterov", **decay)
        if self.optimizer == "adamw":
            return opt.AdamW(rate, weight_decay=self.weight_decay)
        if self.optimizer == "rprop":
            from workbench.keras_bridge import Rprop

            return Rprop(float(self.learning_rate))
        return {"adam": opt.Adam, "rmsprop": opt.RMSprop, "adagrad": opt.Adagrad}[self.optimizer](rate, **decay)


def step_drop_epochs(epochs: int) -> list[int]:
    """The epochs after which the "step" schedule divides the rate by 10: each `STEP_BOUNDARIES` fraction of the
    run rounded up to a whole epoch, dropped when it would fall on the run's end or repeat an earlier one.

    30 epochs: after 15 and 23; 4: after 2 and 3; 3: after 2 only (0.01, 0.01, 0.001); 1: none.
    """
    drops = sorted({math.ceil(epochs * f) for f in STEP_BOUNDARIES})
    return [e for e in drops if 0 < e < epochs]


# -- validation helpers ----------------------------------------------------
def _choice(name: str, value: Any, allowed: tuple[str, ...], aliases: dict[str, str]) -> str:
    if not isinstance(value, str):
        raise ConfigError(f"{name} must be one of {', '.join(allowed)}; got {value!r}")
    key = value.strip().lower()
    key = aliases.get(key, key)
    if key not in allowed:
        raise ConfigError(f"unknown {name} {value!r}; choose one of {', '.join(allowed)}")
    return key


def _positive_int(name: str, value: Any, high: float) -> None:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ConfigError(f"{name} must be a whole number, got {value!r}")
    if value < 1:
        raise ConfigError(f"{name} must be at least 1, got {value}")
    if value > high:
        raise ConfigError(f"{name} must be at most {high:,.0f}, got {value:,}")


def _number(name: str, value: Any, low: float | None = None, high: float | None = None,
            low_open: bool = False, high_open: bool = False) -> None:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise ConfigError(f"{name} must be a finite number, got {value!r}")
    if low is not None and (value < low or (low_open and value == low)):
        raise ConfigError(f"{name} must be {'greater than' if low_open else 'at least'} {low:g}, got {value:g}")
    if high is not None and (value > high or (high_open and value == high)):
        raise ConfigError(f"{name} must be {'less than' if high_open else 'at most'} {high:g}, got {value:g}")
