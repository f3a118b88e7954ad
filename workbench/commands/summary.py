"""`workbench presets` and `workbench summary`: the spec's numbers, without TensorFlow."""

from __future__ import annotations

import json
import sys

from ..errors import WorkbenchError
from ..keras_bridge.targets import open_model
from ..spec import Analysis, analyze, load_preset, preset_paths
from ..spec.units import field_text, human, human_bytes, plain, shape_text
from .targets import apply_overrides


def _rf_json(values):
    if values is None:
        return None
    values = list(values)
    return values[0] if len(set(values)) == 1 else values


def summary_dict(a: Analysis, batch_size: int, optimizer: str = "adam") -> dict:
    """The `--json` document; its keys are a documented contract."""
    layers = [info for info in a.layers.values() if info.name != "input"]
    return {
        "name": a.spec.name,
        "input_shape": list(a.spec.input_shape),
        "total_params": a.total_params,
        "trainable_params": a.trainable_params,
        "non_trainable_params": a.non_trainable_params,
        "total_macs": a.total_macs,
        "total_activation_bytes": a.total_activation_bytes,
        "training_memory_bytes": a.training_memory(batch_size, optimizer),
        "warnings": [str(p) for p in a.warnings + a.notes],  # notes too: what Keras does silently
        "layers": [
            {
                "name": i.name,
                "type": i.type,
                "inputs": i.inputs,
                "output_shape": list(i.output_shape),
                "params": i.params,
                "trainable_params": i.trainable_params,
                "macs": i.macs,
                "activation_bytes": i.activation_bytes,
                "receptive_field": _rf_json(i.receptive_field),
                "jump": _rf_json(i.jump),
            }
            for i in layers
        ],
    }


def summary_table(a: Analysis, batch_size: int, optimizer: str = "adam") -> str:
    """A Keras-style summary with MACs, memory and receptive field columns."""
    branched = any(len(i.inputs) > 1 for i in a.layers.values())
    headers = ["Layer (type)", "Output Shape", "Param #", "MACs", "Memory", "RF", "Jump"]
    if branched:
        headers.append("Connected to")
    rows = []
    for i in a.layers.values():
        row = [
            plain(f"{i.name} ({i.type})"),
            shape_text(i.output_shape),
            f"{i.params:,}",
            human(i.macs) if i.macs else "0",
            human_bytes(i.activation_bytes),
            field_text(i.receptive_field),
            field_text(i.jump),
        ]
        if branched:
            row.append(plain(", ".join(i.inputs)))
        rows.append(row)
    widths = [max(len(h), *(len(r[c]) for r in rows)) for c, h in enumerate(headers)]
    right = {2, 3, 4, 5, 6}

    def line(cells):
        return "  ".join(c.rjust(w) if k in right else c.ljust(w) for k, (c, w) in enumerate(zip(cells, widths)))

    rule = "━" * len(line(headers))
    out = [f'Model: "{plain(a.spec.name)}"   input {shape_text(a.spec.input_shape)}', rule, line(headers), rule]
    out += [line(r) for r in rows]
    out.append(rule)
    out += [
        f" Total params: {a.total_params:,} ({human_bytes(a.total_params * 4)})",
        f" Trainable params: {a.trainable_params:,}",
        f" Non-trainable params: {a.non_trainable_params:,}",
        f" Multiply-adds: {human(a.total_macs)} ({a.total_macs:,})",
        f" Activation memory per sample: {human_bytes(a.total_activation_bytes)}",
        f" Training memory (batch {batch_size}, {optimizer}): {human_bytes(a.training_memory(batch_size, optimizer))}",
    ]
    out += [f" warning: {plain(p)}" for p in a.warnings] + [f" note: {plain(p)}" for p in a.notes]
    return "\n".join(out)


def run_summary(args) -> int:
    spec = apply_overrides(open_model(args.target), args.input_shape, args.classes)
    if args.batch_size < 1:
        raise WorkbenchError(f"--batch-size must be positive, got {args.batch_size}")
    analysis = analyze(spec)
    if analysis.errors:
        raise WorkbenchError([f"{args.target}: layer {p}" for p in analysis.errors])
    if args.json:
        json.dump(summary_dict(analysis, args.batch_size, args.optimizer), sys.stdout, indent=1)
        sys.stdout.write("\n")
    else:
        print(summary_table(analysis, args.batch_size, args.optimizer))
    return 0


def preset_rows() -> list[dict]:
    rows = []
    for slug, path in preset_paths().items():
        spec = load_preset(path)
        a = analyze(spec)
        rows.append(
            {
                "slug": slug,
                "name": spec.name,
                "family": spec.family,
                "task": spec.task,
                "input_shape": list(spec.input_shape),
                "params": a.total_params,
                "macs": a.total_macs,
                "errors": [str(p) for p in a.errors],
            }
        )
    return rows


def network_preset_rows() -> list[dict]:
    """One row per multi-network preset: totals over its networks, each network's parameters under "networks".

    The input shown is the data's: the discriminator's input for a GAN.
    """
    from ..spec.networks_io import load_networks, network_preset_paths

    rows = []
    for slug, path in network_preset_paths().items():
        networks = load_networks(path)
        analyses = {name: analyze(spec) for name, spec in networks.networks.items()}
        data_input = networks.networks.get("discriminator", next(iter(networks.networks.values()))).input_shape
        rows.append(
            {
                "slug": slug,
                "name": networks.name,
                "family": networks.family,
                "task": networks.task,
                "input_shape": list(data_input),
                "params": sum(a.total_params for a in analyses.values()),
                "macs": sum(a.total_macs for a in analyses.values()),
                "errors": [f"{name}: {p}" for name, a in analyses.items() for p in a.errors],
                "networks": {name: a.total_params for name, a in analyses.items()},
            }
        )
    return rows


def run_presets(args) -> int:
    rows = preset_rows() + network_preset_rows()
    if args.json:
        json.dump(rows, sys.stdout, indent=1)
        sys.stdout.write("\n")
        return 0
    width = {key: max([len(key)] + [len(plain(r[key])) for r in rows]) + 2 for key in ("slug", "name", "family", "task")}
    print(f"{'slug':<{width['slug']}}{'name':<{width['name']}}{'family':<{width['family']}}{'task':<{width['task']}}"
          f"{'input':>13}{'params':>14}{'MACs':>9}")
    for r in rows:
        print(
            f"{plain(r['slug']):<{width['slug']}}{plain(r['name']):<{width['name']}}"
            f"{plain(r['family']):<{width['family']}}{plain(r['task']):<{width['task']}}"
            f"{shape_text(r['input_shape']):>13}{r['params']:>14,}{human(r['macs']):>9}"
        )
    return 0
