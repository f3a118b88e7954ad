"""The order in which a Keras model's layers are written into a spec, and the entries left out of it.

A depth-first walk back from the outputs, visiting each layer's inputs in
call order, so that a chain of layers stays together and `inputs` is written
only where a layer does not read the one before it.
"""

from __future__ import annotations

from workbench.spec import INPUT

from .errors import BridgeError

#: the Keras op layer that turns token ids into the mask of an Embedding with mask_zero
MASK_OP = "NotEqual"


def mask_ops(entries: list) -> set[int]:
    """The ids of the op layers Keras records for an Embedding's mask_zero: NotEqual(ids, 0) read only as `mask`.

    The spec says mask_zero on the Embedding and Keras rebuilds the mask from it, so these entries are dropped.
    """
    masks: set[str] = set()
    for entry in entries:
        for node in (entry.get("inbound_nodes") or []) if isinstance(entry, dict) else []:
            mask = node.get("kwargs", {}).get("mask") if isinstance(node, dict) and isinstance(node.get("kwargs"), dict) else None
            if isinstance(mask, dict):
                history = (mask.get("config") or {}).get("keras_history")
                if isinstance(history, list) and history and isinstance(history[0], str):
                    masks.add(history[0])
    out = set()
    for entry in entries:
        if isinstance(entry, dict) and entry.get("class_name") == MASK_OP and entry.get("name") in masks:
            nodes = entry.get("inbound_nodes") or [{}]
            args = nodes[0].get("args", []) if isinstance(nodes[0], dict) else []
            if len(args) == 2 and args[1] == 0:
                out.add(id(entry))
    return out


def layer_order(edges: dict[str, list[str]], outputs: list[str], extra_inputs: list[str], source: str) -> list[str]:
    """Depth-first from the outputs, each layer's inputs before it in call order.

    A side output (GoogLeNet's auxiliary heads) is placed as soon as the
    layers it shares with the other outputs are, so it stands where it
    branches off.  Extra model inputs come first, in model-input order, since
    the spec orders a model's inputs by where its Input layers stand.
    """
    heads = list(dict.fromkeys(o for o in outputs if o in edges))
    ancestors = {o: _ancestors(edges, o) for o in heads}
    waiting: dict[str, int] = {}
    watchers: dict[str, list[str]] = {}
    holders: dict[str, int] = {}  # how many heads each layer feeds
    for head in heads:
        for name in ancestors[head]:
            holders[name] = holders.get(name, 0) + 1
    for head in heads:
        shared = {name for name in ancestors[head] if holders[name] > 1}
        waiting[head] = len(shared)
        for name in shared:
            watchers.setdefault(name, []).append(head)
    order: list[str] = list(extra_inputs)
    placed: set[str] = set(extra_inputs)
    open_: set[str] = set()
    released: set[str] = set()

    def place(name: str) -> None:
        placed.add(name)
        order.append(name)
        for head in watchers.get(name, ()):
            waiting[head] -= 1
        for head in heads:
            if not waiting[head] and head not in released:
                released.add(head)
                visit(head)

    def visit(root: str) -> None:
        stack = [(root, False)]
        while stack:
            name, expanded = stack.pop()
            if name == INPUT or name in placed:
                continue
            if expanded:
                place(name)
                continue
            if name in open_:
                raise BridgeError(f"{source}: layer '{name}' is part of a cycle")
            open_.add(name)
            stack.append((name, True))
            stack.extend((src, False) for src in reversed(edges[name]) if src not in placed)

    for head in heads:
        if head not in released:
            released.add(head)
            visit(head)
    for name in edges:  # layers no output depends on keep their config order, last
        visit(name)
    return order


def _ancestors(edges: dict[str, list[str]], name: str) -> set[str]:
    """`name` and every layer it depends on."""
    seen = {name}
    stack = [name]
    while stack:
        for src in edges.get(stack.pop(), ()):
            if src in edges and src not in seen:
                seen.add(src)
                stack.append(src)
    return seen
