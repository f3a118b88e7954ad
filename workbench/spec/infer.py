"""Validation and per-layer numbers: shapes, parameters, MACs, memory, receptive field.

`analyze(spec)` never raises for a bad graph: it returns every problem it
finds, each naming its layer, and computes numbers for every layer whose
inputs are sound, so the editor can show a half-finished graph.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .catalogue import ShapeError, get_kind, untiled
from .catalogue.base import prod
from .graph import INPUT, LayerSpec, ModelSpec, ref_name, split_ref

BYTES_PER_VALUE = 4  # float32

#: extra per-parameter state an optimizer keeps (Adam: m and v, momentum: velocity)
OPTIMIZER_SLOTS = {
    "sgd": 0, "momentum": 1, "nesterov": 1, "adam": 2, "adamw": 2, "nadam": 2,
    "rmsprop": 1, "adagrad": 1, "adadelta": 2, "lion": 1,
}


@dataclass(frozen=True)
class Problem:
    layer: str
    message: str
    severity: str = "error"  # "warning", or "note" for what a working, published network also does

    def __str__(self) -> str:
        return f"{self.layer}: {self.message}"


@dataclass
class LayerInfo:
    name: str
    type: str
    inputs: list[str]
    output_shape: tuple
    trainable_params: int = 0
    non_trainable_params: int = 0
    macs: int = 0
    receptive_field: tuple | None = None  # per spatial axis
    jump: tuple | None = None
    #: outputs after the first, read as 'name:1', 'name:2' (states, attention scores)
    extra_shapes: list[tuple] = field(default_factory=list)

    @property
    def params(self) -> int:
        return self.trainable_params + self.non_trainable_params

    @property
    def output_shapes(self) -> list[tuple]:
        return [self.output_shape] + list(self.extra_shapes)

    @property
    def activation_bytes(self) -> int:
        return sum(prod(shape) for shape in self.output_shapes) * BYTES_PER_VALUE


@dataclass
class Analysis:
    """Everything `analyze` derived from a spec."""

    spec: ModelSpec
    layers: dict[str, LayerInfo] = field(default_factory=dict)  # topological order, inputs first
    problems: list[Problem] = field(default_factory=list)
    #: layers no output depends on (Keras leaves them out): shown, but not in the totals
    unused: set[str] = field(default_factory=set)

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "error"]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "warning"]

    @property
    def notes(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "note"]

    @property
    def ok(self) -> bool:
        return not self.errors

    def _layers(self):
        return [info for info in self.layers.values() if info.type != "Input" and info.name not in self.unused]

    @property
    def trainable_params(self) -> int:
        return sum(i.trainable_params for i in self._layers())

    @property
    def non_trainable_params(self) -> int:
        return sum(i.non_trainable_params for i in self._layers())

    @property
    def total_params(self) -> int:
        return self.trainable_params + self.non_trainable_params

    @property
    def total_macs(self) -> int:
        return sum(i.macs for i in self._layers())

    @property
    def total_activation_bytes(self) -> int:
        return sum(i.activation_bytes for i in self._layers())

    def output_shapes(self) -> list[tuple]:
        out = []
        for ref in self.spec.resolved_outputs():
            name, index = split_ref(ref)
            if name in self.layers and index < len(self.layers[name].output_shapes):
                out.append(self.layers[name].output_shapes[index])
        return out

    def training_memory(self, batch_size: int = 32, optimizer: str = "adam") -> int:
        """Bytes to train: weights + gradients + optimizer slots + activations × batch.

        Activations are kept for the backward pass, hence per sample; the input
        batch is counted too.  A lower bound: frameworks add workspace.
        """
        slots = OPTIMIZER_SLOTS.get(optimizer.lower(), 2)
        weights = self.total_params * BYTES_PER_VALUE
        state = self.trainable_params * BYTES_PER_VALUE * (1 + slots)
        inputs = sum(i.activation_bytes for i in self.layers.values() if i.type == "Input")
        return weights + state + (self.total_activation_bytes + inputs) * batch_size


def _rf_out(rf):
    if rf is None:
        return None, None
    r, j = rf
    return tuple(_num(v) for v in r), tuple(_num(v) for v in j)


def _num(v):
    """An int stays an int (float() of a huge one overflows); a whole float becomes one."""
    if isinstance(v, int):
        return v
    return int(v) if float(v).is_integer() else float(v)


def topological_order(spec: ModelSpec) -> tuple[list[str], list[Problem]]:
    """Layer names so that inputs come first; problems for duplicates, missing inputs, cycles."""
    problems: list[Problem] = []
    edges = spec.dependencies()
    known = set(spec.input_names())
    seen: set[str] = set()
    for layer in spec.layers:
        if layer.name in seen or layer.name == INPUT:
            problems.append(Problem(layer.name, f"the name '{layer.name}' is used more than once"))
        if "/" in layer.name or not layer.name:
            problems.append(Problem(layer.name, "a layer name must not be empty or contain '/' (Keras refuses it)"))
        if ref_name(layer.name) != layer.name:
            problems.append(Problem(layer.name, "a layer name must not end in ':' and digits (that reads an output by index)"))
        seen.add(layer.name)
    states = spec.state_edges()
    written = {l.name: spec.resolved_inputs(i) + list(l.initial_state or ()) for i, l in enumerate(spec.layers)}
    for name, ins in edges.items():
        for position, src in enumerate(ins):
            if src not in known and src not in edges:
                kind = "initial_state" if position >= len(ins) - len(states.get(name, [])) else "input"
                ref = written[name][position]  # as written: a dangling 'enc:1' is named with its index
                problems.append(Problem(name, f"{kind} '{ref}' does not exist" if ref == src else
                                        f"{kind} '{ref}' does not exist (no layer is named '{src}')"))
    pending = {n: [s for s in ins if s in edges] for n, ins in edges.items()}
    order: list[str] = []
    ready = [n for n in edges if not pending[n]]
    users: dict[str, list[str]] = {}
    for n, ins in pending.items():
        for s in ins:
            users.setdefault(s, []).append(n)
    placed = set()
    while ready:
        n = ready.pop(0)
        if n in placed:
            continue
        placed.add(n)
        order.append(n)
        for u in users.get(n, []):
            if all(s in placed for s in pending[u]) and u not in placed:
                ready.append(u)
    cyclic = _on_cycles({n: ins for n, ins in pending.items() if n not in placed})
    problems.extend(Problem(n, "is part of a cycle") for n in edges if n in cyclic)
    return order, problems


def _on_cycles(graph: dict[str, list[str]]) -> set[str]:
    """The nodes that lie on a cycle (not those merely downstream of one): Tarjan's strongly connected components."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    out: set[str] = set()
    for root in graph:
        if root in index:
            continue
        work = [(root, iter(graph[root]))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, successors = work[-1]
            for nxt in successors:
                if nxt not in graph:
                    continue
                if nxt not in index:
                    index[nxt] = low[nxt] = len(index)
                    stack.append(nxt)
                    on_stack.add(nxt)
                    work.append((nxt, iter(graph[nxt])))
                    break
                if nxt in on_stack:
                    low[node] = min(low[node], index[nxt])
            else:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[node])
                if low[node] == index[node]:
                    component = []
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        component.append(member)
                        if member == node:
                            break
                    if len(component) > 1 or node in graph[node]:
                        out.update(component)
    return out


class Inference:
    """Shapes and costs added one layer at a time, inputs before the layers that read them.

    `analyze` feeds it a whole spec; the Keras-config reader feeds it each
    layer as it converts it, so it never re-analyses the layers already read.
    """

    def __init__(self, spec: ModelSpec):
        self.result = Analysis(spec)
        shape = tuple(spec.input_shape)
        n_spatial = len(shape) - 1
        self.rfs: dict[str, object] = {INPUT: ((1,) * n_spatial, (1,) * n_spatial) if n_spatial >= 1 else None}
        self.result.layers[INPUT] = LayerInfo(INPUT, "Input", [], shape)
        _set_rf(self.result.layers[INPUT], self.rfs[INPUT])

    def shape_of(self, ref: str) -> tuple | str | None:
        """The shape a reference reads; a message when the layer has no such output; None if not inferred."""
        name, index = split_ref(ref)
        info = self.result.layers.get(name)
        if info is None:
            return None
        if index >= len(info.output_shapes):
            count = len(info.output_shapes)
            return f"'{ref}' reads output {index} of '{name}', which has {count} output{'s' if count > 1 else ''}"
        return info.output_shapes[index]

    def _shapes(self, name: str, refs: list[str]) -> list[tuple] | None:
        """Shapes of `refs`, or None after reporting a bad output index (or when an input is missing)."""
        shapes = [self.shape_of(ref) for ref in refs]
        for shape in shapes:
            if isinstance(shape, str):
                self.result.problems.append(Problem(name, shape))
                return None
        return None if any(shape is None for shape in shapes) else shapes

    def _check_states(self, name: str, kind, cfg: dict, in_shapes: list, refs: list[str]) -> bool:
        """initial_state: only for recurrent layers, as many states as the layer keeps, each of the state's shape."""
        if kind.state_shapes is None:
            self.result.problems.append(Problem(name, f"{kind.type} takes no initial_state"))
            return False
        try:
            want = kind.state_shapes(cfg, in_shapes)
        except ShapeError as exc:
            self.result.problems.append(Problem(name, str(exc)))
            return False
        if len(refs) != len(want):
            self.result.problems.append(
                Problem(name, f"initial_state needs {len(want)} state(s) of shape {want[0]}, got {len(refs)}")
            )
            return False
        got = self._shapes(name, refs)
        if got is None:
            return False
        for ref, shape, expected in zip(refs, got, want):
            if tuple(shape) != tuple(expected):
                self.result.problems.append(
                    Problem(name, f"initial_state '{ref}' has shape {shape}, the layer's state needs {expected}")
                )
                return False
        return True

    def add(self, layer: LayerSpec, ins: list[str]) -> None:
        """Infer `layer` reading the references `ins`; a problem naming it instead when it cannot be."""
        result, name = self.result, layer.name
        kind = get_kind(layer.type)
        if kind is None:
            result.problems.append(Problem(name, f"unknown layer type '{layer.type}'"))
            return
        try:
            cfg = kind.normalize_config(layer.config)
        except ValueError as exc:
            result.problems.append(Problem(name, str(exc)))
            return
        if not kind.min_inputs <= len(ins) <= kind.max_inputs:
            want = (
                f"{kind.min_inputs}" if kind.min_inputs == kind.max_inputs
                else f"{kind.min_inputs} to {kind.max_inputs}"
            )
            result.problems.append(Problem(name, f"{layer.type} takes {want} input(s), got {len(ins)}"))
            return
        in_shapes = self._shapes(name, ins)
        if in_shapes is None:
            return  # an upstream problem is already reported, or the bad index just now
        if kind.input_rank and any(len(s) not in kind.input_rank for s in in_shapes):
            ranks = " or ".join(str(r) for r in kind.input_rank)
            result.problems.append(
                Problem(name, f"{layer.type} expects a rank-{ranks} input (without batch), got {in_shapes[0]}")
            )
            return
        try:
            out = tuple(kind.shape(cfg, in_shapes))
            cost = kind.cost(cfg, in_shapes, out)
            extra = [tuple(s) for s in kind.extra_outputs(cfg, in_shapes, out)] if kind.extra_outputs else []
        except ShapeError as exc:
            result.problems.append(Problem(name, str(exc)))
            return
        if any(v is not None and v < 1 for v in out):
            result.problems.append(Problem(name, f"output shape {out} has an empty dimension"))
            return
        if layer.initial_state and not self._check_states(name, kind, cfg, in_shapes, layer.initial_state):
            return
        trainable, frozen = (cost.trainable, cost.non_trainable) if layer.trainable else (0, cost.trainable + cost.non_trainable)
        info = LayerInfo(
            name, layer.type, [ref_name(r) for r in ins], out, trainable, frozen, cost.macs,
            extra_shapes=extra,
        )
        rf = kind.rf(cfg, [self.rfs[ref_name(s)] for s in ins], in_shapes, out) if kind.rf else None
        self.rfs[name] = rf
        _set_rf(info, rf)
        result.layers[name] = info
        _stride_warning(result, name, kind.type, cfg, in_shapes)


def analyze(spec: ModelSpec) -> Analysis:
    """Validate the graph and derive every layer's numbers."""
    order, problems = topological_order(spec)
    if any(p.message.startswith("the name") for p in problems):
        result = Analysis(spec)
        result.problems.extend(problems)
        return result
    inference = Inference(spec)
    result = inference.result
    result.problems.extend(problems)
    refs = {layer.name: spec.resolved_inputs(i) for i, layer in enumerate(spec.layers)}
    index = {layer.name: layer for layer in spec.layers}
    for name in order:
        inference.add(index[name], refs[name])

    edges = spec.dependencies()
    for ref in spec.resolved_outputs():
        out_name = ref_name(ref)
        if out_name not in edges and out_name not in spec.input_names():
            result.problems.append(Problem(ref, "is listed as an output but no layer has that name"))
        elif isinstance(inference.shape_of(ref), str):
            result.problems.append(Problem("outputs", inference.shape_of(ref)))
    if spec.loss_weights is not None and len(spec.loss_weights) != len(spec.resolved_outputs()):
        result.problems.append(
            Problem("outputs", f"{len(spec.loss_weights)} loss weights for {len(spec.resolved_outputs())} outputs")
        )
    _unused_layers(result, edges)
    return result


def _unused_layers(result: Analysis, edges: dict[str, list[str]]) -> None:
    """Layers no output depends on: Keras leaves them out of the model, so the totals do too.

    An unused model input is an error: Keras would still expect data for it.
    """
    spec = result.spec
    used = set()
    stack = [ref_name(r) for r in spec.resolved_outputs() if ref_name(r) in edges or ref_name(r) in result.layers]
    while stack:
        name = stack.pop()
        if name not in used:
            used.add(name)
            stack.extend(edges.get(name, ()))
    for name in spec.input_names():
        if name not in used:
            result.problems.append(
                Problem(name, f"model input '{name}' feeds no output (Keras would still expect data for it): "
                              "connect or delete it")
            )
    for layer in spec.layers:
        if layer.name not in used and layer.type != "Input" and layer.name in result.layers:
            result.unused.add(layer.name)
            result.problems.append(
                Problem(layer.name, "feeds no output: Keras leaves it out of the model, so it is not counted", "warning")
            )


def _set_rf(info: LayerInfo, rf) -> None:
    info.receptive_field, info.jump = _rf_out(rf)


def _stride_warning(result: Analysis, name: str, type_: str, cfg: dict, in_shapes: list) -> None:
    """Keras floors (N − F)/S + 1 for a 'valid' window: one problem per layer naming the rows and columns it drops.

    It is a "note" when every axis' drop is only a rounding (`is_rounding`), as in the stems and
    projection shortcuts of published networks; otherwise a "warning".
    """
    if cfg.get("padding") != "valid" or "strides" not in cfg:
        return
    window = cfg.get("kernel_size") or cfg.get("pool_size")
    strides = cfg["strides"] or cfg.get("pool_size")
    dilation = cfg.get("dilation_rate") or (1,) * len(window)
    axes = ("row", "column") if len(window) == 2 else ("step",)
    shape = in_shapes[0][:len(window)]
    dropped = []  # (axis, n, effective window, stride, pixels dropped)
    for axis, n, k, s, d in zip(axes, shape, window, strides, dilation):
        lost = untiled(n, k, s, "valid", d)
        if lost:
            dropped.append((axis, n, d * (k - 1) + 1, s, lost))
    if not dropped:
        return
    formulas = list(dict.fromkeys(f"({n} − {k})/{s} + 1 = {(n - k) / s + 1:g}" for _, n, k, s, _ in dropped))
    lost = " and ".join(f"{d} {axis}{'s' * (d != 1)}" for axis, _, _, _, d in dropped)
    severity = "note" if all(is_rounding(d, k, s) for _, _, k, s, d in dropped) else "warning"
    message = (
        f"{type_} {_by(_effective(window, dilation))}/{_by(strides, short=True)} does not tile its {_by(shape)} input: "
        f"(N − F)/S + 1 = {'; '.join(formulas)} is not a whole number; Keras floors it and drops the last {lost}"
    )
    result.problems.append(Problem(name, message, severity))


def is_rounding(dropped: int, window: int, stride: int) -> bool:
    """Whether the `dropped` trailing pixels a 'valid' window of (effective) size `window` and `stride` leaves
    unused are only a rounding of the last row/column, not a loss worth a warning.

    Precisely: `dropped` ≤ max(⌊window/2⌋, stride − window).  The first term: the last window's far edge
    misses the border by at most its half-width, no more than 'same' padding would let it hang over that
    border.  The second: a stride longer than the window already skips stride − window pixels between every
    two windows, so dropping that many at the end loses nothing the layer would otherwise see.  ResNet's
    7×7/2 stem on 230 (drops 1), its 3×3/2 pooling on 114 (1) and its 1×1/2 shortcuts on 56 (1) are
    roundings; a 3×3/3 pooling of 8 pixels (drops 2 of 8) is not.
    """
    return dropped <= max(window // 2, stride - window)


def _effective(window, dilation) -> tuple:
    return tuple(d * (k - 1) + 1 for k, d in zip(window, dilation))


def _by(values, short: bool = False) -> str:
    """(7, 7) → '7×7'; with `short`, equal values once: strides (2, 2) → '2', as in '7×7/2'."""
    values = tuple(values)
    if short and len(set(values)) == 1:
        return str(values[0])
    return "×".join(str(v) for v in values)
