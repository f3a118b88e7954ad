"""Building blocks of the layer catalogue: typed parameters and layer kinds.

One `LayerKind` per Keras class drives everything that must agree: default
values (Keras' own), the inspector form (parameter types, choices, bounds),
shape/parameter/MAC inference and the receptive field.  Keeping them in one
table is what stops the form, the numbers and the Keras config drifting apart.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Callable, Sequence

Shape = tuple  # tuple[int | None, ...], without the batch dimension

ACTIVATIONS = (
    None, "relu", "tanh", "sigmoid", "softmax", "elu", "selu", "gelu", "swish",
    "silu", "softplus", "softsign", "hard_sigmoid", "hard_silu", "leaky_relu", "relu6", "exponential",
)


class ShapeError(ValueError):
    """An inference problem with a message meant for the user (layer named by caller)."""


@dataclass(frozen=True)
class Param:
    """A constructor argument: name, kind, Keras default and form hints.

    kinds: int, float, bool, str, choice, pair (int or [h, w]), ints (int
    list), floats (a number or a list of them), dims (a shape: positive
    ints and nulls, as Dropout's noise_shape), padding (int, pair or pair of
    pairs), layer (a nested layer spec).
    """

    name: str
    kind: str
    default: Any = None
    choices: tuple = ()
    minimum: float | None = None
    maximum: float | None = None
    required: bool = False
    optional: bool = False  # None allowed besides the kind's values
    rank: int = 2  # for pair/padding: number of spatial axes
    help: str = ""
    call: bool = False  # passed when the layer is called (return_attention_scores), not to its constructor

    def normalize(self, value: Any) -> Any:
        """Canonical value for comparisons; raises ValueError naming what is wrong."""
        if value is None:
            if self.optional or self.default is None and not self.required:
                return None
            raise ValueError(f"'{self.name}' must not be empty")
        kind = self.kind
        if kind == "int":
            if not _whole(value):
                raise ValueError(f"'{self.name}' must be an integer, got {value!r}")
            value = int(value)
        elif kind == "float":
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
                raise ValueError(f"'{self.name}' must be a number, got {value!r}")
            value = float(value)
        elif kind == "bool":
            if not isinstance(value, bool):
                raise ValueError(f"'{self.name}' must be true or false, got {value!r}")
        elif kind in ("str", "choice"):
            if not isinstance(value, str):
                raise ValueError(f"'{self.name}' must be a string, got {value!r}")
            if self.name == "activation" and value == "linear" and self.optional:
                return None  # Keras writes "linear" for activation=None
            if kind == "choice" and self.choices and value not in self.choices:
                allowed = ", ".join(str(c) for c in self.choices if c is not None)
                raise ValueError(f"'{self.name}' must be one of {allowed}; got {value!r}")
        elif kind == "pair":
            return self._ints(value, self.rank)
        elif kind == "ints":
            if not isinstance(value, (list, tuple)) or not value:
                raise ValueError(f"'{self.name}' must be a list of integers, got {value!r}")
            return tuple(_int(v, self.name, allow_minus_one=True) for v in value)
        elif kind == "floats":
            values = value if isinstance(value, (list, tuple)) else [value]
            if not values or any(isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v)
                                 for v in values):
                raise ValueError(f"'{self.name}' must be a number or a list of numbers, got {value!r}")
            return tuple(float(v) for v in values)
        elif kind == "dims":
            if not isinstance(value, (list, tuple)) or not value or any(
                    v is not None and (isinstance(v, bool) or not isinstance(v, int) or v < 1) for v in value):
                raise ValueError(f"'{self.name}' must be a shape (positive integers or null), got {value!r}")
            return tuple(value)
        elif kind == "padding":
            return _padding(value, self.name, self.rank)
        elif kind == "layer":
            if not isinstance(value, dict) or "type" not in value:
                raise ValueError(f"'{self.name}' must be a layer {{\"type\": ..., \"config\": ...}}")
            return value
        if kind in ("int", "float") and value is not None:
            if self.minimum is not None and value < self.minimum:
                raise ValueError(f"'{self.name}' must be ≥ {self.minimum:g}, got {value:g}")
            if self.maximum is not None and value > self.maximum:
                raise ValueError(f"'{self.name}' must be ≤ {self.maximum:g}, got {value:g}")
        return value

    def _ints(self, value: Any, n: int) -> tuple[int, ...]:
        if isinstance(value, (list, tuple)):
            if len(value) != n:
                raise ValueError(f"'{self.name}' needs {n} values, got {list(value)}")
            out = tuple(_int(v, self.name) for v in value)
        else:
            out = (_int(value, self.name),) * n
        if self.minimum is not None and min(out) < self.minimum:
            raise ValueError(f"'{self.name}' must be ≥ {self.minimum:g}, got {value}")
        return out

    def compact(self, value: Any) -> Any:
        """The shortest file form of a normalised value (5 for [5, 5])."""
        if isinstance(value, tuple):
            if self.kind == "pair" and len(set(value)) == 1:
                return value[0]
            if self.kind == "padding":
                if len(set(value)) == 1 and len(set(value[0])) == 1:
                    return value[0][0]
                if all(len(set(p)) == 1 for p in value):
                    return [p[0] for p in value]
                return [list(p) for p in value]
            return list(value)
        return value


def _whole(value: Any) -> bool:
    """An int, or a float with no fraction; never True for NaN or ±inf (int() of those raises)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return False
    return isinstance(value, int) or math.isfinite(value) and value.is_integer()


def _int(value: Any, name: str, allow_minus_one: bool = False) -> int:
    if not _whole(value):
        raise ValueError(f"'{name}' must hold integers, got {value!r}")
    value = int(value)
    if value < 0 and not (allow_minus_one and value == -1):
        raise ValueError(f"'{name}' must not be negative, got {value}")
    return value


def _padding(value: Any, name: str, rank: int) -> tuple[tuple[int, int], ...]:
    """Keras' ZeroPadding/Cropping forms: n, (a, b) per axis, or ((t, b), (l, r))."""
    if not isinstance(value, (list, tuple)):
        v = _int(value, name)
        return ((v, v),) * rank
    if len(value) != rank:
        raise ValueError(f"'{name}' needs {rank} entries, got {list(value)}")
    out = []
    for item in value:
        if isinstance(item, (list, tuple)):
            if len(item) != 2:
                raise ValueError(f"'{name}' entries are (before, after) pairs, got {list(item)}")
            out.append((_int(item[0], name), _int(item[1], name)))
        else:
            v = _int(item, name)
            out.append((v, v))
    return tuple(out)


@dataclass
class Cost:
    """What one layer costs, derived from its input and output shapes."""

    trainable: int = 0
    non_trainable: int = 0
    macs: int = 0


# rf state: None (not spatial) or (rf per axis, jump per axis)
RF = tuple | None


@dataclass
class LayerKind:
    """Everything the workbench knows about one Keras layer class."""

    type: str
    category: str
    params: Sequence[Param]
    shape: Callable[[dict, list[Shape]], Shape]
    cost: Callable[[dict, list[Shape], Shape], Cost] = lambda cfg, ins, out: Cost()
    rf: Callable[[dict, list[RF], list[Shape], Shape], RF] | None = None
    min_inputs: int = 1
    max_inputs: int = 1
    input_rank: tuple[int, ...] | None = None  # allowed ranks (without batch)
    doc: str = ""
    canonical: Callable[[dict], dict] | None = None  # folds spellings Keras treats as equal
    #: shapes of the outputs after the first (a recurrent layer's states, attention scores): 'name:1', ...
    extra_outputs: Callable[[dict, list[Shape], Shape], list[Shape]] | None = None
    #: shapes of the initial states the layer accepts; None: it takes no initial_state
    state_shapes: Callable[[dict, list[Shape]], list[Shape]] | None = None

    @property
    def param_map(self) -> dict[str, Param]:
        return {p.name: p for p in self.params}

    def defaults(self) -> dict[str, Any]:
        return {p.name: p.normalize(p.default) if p.default is not None else None for p in self.params}

    def normalize_config(self, config: dict) -> dict[str, Any]:
        """All parameters, defaults filled, values canonical. Raises ValueError."""
        known = self.param_map
        unknown = [k for k in config if k not in known]
        if unknown:
            raise ValueError(f"unknown config key(s) for {self.type}: {', '.join(sorted(unknown))}")
        out = {}
        for p in self.params:
            if p.name in config:
                out[p.name] = p.normalize(config[p.name])
            elif p.required:
                raise ValueError(f"{self.type} needs '{p.name}'")
            else:
                out[p.name] = p.normalize(p.default) if p.default is not None else None
        return self.canonical(out) if self.canonical else out

    def compact_config(self, normalized: dict) -> dict[str, Any]:
        """Only the values that differ from Keras' defaults, in their shortest form."""
        out = {}
        for p in self.params:
            value = normalized.get(p.name)
            default = p.normalize(p.default) if p.default is not None else None
            if p.required or value != default:
                out[p.name] = p.compact(value)
        return out


def axis_index(axis: int, rank: int) -> int:
    """Index into a shape without the batch axis for a Keras `axis` (which counts the batch as 0)."""
    if axis == 0:
        raise ShapeError("axis 0 is the batch axis")
    index = axis - 1 if axis > 0 else axis + rank
    if not 0 <= index < rank:
        raise ShapeError(f"axis {axis} is out of range for inputs of rank {rank} (+ batch)")
    return index


def prod(values) -> int:
    out = 1
    for v in values:
        out *= 1 if v is None else int(v)
    return out


def out_length(n: int | None, k: int, s: int, padding: str, dilation: int = 1) -> int | None:
    """Keras' conv/pool output length (it floors): valid, same or causal."""
    if n is None:
        return None
    k_eff = dilation * (k - 1) + 1
    if padding == "valid":
        return (n - k_eff) // s + 1  # < 1 when the kernel is larger than the input
    return -(-n // s)  # same / causal: ceil(n / s)


def untiled(n: int | None, k: int, s: int, padding: str, dilation: int = 1) -> int:
    """Rows/columns a 'valid' window leaves unused at the end (Keras floors)."""
    if n is None or padding != "valid":
        return 0
    k_eff = dilation * (k - 1) + 1
    return (n - k_eff) % s if n >= k_eff else 0


def same_rank_rf(cfg, rfs, ins, out) -> RF:
    """Shape-preserving layers pass the receptive field through unchanged."""
    return rfs[0]


def window_rf(kernel: Sequence[int], strides: Sequence[int], rf: RF) -> RF:
    """r_out = r_in + (k - 1)·j_in ; j_out = j_in·s, per spatial axis."""
    if rf is None:
        return None
    r, j = rf
    r = tuple(ri + (k - 1) * ji for ri, ji, k in zip(r, j, kernel))
    j = tuple(ji * s for ji, s in zip(j, strides))
    return r, j
