"""`workbench diff A B`: what changed between two architectures, layer by layer, and what it costs."""

from __future__ import annotations

import json
import os
import sys

from ..compare.diff import ADDED, CHANGED, REMOVED, SAME, SpecDiff, diff_specs
from ..keras_bridge.targets import open_model
from ..spec import Analysis, ModelSpec
from ..spec.units import human, plain, shape_text, signed

MARKS = {ADDED: "+", REMOVED: "-", CHANGED: "~", SAME: " "}
_ANSI = {ADDED: "\033[32m", REMOVED: "\033[31m", CHANGED: "\033[33m"}
_RESET = "\033[0m"


def add_parsers(sub) -> None:
    p = sub.add_parser(
        "diff",
        help="layers added, removed and changed between two architectures, with shape and parameter deltas",
    )
    p.add_argument("a", help="before: preset slug, preset .json, or .h5/.keras model file")
    p.add_argument("b", help="after: preset slug, preset .json, or .h5/.keras model file")
    p.add_argument("--all", action="store_true", help="list unchanged layers too")
    p.add_argument("--json", action="store_true", help="print machine-readable JSON")


def _side(label: str, spec: ModelSpec, a: Analysis) -> str:
    return (
        f"{label}: {plain(spec.name)}  input {shape_text(spec.input_shape)}  {len(spec.layers)} layers  "
        f"{a.total_params:,} params  {human(a.total_macs)} MACs"
    )


def _pair(old, new, fmt) -> str:
    if old is None and new is None:
        return ""
    if old is None or new is None or old == new:
        return fmt(new if old is None else old)
    return f"{fmt(old)} → {fmt(new)}"


def diff_table(d: SpecDiff, show_all: bool = False, colour: bool = False) -> str:
    """The side-by-side text: one line per added/removed/changed layer (or every layer)."""
    out = [_side("A", d.a, d.analysis_a), _side("B", d.b, d.analysis_b)]
    if tuple(d.a.input_shape) != tuple(d.b.input_shape):
        out.append(f"input shape: {shape_text(d.a.input_shape)} → {shape_text(d.b.input_shape)}")
    out.append(
        f"Δ params {signed(d.params_delta)}   Δ MACs {'+' if d.macs_delta > 0 else ''}{human(d.macs_delta)}   "
        f"{len(d.added)} added, {len(d.removed)} removed, {len(d.changed)} changed, {len(d.same)} same"
    )
    rows = [r for r in d.rows if show_all or r.affected]
    if not rows:
        out.append("no differences")
        return "\n".join(out)
    headers = ["", "A", "B", "type", "output shape", "params", "Δ params", "changes"]
    table = [
        [
            MARKS[r.status],
            plain(r.name_a or ""),
            plain(r.name_b or ""),
            _pair(r.type_a, r.type_b, str),
            _pair(r.shape_a, r.shape_b, shape_text),
            _pair(r.params_a, r.params_b, lambda n: f"{n:,}"),
            signed(r.params_delta),
            plain("; ".join(str(c) for c in r.changes)),
        ]
        for r in rows
    ]
    widths = [max(len(h), *(len(t[c]) for t in table)) for c, h in enumerate(headers)]

    def line(cells):
        text = "  ".join(c.rjust(w) if k == 6 else c.ljust(w) for k, (c, w) in enumerate(zip(cells, widths)))
        return text.rstrip()

    out += ["", line(headers)]
    for r, cells in zip(rows, table):
        text = line(cells)
        out.append(f"{_ANSI[r.status]}{text}{_RESET}" if colour and r.status in _ANSI else text)
    return "\n".join(out)


def _use_colour(stream) -> bool:
    return stream.isatty() and "NO_COLOR" not in os.environ


def run_diff(args) -> int:
    d = diff_specs(open_model(args.a), open_model(args.b))
    for label, target, analysis in (("A", args.a, d.analysis_a), ("B", args.b, d.analysis_b)):
        for problem in analysis.errors:
            print(plain(f"warning: {label} ({target}): layer {problem}"), file=sys.stderr)
    if args.json:
        json.dump(d.to_dict(), sys.stdout, indent=1)
        sys.stdout.write("\n")
    else:
        print(diff_table(d, args.all, _use_colour(sys.stdout)))
    return 0
