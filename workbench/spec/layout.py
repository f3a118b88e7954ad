"""Layered top-to-bottom layout of the visible graph, computed by grandalf.

grandalf's Sugiyama layout ranks the nodes (inputs on top), orders each
rank to reduce crossings (so parallel branches sit side by side) and routes
edges that skip ranks through dummy points.

Deep networks are mostly chains (conv → BN → ReLU …), and grandalf's rank
set-up is quadratic in the number of ranks (DenseNet-201 has 709), so each
chain is handed to it as one tall vertex and its layers are stacked inside
it afterwards: 40 ms instead of 400 ms, and chains come out perfectly
straight.  Two other O(n²) steps are avoided without changing the result:
connected components are found with a union-find instead of
`grandalf.graphs.Graph`, and the edges to reverse in a cyclic graph by one
depth-first search instead of its Tarjan pass.  Results are cached by
structure, so undo/redo of a structural edit and re-expanding a block reuse
the previous layout.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass
from typing import Sequence

from grandalf.graphs import Edge, Vertex, graph_core
from grandalf.layouts import SugiyamaLayout, VertexViewer

#: horizontal gap between nodes of a rank, vertical gap between ranks (room for edge labels)
X_SPACE = 36
Y_SPACE = 30
#: gap between unconnected parts of the graph
COMPONENT_GAP = 80
_CACHE_SIZE = 24

Point = tuple[float, float]


@dataclass(frozen=True)
class Layout:
    """Node centres and, per edge, the bend points between its two ends."""

    positions: dict[str, Point]
    routes: dict[tuple[str, str], tuple[Point, ...]]
    width: float
    height: float


_cache: "OrderedDict[tuple, Layout]" = OrderedDict()


def layered_layout(nodes: Sequence[tuple[str, float, float]], edges: Sequence[tuple[str, str]]) -> Layout:
    """Lay out nodes `(id, width, height)` (in a stable order: inputs first) joined by `edges`."""
    key = (tuple(nodes), tuple(edges))
    cached = _cache.get(key)
    if cached is not None:
        _cache.move_to_end(key)
        return cached
    layout = _compute(nodes, edges)
    _cache[key] = layout
    if len(_cache) > _CACHE_SIZE:
        _cache.popitem(last=False)
    return layout


def clear_cache() -> None:
    _cache.clear()


def _components(ids: list[str], edges: Sequence[tuple[str, str]]) -> list[list[str]]:
    parent = {i: i for i in ids}

    def find(i: str) -> str:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for a, b in edges:
        ra, rb = find(a), find(b)
        if ra != rb:
            parent[rb] = ra
    groups: dict[str, list[str]] = {}
    for i in ids:
        groups.setdefault(find(i), []).append(i)
    return list(groups.values())


def _feedback_edges(vertices: list[Vertex], roots: list[Vertex]) -> list[Edge]:
    """Edges that close a cycle (back edges of a depth-first search from the roots)."""
    state: dict[Vertex, int] = {}  # 1 on the stack, 2 done
    back: list[Edge] = []
    for root in roots + vertices:
        if root in state:
            continue
        state[root] = 1
        stack = [(root, iter(root.e_out()))]
        while stack:
            v, out = stack[-1]
            for e in out:
                w = e.v[1]
                seen = state.get(w)
                if seen == 1:
                    back.append(e)
                elif seen is None:
                    state[w] = 1
                    stack.append((w, iter(w.e_out())))
                    break
            else:
                state[v] = 2
                stack.pop()
    return back


def _chains(ids: list[str], edges: list[tuple[str, str]]) -> list[list[str]]:
    """Maximal runs a → b → … where each link is the only edge out of a and into b.

    A side branch that ends the model (an auxiliary classifier head) is left
    as single layers: as one tall vertex it would push the main path's next
    rank below its whole length.
    """
    outs: dict[str, list[str]] = {i: [] for i in ids}
    ins: dict[str, list[str]] = {i: [] for i in ids}
    for a, b in edges:
        outs[a].append(b)
        ins[b].append(a)

    def linked(a: str, b: str) -> bool:
        return len(outs[a]) == 1 and len(ins[b]) == 1 and outs[a][0] == b

    chains, placed = [], set()
    for i in ids:
        if i in placed or (len(ins[i]) == 1 and linked(ins[i][0], i)):
            continue  # not the head of a chain
        chain = [i]
        placed.add(i)
        while len(outs[chain[-1]]) == 1 and linked(chain[-1], outs[chain[-1]][0]) and outs[chain[-1]][0] not in placed:
            chain.append(outs[chain[-1]][0])
            placed.add(chain[-1])
        side_head = not outs[chain[-1]] and any(len(outs[p]) > 1 for p in ins[chain[0]])
        chains.extend([[n] for n in chain] if side_head else [chain])
    for i in ids:  # a cycle made only of links has no head
        if i not in placed:
            chains.append([i])
            placed.add(i)
    return chains


def _layout_component(ids: list[str], sizes: dict[str, tuple[float, float]], edges: list[tuple[str, str]]):
    """Centres (x and y from 0) and edge routes for one connected part.

    Chains are laid out as one tall grandalf vertex each, stacked from the top
    of their rank: they stay straight, and grandalf handles a few hundred
    ranks instead of one per layer (its rank set-up is quadratic in ranks).
    """
    chains = _chains(ids, edges)
    chain_of = {i: c for c in chains for i in c}
    place = {i: k for c in chains for k, i in enumerate(c)}
    vertices: dict[str, Vertex] = {}
    for chain in chains:
        v = Vertex(chain[0])
        w = max(sizes[i][0] for i in chain)
        h = sum(sizes[i][1] for i in chain) + Y_SPACE * (len(chain) - 1)
        v.view = VertexViewer(w, h)
        vertices[chain[0]] = v
    ordered = [vertices[c[0]] for c in chains]
    links: list[tuple[tuple[str, str], Edge]] = []  # edges between chains
    for a, b in edges:
        if chain_of[a] is not chain_of[b]:
            links.append(((a, b), Edge(vertices[chain_of[a][0]], vertices[chain_of[b][0]])))
    if len(ordered) == 1:
        only = ordered[0]
        only.view.xy = (only.view.w / 2, only.view.h / 2)
        rank_top, rank_height, rank_of, ctrls = [0.0], [only.view.h], {only: 0}, {}
    else:
        sugiyama = SugiyamaLayout(graph_core(ordered, [e for _, e in links]))
        sugiyama.xspace, sugiyama.yspace = X_SPACE, Y_SPACE
        roots = [v for v in ordered if not v.e_in()] or ordered[:1]
        sugiyama.init_all(roots=roots, inverted_edges=_feedback_edges(ordered, roots))
        sugiyama.draw(N=3.5 if len(ordered) < 300 else 1.5)
        rank_height = [max(v.view.h for v in layer) for layer in sugiyama.layers]
        rank_top = [layer[0].view.xy[1] - h / 2 for layer, h in zip(sugiyama.layers, rank_height)]
        rank_of = {v: sugiyama.grx[v].rank for v in ordered}
        ctrls = sugiyama.ctrls
    x0 = min(v.view.xy[0] - v.view.w / 2 for v in ordered)
    positions: dict[str, Point] = {}
    for chain in chains:
        v = vertices[chain[0]]
        y = rank_top[rank_of[v]]
        for i in chain:
            h = sizes[i][1]
            positions[i] = (v.view.xy[0] - x0, y + h / 2)
            y += h + Y_SPACE
    routes: dict[tuple[str, str], tuple[Point, ...]] = {}
    for a, b in edges:
        if chain_of[a] is chain_of[b] and place[b] == place[a] + 1:
            routes[(a, b)] = ()
    for key, e in links:
        points: list[Point] = []
        ctrl = ctrls.get(e)
        if ctrl:  # the edge skips ranks: run down (or up) through its dummy points
            r0, r1 = rank_of[e.v[0]], rank_of[e.v[1]]
            step = 1 if r1 > r0 else -1
            for r in range(r0 + step, r1, step):
                x = ctrl[r].view.xy[0] - x0
                ends = [(x, rank_top[r]), (x, rank_top[r] + rank_height[r])]
                points += ends if step == 1 else ends[::-1]
        routes[key] = tuple(points)
    width = max(v.view.xy[0] + v.view.w / 2 for v in ordered) - x0
    height = max(y + h / 2 for (_, y), h in ((positions[i], sizes[i][1]) for i in ids))
    return positions, routes, width, height


def _compute(nodes: Sequence[tuple[str, float, float]], edges: Sequence[tuple[str, str]]) -> Layout:
    ids = [n[0] for n in nodes]
    sizes = {n[0]: (n[1], n[2]) for n in nodes}
    unique_edges = list(dict.fromkeys((a, b) for a, b in edges if a != b))
    positions: dict[str, Point] = {}
    routes: dict[tuple[str, str], tuple[Point, ...]] = {}
    x_offset = 0.0
    height = 0.0
    for part in _components(ids, unique_edges):
        members = set(part)
        part_edges = [(a, b) for a, b in unique_edges if a in members]
        pos, rts, w, h = _layout_component(part, sizes, part_edges)
        for i, (x, y) in pos.items():
            positions[i] = (x + x_offset, y)
        for k, pts in rts.items():
            routes[k] = tuple((x + x_offset, y) for x, y in pts)
        x_offset += w + COMPONENT_GAP
        height = max(height, h)
    return Layout(positions, routes, max(0.0, x_offset - COMPONENT_GAP), height)
