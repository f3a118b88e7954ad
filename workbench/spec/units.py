"""Human-readable numbers (K/M/G) and terminal-safe text, shared by the CLI and the GUI."""

from __future__ import annotations

from decimal import Decimal


def human(n: float, digits: int = 3) -> str:
    """1234 -> '1.23K', 61706 -> '61.7K', 138357544 -> '138M' (SI prefixes, 3 significant digits)."""
    if _beyond_float(n):
        return format(Decimal(n), f".{digits}g")
    n = float(n)
    for factor, suffix in ((1e12, "T"), (1e9, "G"), (1e6, "M"), (1e3, "K")):
        if abs(n) >= factor:
            return f"{n / factor:.{digits}g}{suffix}"
    return f"{n:.{digits}g}" if not n.is_integer() else str(int(n))


def human_bytes(n: float) -> str:
    """Bytes in binary units: 241 KiB, 1.5 MiB."""
    if _beyond_float(n):
        return f"{format(Decimal(n) / (1 << 40), '.3g')} TiB"
    n = float(n)
    for factor, suffix in ((1 << 40, "TiB"), (1 << 30, "GiB"), (1 << 20, "MiB"), (1 << 10, "KiB")):
        if abs(n) >= factor:
            return f"{n / factor:.3g} {suffix}"
    return f"{int(n)} B"


def signed(n: int) -> str:
    """+5,309,696 / -850 / 0: a delta with its sign."""
    return f"{n:+,}" if n else "0"


def shape_text(shape) -> str:
    """(28, 28, 6) -> '28×28×6'; None dims as '?', () as 'scalar', no shape at all as '?'."""
    if shape is None:
        return "?"
    return "×".join("?" if v is None else str(v) for v in shape) or "scalar"


def field_text(values) -> str:
    """A receptive field or jump per axis: one number when square."""
    if values is None:
        return ""
    values = list(values)
    return str(values[0]) if len(set(values)) == 1 else "×".join(str(v) for v in values)


def _beyond_float(n) -> bool:
    """True for an int too large for float() (an absurd layer size makes such products)."""
    return isinstance(n, int) and n.bit_length() > 1000


def plain(text) -> str:
    """`text` safe to print on a terminal: control and format characters written as escapes.

    Names and descriptions come from files; an ANSI escape or a right-to-left
    override in a layer name must show as text, not act on the terminal.
    """
    text = str(text)
    if text.isprintable():
        return text
    return "".join(ch if ch.isprintable() else ch.encode("unicode_escape").decode("ascii") for ch in text)
