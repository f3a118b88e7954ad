"""JSON as presets are read: no duplicate keys, bounded nesting, finite numbers of sane size.

Python's `json` accepts `NaN`/`Infinity`, lets a repeated key silently win,
and recurses once per nesting level.  Each of those turned a broken or
hostile preset into a traceback or a wrong model; here each becomes one
message naming the line, or the layer and key, so the caller can report it.
"""

from __future__ import annotations

import json
import math
import re
from typing import Any, Iterator

#: deepest nesting a preset needs is about 8 (layer > config > wrapped layer > config > padding pairs)
MAX_DEPTH = 32
#: numbers beyond this are no size, rate or count any model uses (and overflow float arithmetic)
MAX_NUMBER = 1e15

_TOKENS = re.compile(r'"(?:[^"\\]|\\.)*"|[{}\[\]:]')


class JSONProblem(ValueError):
    """What is wrong with a document, as one line; `path` is the JSON path when it concerns a value."""

    def __init__(self, message: str, path: list | None = None):
        super().__init__(message)
        self.path = path


class _Duplicate(Exception):
    def __init__(self, key: str):
        self.key = key


def _unique_pairs(pairs: list[tuple[str, Any]]) -> dict:
    out: dict = {}
    for key, value in pairs:
        if key in out:
            raise _Duplicate(key)
        out[key] = value
    return out


def loads(text: str) -> Any:
    """Parsed JSON; JSONProblem with 'LINE:COL: ...' or 'line N: ...' for anything refused."""
    try:
        return json.loads(text, object_pairs_hook=_unique_pairs)
    except json.JSONDecodeError as exc:
        raise JSONProblem(f"{exc.lineno}:{exc.colno}: invalid JSON: {exc.msg}") from None
    except _Duplicate as dup:
        line = duplicate_line(text, dup.key)
        raise JSONProblem(f"{line}: invalid JSON: the key {json.dumps(dup.key)} appears twice in one object") from None
    except RecursionError:
        raise JSONProblem(f"1:1: invalid JSON: nested too deeply (a preset needs at most {MAX_DEPTH} levels)") from None
    except ValueError as exc:  # an integer literal too long for Python to convert
        raise JSONProblem(f"1:1: invalid JSON: {str(exc)[:120]}") from None


def duplicate_line(text: str, key: str) -> int:
    """The line of the first key that repeats one already in its object (1 when none is found)."""
    stack: list[set | None] = []  # one set of keys per open object, None per open array
    tokens = _TOKENS.finditer(text)
    for match in tokens:
        token = match.group()
        if token in "{[":
            stack.append(set() if token == "{" else None)
        elif token in "}]":
            if stack:
                stack.pop()
        elif token.startswith('"') and stack and stack[-1] is not None:
            following = text[match.end():match.end() + 64].lstrip()
            if not following.startswith(":"):
                continue
            name = json.loads(token)
            if name in stack[-1] and name == key:
                return text.count("\n", 0, match.start()) + 1
            stack[-1].add(name)
    return 1


def check_values(data: Any) -> None:
    """JSONProblem (with its path) for nesting deeper than MAX_DEPTH or a number that is not finite or too large."""
    for path, value, depth in _walk(data):
        if depth > MAX_DEPTH:
            raise JSONProblem(f"nested more than {MAX_DEPTH} levels deep", path)
        if isinstance(value, float) and not math.isfinite(value):
            raise JSONProblem(f"{value} is not a finite number", path)
        if isinstance(value, (int, float)) and not isinstance(value, bool) and abs(value) > MAX_NUMBER:
            if isinstance(value, float) or value.bit_length() < 128:
                shown = f"{value:g}" if isinstance(value, float) else str(value)
            else:
                shown = f"a {value.bit_length()}-bit integer"
            limit = f"{MAX_NUMBER:.0e}".replace("+", "")
            raise JSONProblem(f"{shown} is out of range (numbers in a preset lie within ±{limit})", path)


def _walk(data: Any) -> Iterator[tuple[list, Any, int]]:
    """(path, value, depth) for every value, without recursion (depth is what is being checked)."""
    stack = [([], data, 0)]
    while stack:
        path, value, depth = stack.pop()
        yield path, value, depth
        if depth > MAX_DEPTH:
            return
        if isinstance(value, dict):
            stack.extend((path + [k], v, depth + 1) for k, v in value.items())
        elif isinstance(value, list):
            stack.extend((path + [i], v, depth + 1) for i, v in enumerate(value))
