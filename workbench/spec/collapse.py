"""Repeated blocks (a ResNet block, a dense block, an Inception module) found from layer names.

Presets name their layers the way keras.applications does:
`conv3_block2_1_conv`, `conv3_block2_add`, `inception_4a_5x5`, `pool2_conv`.
Every name prefix that ends in a numbered token (`conv3`, `conv3_block2`,
`inception_4a`) is a candidate group; it becomes a `Block` when it holds at
least two layers, only one of them (the exit) feeds anything outside (or,
for a branch that feeds nothing yet, such as a block just dropped beside the
chain, only one of them feeds nothing), and collapsing it cannot create a
cycle.  Blocks nest: a stage (`conv3`) holds its blocks.  Pure Python, no
Qt: `collapsed_graph` gives the graph with chosen blocks as single nodes,
which the canvas draws and a script can print.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass
from functools import lru_cache

from .graph import INPUT, ModelSpec

#: node ids of collapsed blocks start with this (a layer name cannot: ':' is not allowed in one)
BLOCK_PREFIX = "block:"
#: a numbered token such as conv3, block12, 4a, aux1 (plain numbers are sub-layer indices)
_NUMBERED = re.compile(r"^(?=.*\d)(?!\d+$)[A-Za-z0-9]+$")


@dataclass(frozen=True)
class Block:
    key: str  # the shared name prefix, e.g. "conv3_block2"
    members: tuple[str, ...]  # in spec order
    exit: str  # the member whose output leaves the block
    parent: str | None  # the enclosing block's key
    children: tuple[str, ...]  # keys of the blocks directly inside

    @property
    def is_stage(self) -> bool:
        return bool(self.children)


@lru_cache(maxsize=8192)
def _prefixes(name: str) -> tuple[str, ...]:
    """Candidate group keys of a layer name, outermost first (cached: asked on every change)."""
    tokens = name.split("_")
    return tuple("_".join(tokens[:i]) for i in range(1, len(tokens)) if _NUMBERED.match(tokens[i - 1]))


def find_blocks(spec: ModelSpec) -> dict[str, Block]:
    """All collapsible groups of `spec`, keyed by prefix, outer blocks before inner ones.

    A graph with a cycle has none (its problems come first).
    """
    consumers = spec.consumers()
    outputs = set(spec.resolved_outputs())
    topo = _topological_index(spec, consumers)
    if topo is None:
        return {}
    order = {name: i for i, name in enumerate(spec.names())}
    groups: dict[str, list[str]] = {}
    for name in spec.names():
        for prefix in _prefixes(name):
            groups.setdefault(prefix, []).append(name)
    valid: dict[str, tuple[tuple[str, ...], str]] = {}
    for key, members in groups.items():
        if len(members) < 2:
            continue
        inside = set(members)
        exits = [m for m in members if m in outputs or any(c not in inside for c in consumers.get(m, ()))]
        if not exits:
            exits = [m for m in members if not consumers.get(m)]
        if len(exits) == 1 and _convex(inside, exits[0], consumers, topo):
            valid[key] = (tuple(members), exits[0])
    parents = {key: next((p for p in reversed(_prefixes(key)) if p in valid), None) for key in valid}
    children: dict[str, list[str]] = {key: [] for key in valid}
    for key, parent in parents.items():
        if parent is not None:
            children[parent].append(key)
    ranked = sorted(valid.items(), key=lambda kv: (kv[0].count("_"), order[kv[1][0][0]]))
    return {key: Block(key, members, exit_, parents[key], tuple(children[key])) for key, (members, exit_) in ranked}


def _topological_index(spec: ModelSpec, consumers: dict[str, list[str]]) -> dict[str, int] | None:
    """Kahn's order of every node (model inputs included), or None for a cyclic graph."""
    edges = spec.edges()
    known = set(consumers)
    pending = {name: sum(1 for s in ins if s in known) for name, ins in edges.items()}
    ready = [n for n in spec.input_names() if n not in edges] + [n for n, k in pending.items() if k == 0]
    index: dict[str, int] = {}
    while ready:
        name = ready.pop()
        if name in index:
            continue
        index[name] = len(index)
        for nxt in consumers.get(name, ()):
            pending[nxt] -= 1
            if pending[nxt] == 0:
                ready.append(nxt)
    return index if len(index) == len(known) else None


def _convex(inside: set[str], exit_: str, consumers: dict[str, list[str]], topo: dict[str, int]) -> bool:
    """No path leaves the group and comes back into it (contracting it keeps the graph acyclic).

    Only the exit feeds the outside, so it suffices to follow its descendants;
    those placed after the group's last member in topological order cannot
    lead back into it.
    """
    limit = max(topo[m] for m in inside)
    stack = [c for c in consumers.get(exit_, ()) if c not in inside]
    seen: set[str] = set()
    while stack:
        name = stack.pop()
        if name in inside:
            return False
        if name in seen or topo[name] > limit:
            continue
        seen.add(name)
        stack.extend(consumers.get(name, ()))
    return True


def innermost(blocks: dict[str, Block]) -> list[str]:
    """Blocks that contain no other block: ResNet blocks, dense layers, Inception modules."""
    return [key for key, b in blocks.items() if not b.children]


def stages(blocks: dict[str, Block]) -> list[str]:
    """Outermost blocks that group other blocks: ResNet stages, dense blocks."""
    return [key for key, b in blocks.items() if b.children and b.parent is None]


def enclosing(blocks: dict[str, Block], layer: str) -> list[str]:
    """Keys of the blocks that contain `layer`, innermost first."""
    return [p for p in reversed(_prefixes(layer)) if p in blocks]


def representatives(blocks: dict[str, Block], collapsed: set[str], names: list[str]) -> dict[str, str | None]:
    """Layer -> key of the outermost collapsed block hiding it (None when visible)."""
    out: dict[str, str | None] = {}
    for name in names:
        out[name] = next((p for p in _prefixes(name) if p in collapsed and p in blocks), None)
    return out



@dataclass(frozen=True)
class CollapsedGraph:
    """The model's graph with some blocks shown as one node each.

    `nodes` maps a node id (a layer name, `INPUT`, or `BLOCK_PREFIX` + block
    key) to the layers it shows, in spec order; `node_of` maps every layer to
    its node; `edges` maps (source node, destination node) to the layer
    connections (source layer, destination layer) it stands for.
    """

    nodes: dict[str, list[str]]
    node_of: dict[str, str]
    edges: dict[tuple[str, str], list[tuple[str, str]]]
    hidden_by: dict[str, str | None]


def collapsed_graph(spec: ModelSpec, blocks: dict[str, Block], collapsed: set[str]) -> CollapsedGraph:
    """The graph of `spec` with the blocks `collapsed` (keys of `blocks`) each drawn as one node."""
    names = [INPUT] + spec.names()
    hidden_by = representatives(blocks, collapsed, names)
    nodes: dict[str, list[str]] = {}
    node_of: dict[str, str] = {}
    for name in names:
        key = hidden_by[name]
        node_id = BLOCK_PREFIX + key if key else name
        node_of[name] = node_id
        nodes.setdefault(node_id, []).append(name)
    edges: dict[tuple[str, str], list[tuple[str, str]]] = defaultdict(list)
    for dst, ins in spec.edges().items():
        for src in ins:
            if src in node_of and node_of[src] != node_of[dst]:
                edges[(node_of[src], node_of[dst])].append((src, dst))
    return CollapsedGraph(nodes, node_of, dict(edges), hidden_by)
