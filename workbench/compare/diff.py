"""Architecture diff: which layers two specs share, add, remove or change, and what it costs.

Two specs are aligned in two passes.  Layers with the same name are matched
first, keeping only the largest set of name matches that appear in the same
order in both graphs (a longest increasing subsequence), so a layer moved to
another place is not mistaken for an unchanged one.  The layers left between
two such anchors are then aligned by type along the topological order
(a weighted longest common subsequence; an identical configuration weighs
more), which finds renamed layers.  Everything else is added or removed.

Pure Python over `workbench.spec`: the editor, the CLI and the tests diff
instantly, without Keras.
"""

from __future__ import annotations

import bisect
import heapq
from dataclasses import dataclass, field
from typing import Any

from ..spec import INPUT, Analysis, ModelSpec, analyze, get_kind
from ..spec.graph import split_ref

ADDED, REMOVED, CHANGED, SAME = "added", "removed", "changed", "same"

# Pair scores for the alignment of unmatched layers: a same-type pair always
# beats leaving both unmatched, an identical configuration beats a mere type match.
_SAME_TYPE, _SAME_CONFIG, _SAME_SHAPE = 4, 2, 1


@dataclass(frozen=True)
class ConfigChange:
    """One changed setting of a matched layer: a config key, or `name`, `type`, `inputs`."""

    key: str
    old: Any
    new: Any

    def __str__(self) -> str:
        return f"{self.key}: {_text(self.old)} → {_text(self.new)}"


@dataclass
class LayerDiff:
    """One row of the side-by-side view: a layer of A, of B, or a matched pair."""

    status: str
    name_a: str | None = None
    name_b: str | None = None
    type_a: str | None = None
    type_b: str | None = None
    changes: list[ConfigChange] = field(default_factory=list)
    shape_a: tuple | None = None
    shape_b: tuple | None = None
    params_a: int | None = None
    params_b: int | None = None
    macs_a: int | None = None
    macs_b: int | None = None

    @property
    def renamed(self) -> bool:
        return self.name_a is not None and self.name_b is not None and self.name_a != self.name_b

    @property
    def params_delta(self) -> int:
        return (self.params_b or 0) - (self.params_a or 0)

    @property
    def macs_delta(self) -> int:
        return (self.macs_b or 0) - (self.macs_a or 0)

    @property
    def shape_changed(self) -> bool:
        return self.status in (SAME, CHANGED) and self.shape_a != self.shape_b

    @property
    def affected(self) -> bool:
        """True when anything about the row differs: its definition or its numbers."""
        return self.status != SAME or self.shape_changed or self.params_delta != 0 or self.macs_delta != 0

    def to_dict(self) -> dict[str, Any]:
        return {
            "status": self.status,
            "a": self.name_a,
            "b": self.name_b,
            "type_a": self.type_a,
            "type_b": self.type_b,
            "changes": [{"key": c.key, "old": _jsonable(c.old), "new": _jsonable(c.new)} for c in self.changes],
            "shape_a": _jsonable(self.shape_a),
            "shape_b": _jsonable(self.shape_b),
            "params_a": self.params_a,
            "params_b": self.params_b,
            "params_delta": self.params_delta,
            "macs_a": self.macs_a,
            "macs_b": self.macs_b,
            "macs_delta": self.macs_delta,
        }


@dataclass
class SpecDiff:
    """The whole comparison of spec A (before) and spec B (after)."""

    a: ModelSpec
    b: ModelSpec
    analysis_a: Analysis
    analysis_b: Analysis
    rows: list[LayerDiff]

    def _with(self, status: str) -> list[LayerDiff]:
        return [r for r in self.rows if r.status == status]

    @property
    def added(self) -> list[LayerDiff]:
        return self._with(ADDED)

    @property
    def removed(self) -> list[LayerDiff]:
        return self._with(REMOVED)

    @property
    def changed(self) -> list[LayerDiff]:
        return self._with(CHANGED)

    @property
    def same(self) -> list[LayerDiff]:
        return self._with(SAME)

    @property
    def params_delta(self) -> int:
        return self.analysis_b.total_params - self.analysis_a.total_params

    @property
    def macs_delta(self) -> int:
        return self.analysis_b.total_macs - self.analysis_a.total_macs

    @property
    def identical(self) -> bool:
        return tuple(self.a.input_shape) == tuple(self.b.input_shape) and not any(r.affected for r in self.rows)

    def row_for(self, name: str) -> LayerDiff:
        """The row holding layer `name` of A or of B (B's name wins when both exist)."""
        for r in self.rows:
            if r.name_b == name:
                return r
        for r in self.rows:
            if r.name_a == name:
                return r
        raise KeyError(name)

    def to_dict(self) -> dict[str, Any]:
        """The `workbench diff --json` document; its keys are a documented contract."""

        def side(spec: ModelSpec, a: Analysis) -> dict[str, Any]:
            return {
                "name": spec.name,
                "input_shape": _jsonable(tuple(spec.input_shape)),
                "layers": len(spec.layers),
                "total_params": a.total_params,
                "total_macs": a.total_macs,
                "errors": [str(p) for p in a.errors],
            }

        return {
            "a": side(self.a, self.analysis_a),
            "b": side(self.b, self.analysis_b),
            "params_delta": self.params_delta,
            "macs_delta": self.macs_delta,
            "counts": {s: len(self._with(s)) for s in (ADDED, REMOVED, CHANGED, SAME)},
            "layers": [r.to_dict() for r in self.rows],
        }


def diff_specs(a: ModelSpec, b: ModelSpec) -> SpecDiff:
    """Align A and B and describe every layer; never raises for a broken graph."""
    analysis_a, analysis_b = analyze(a), analyze(b)
    order_a, order_b = stable_topological_order(a), stable_topological_order(b)
    pairs = _align(order_a, order_b, _signatures(a, analysis_a), _signatures(b, analysis_b))
    match_ab = dict(pairs)
    match_ba = {nb: na for na, nb in pairs}
    edges_a, edges_b = a.edges(), b.edges()
    layers_a = {l.name: l for l in a.layers}
    layers_b = {l.name: l for l in b.layers}

    def anchored(name: str, edges: dict, matched: dict) -> str:
        """Follow an unmatched (added/removed) input back to the layer it stands in for."""
        seen = set()
        while name not in matched and name not in seen and edges.get(name):
            seen.add(name)
            name = edges[name][0]
        return name

    refs_a = {"inputs": _input_refs(a), "initial_state": {l.name: l.initial_state or [] for l in a.layers}}
    refs_b = {"inputs": _input_refs(b), "initial_state": {l.name: l.initial_state or [] for l in b.layers}}

    def edges_change(key: str, na: str, nb: str) -> ConfigChange | None:
        """Both kinds of edge are topology: data inputs and initial states, each output index counted."""
        old, new = refs_a[key].get(na, []), refs_b[key].get(nb, [])
        ins_a = [(match_ab.get(anchored(n, edges_a, match_ab), n), i) for n, i in map(split_ref, old)]
        ins_b = [(anchored(n, edges_b, match_ba), i) for n, i in map(split_ref, new)]
        return None if ins_a == ins_b else ConfigChange(key, list(old), list(new))

    rows_b: dict[str, LayerDiff] = {}
    for nb in order_b:
        la = layers_a.get(match_ba[nb]) if nb in match_ba else None
        row = _row(la, layers_b[nb], analysis_a, analysis_b)
        if la is not None:
            for key in ("inputs", "initial_state"):
                change = edges_change(key, la.name, nb)
                if change is not None:
                    row.changes.append(change)
            row.status = CHANGED if row.changes else SAME
        rows_b[nb] = row

    # Removed layers go right after the row of the last matched layer before them in A.
    after: dict[str | None, list[LayerDiff]] = {}
    anchor: str | None = None
    for na in order_a:
        if na in match_ab:
            anchor = match_ab[na]
        else:
            after.setdefault(anchor, []).append(_row(layers_a[na], None, analysis_a, analysis_b))
    rows = list(after.get(None, []))
    for nb in order_b:
        rows.append(rows_b[nb])
        rows.extend(after.get(nb, []))
    return SpecDiff(a, b, analysis_a, analysis_b, rows)


def stable_topological_order(spec: ModelSpec) -> list[str]:
    """Layer names, inputs before users, otherwise in file order.

    Choosing the earliest ready layer by file position keeps the order of the
    layers two versions share unchanged when a layer is inserted elsewhere, so
    both versions line up.  Layers on a cycle or behind a missing input come
    last, in file order, so the diff still lists them.
    """
    edges = spec.dependencies()
    position = {name: i for i, name in enumerate(edges)}
    waiting = {n: {s for s in ins if s in edges and s != n} for n, ins in edges.items()}
    users: dict[str, list[str]] = {}
    for n, ins in waiting.items():
        for s in ins:
            users.setdefault(s, []).append(n)
    ready = [position[n] for n, ins in waiting.items() if not ins]
    heapq.heapify(ready)
    names = list(edges)
    order: list[str] = []
    placed: set[str] = set()
    while ready:
        n = names[heapq.heappop(ready)]
        if n in placed:
            continue
        placed.add(n)
        order.append(n)
        for u in users.get(n, []):
            waiting[u].discard(n)
            if not waiting[u] and u not in placed:
                heapq.heappush(ready, position[u])
    return order + [n for n in names if n not in placed]


def _input_refs(spec: ModelSpec) -> dict[str, list[str]]:
    """Layer name -> its input references ('enc:1'), the previous-layer default applied."""
    return {l.name: spec.resolved_inputs(i) for i, l in enumerate(spec.layers)}


def _align(order_a: list[str], order_b: list[str], info_a: dict, info_b: dict) -> list[tuple[str, str]]:
    """Matched (name in A, name in B) pairs, in order."""
    anchors = _name_anchors(order_a, order_b)
    pairs: list[tuple[str, str]] = []
    ia = ib = 0
    for ja, jb in anchors + [(len(order_a), len(order_b))]:
        pairs += _align_gap(order_a[ia:ja], order_b[ib:jb], info_a, info_b)
        if ja < len(order_a):
            pairs.append((order_a[ja], order_b[jb]))
        ia, ib = ja + 1, jb + 1
    return pairs


def _name_anchors(order_a: list[str], order_b: list[str]) -> list[tuple[int, int]]:
    """Index pairs of the largest set of shared names that keep their order in both."""
    where_b = {n: j for j, n in enumerate(order_b)}
    seq = [(i, where_b[n]) for i, n in enumerate(order_a) if n in where_b]
    # Longest increasing subsequence of B positions (patience sorting, O(n log n)).
    tails: list[int] = []
    tail_at: list[int] = []
    parent = [-1] * len(seq)
    for k, (_, jb) in enumerate(seq):
        pos = bisect.bisect_left(tails, jb)
        if pos == len(tails):
            tails.append(jb)
            tail_at.append(k)
        else:
            tails[pos] = jb
            tail_at[pos] = k
        parent[k] = tail_at[pos - 1] if pos else -1
    out = []
    k = tail_at[-1] if tail_at else -1
    while k >= 0:
        out.append(seq[k])
        k = parent[k]
    return out[::-1]


def _signatures(spec: ModelSpec, analysis: Analysis) -> dict[str, tuple[str, Any, tuple | None]]:
    """Name -> (type, canonical config, output shape): what the gap alignment compares."""
    out = {}
    for layer in spec.layers:
        info = analysis.layers.get(layer.name)
        out[layer.name] = (layer.type, _canonical(layer.type, layer.config), info.output_shape if info else None)
    return out


def _align_gap(gap_a: list[str], gap_b: list[str], info_a: dict, info_b: dict) -> list[tuple[str, str]]:
    """Weighted LCS of two runs of unmatched layers; only same-type layers pair up."""
    if not gap_a or not gap_b:
        return []
    n, m = len(gap_a), len(gap_b)

    def score(na: str, nb: str) -> int:
        ta, ca, sa = info_a[na]
        tb, cb, sb = info_b[nb]
        if ta != tb:
            return 0
        return _SAME_TYPE + (_SAME_CONFIG if ca == cb else 0) + (_SAME_SHAPE if sa == sb else 0)

    best = [[0] * (m + 1) for _ in range(n + 1)]
    for i in range(n - 1, -1, -1):
        for j in range(m - 1, -1, -1):
            s = score(gap_a[i], gap_b[j])
            best[i][j] = max(best[i + 1][j], best[i][j + 1], best[i + 1][j + 1] + s if s else 0)
    pairs = []
    i = j = 0
    while i < n and j < m:
        s = score(gap_a[i], gap_b[j])
        if s and best[i][j] == best[i + 1][j + 1] + s:
            pairs.append((gap_a[i], gap_b[j]))
            i, j = i + 1, j + 1
        elif best[i][j] == best[i + 1][j]:
            i += 1
        else:
            j += 1
    return pairs


def _canonical(type_: str, config: dict) -> Any:
    """The config with Keras defaults filled in, so `5` equals `[5, 5]` and omitted equals default.

    Pooling's `strides=None` means "the pool size" in Keras, so it is spelled out.
    """
    kind = get_kind(type_)
    if kind is None:
        return dict(config)
    try:
        out = kind.normalize_config(config)
    except ValueError:
        return dict(config)
    if "pool_size" in out and "strides" in out and out["strides"] is None:
        out["strides"] = out["pool_size"]
    return out


def _config_changes(la, lb) -> list[ConfigChange]:
    changes = []
    if la.name != lb.name:
        changes.append(ConfigChange("name", la.name, lb.name))
    if la.type != lb.type:
        changes.append(ConfigChange("type", la.type, lb.type))
    ca, cb = _canonical(la.type, la.config), _canonical(lb.type, lb.config)
    kind = get_kind(lb.type) if la.type == lb.type else None
    params = kind.param_map if kind is not None else {}
    for key in list(ca) + [k for k in cb if k not in ca]:
        old, new = ca.get(key), cb.get(key)
        if old != new:
            if key in params:
                old, new = params[key].compact(old), params[key].compact(new)
            changes.append(ConfigChange(key, old, new))
    return changes


def _row(la, lb, analysis_a: Analysis, analysis_b: Analysis) -> LayerDiff:
    row = LayerDiff(ADDED if la is None else REMOVED if lb is None else SAME)
    if la is not None:
        row.name_a, row.type_a = la.name, la.type
        _fill(row, "a", analysis_a.layers.get(la.name))
    if lb is not None:
        row.name_b, row.type_b = lb.name, lb.type
        _fill(row, "b", analysis_b.layers.get(lb.name))
    if la is not None and lb is not None:
        row.changes = _config_changes(la, lb)
    return row


def _fill(row: LayerDiff, side: str, info) -> None:
    if info is None or info.name == INPUT:
        return
    setattr(row, f"shape_{side}", tuple(info.output_shape))
    setattr(row, f"params_{side}", info.params)
    setattr(row, f"macs_{side}", info.macs)


def _jsonable(value: Any) -> Any:
    if isinstance(value, tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, list):
        return [_jsonable(v) for v in value]
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    return value


def _text(value: Any) -> str:
    if value is None:
        return "none"
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_text(v) for v in value) + "]"
    return str(value)
