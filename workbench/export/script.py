"""A spec as a readable, standalone Keras script (functional API).

The script depends only on `keras`; if the model uses the workbench's own
LocalResponseNormalization layer, that layer's source is written into the
script, so it runs anywhere Keras runs.  Writing it imports no Keras.

Names, the description and every string value come from files the user
opened: they reach the script only as `repr()` literals, identifiers made of
[A-Za-z0-9_], or escaped docstring text, so no file content can end a string
early and become code.
"""

from __future__ import annotations

import ast
import keyword
import re
import textwrap
from pathlib import Path

from ..errors import WorkbenchError
from ..spec import INPUT, ModelSpec, analyze, get_kind
from ..spec.graph import split_ref
from ..spec.units import human

_WRAPPERS = {"Bidirectional", "TimeDistributed"}
_CALL_AS_ARGS = {"MultiHeadAttention"}  # mha(query, value[, key])
_CUSTOM = {"LocalResponseNormalization"}


def _tuples(value):
    """Lists -> tuples so the script reads like hand-written Keras."""
    if isinstance(value, (list, tuple)):
        return tuple(_tuples(v) for v in value)
    return value


def _args(type_: str, config: dict) -> list[str]:
    kind = get_kind(type_)
    if kind is None:
        raise WorkbenchError(f"cannot export layer type {type_!r}: it is not in the layer catalogue")
    compact = kind.compact_config(kind.normalize_config(config))
    out = []
    for key, value in compact.items():
        if kind.param_map[key].call:
            continue  # an argument of the call, written there
        if kind.param_map[key].kind == "layer":
            out.append(f"{key}={_constructor(value['type'], value.get('config', {}))}")
        else:
            out.append(f"{key}={_tuples(value)!r}")
    return out


def _constructor(type_: str, config: dict, name: str | None = None) -> str:
    prefix = "" if type_ in _CUSTOM else "layers."
    args = _args(type_, config)
    if type_ in _WRAPPERS:  # the wrapped layer is positional in Keras
        inner = args.pop(0).split("=", 1)[1]
        args.insert(0, inner)
    if name is not None:
        args.append(f"name={name!r}")
    return f"{prefix}{type_}({', '.join(args)})"


class _Names:
    """Python identifiers for layer names, unique and not keywords."""

    def __init__(self):
        self.taken: dict[str, str] = {}

    def __call__(self, layer_name: str) -> str:
        if layer_name in self.taken:
            return self.taken[layer_name]
        ident = "inputs" if layer_name == INPUT else re.sub(r"[^A-Za-z0-9_]", "_", layer_name)
        if not ident or ident[0].isdigit() or keyword.iskeyword(ident) or ident in {"keras", "layers", "model"}:
            ident = f"x_{ident}"
        base, n = ident, 2
        while ident in self.taken.values():
            ident, n = f"{base}_{n}", n + 1
        self.taken[layer_name] = ident
        return ident


def _custom_layer_source(types: set[str]) -> str:
    """The workbench layers' class source, read from their module's file (importing it would import Keras)."""
    used = sorted(types & _CUSTOM)
    if not used:
        return ""
    source = (Path(__file__).resolve().parents[1] / "keras_bridge" / "layers.py").read_text(encoding="utf-8")
    classes = {node.name: node for node in ast.parse(source).body if isinstance(node, ast.ClassDef)}
    lines = source.splitlines()
    # from the `class` line on: the registration decorator above it needs the workbench, the script does not
    parts = ["\n".join(lines[classes[name].lineno - 1:classes[name].end_lineno]) for name in used]
    return "\n\n" + "\n\n\n".join(parts) + "\n"


def docstring_text(text: str, keep_newlines: bool = False) -> str:
    """`text` for the inside of a triple-quoted docstring: it cannot end the docstring or escape its end.

    Backslashes are doubled, a quote is escaped where it could begin or end a
    run of three (before another quote, or last), control characters become escapes.
    """
    out = []
    for i, ch in enumerate(text):
        if ch == "\n" and keep_newlines:
            out.append(ch)
        elif ch == "\\" or ch == '"' and text[i + 1:i + 2] in ('"', ""):
            out.append("\\" + ch)
        elif not ch.isprintable():
            out.append(ch.encode("unicode_escape").decode("ascii"))
        else:
            out.append(ch)
    return "".join(out)


def to_script(spec: ModelSpec) -> str:
    """Python source that rebuilds `spec` with `build_model()`."""
    analysis = analyze(spec)
    if analysis.errors:
        raise WorkbenchError([f"{spec.name}: cannot export: layer {p}" for p in analysis.errors])
    names = _Names()
    several = {name for name, info in analysis.layers.items() if len(info.output_shapes) > 1}

    def tensor(ref: str) -> str:
        """A layer with several outputs returns a list: its outputs are read by index."""
        name, index = split_ref(ref)
        return f"{names(name)}[{index}]" if name in several else names(name)

    types = {l.type for l in spec.layers}
    dtype = "" if spec.input_dtype == "float32" else f", dtype={spec.input_dtype!r}"
    body = [f"    {names(INPUT)} = keras.Input(shape={_tuples(list(spec.input_shape))!r}{dtype}, name='input')"]
    model_inputs = [names(INPUT)]
    for position, layer in enumerate(spec.layers):
        var = names(layer.name)
        if layer.type == "Input":
            cfg = get_kind("Input").normalize_config(layer.config)
            dtype = "" if cfg["dtype"] == "float32" else f", dtype={cfg['dtype']!r}"
            body.append(f"    {var} = keras.Input(shape={cfg['shape']!r}{dtype}, name={layer.name!r})")
            model_inputs.append(var)
            continue
        srcs = [tensor(r) for r in spec.resolved_inputs(position)]
        if layer.type in _CALL_AS_ARGS:
            call = ", ".join(srcs)
        elif get_kind(layer.type).max_inputs > 1:
            call = f"[{', '.join(srcs)}]"
        else:
            call = srcs[0]
        kind = get_kind(layer.type)
        normalized = kind.normalize_config(layer.config)
        call += "".join(f", {p.name}={normalized[p.name]!r}" for p in kind.params if p.call and normalized[p.name] != p.default)
        if layer.initial_state:
            call += f", initial_state=[{', '.join(tensor(r) for r in layer.initial_state)}]"
        body.append(f"    {var} = {_constructor(layer.type, layer.config, layer.name)}({call})")
    outputs = [tensor(r) for r in spec.resolved_outputs()]
    out_expr = outputs[0] if len(outputs) == 1 else f"[{', '.join(outputs)}]"
    in_expr = model_inputs[0] if len(model_inputs) == 1 else f"[{', '.join(model_inputs)}]"
    body.append(f"    return keras.Model({in_expr}, {out_expr}, name={spec.keras_name!r})")
    description = docstring_text(textwrap.fill(spec.description, 88), keep_newlines=True)
    header = (
        f'"""{docstring_text(spec.name)}: {human(analysis.total_params)} parameters, '
        f"{human(analysis.total_macs)} multiply-adds.\n\n"
        f"{description}\n\n"
        f"Rebuilds the model with the Keras functional API. Run it to print the summary.\n"
        '"""\n\nimport keras\nfrom keras import layers\n'
    )
    main = '\n\nif __name__ == "__main__":\n    build_model().summary()\n'
    return header + _custom_layer_source(types) + "\n\ndef build_model():\n" + "\n".join(body) + "\n" + main
