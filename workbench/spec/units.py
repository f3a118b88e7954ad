"""Human-readable numbers (K/M/G) shared by the CLI table and the GUI."""

from __future__ import annotations


def human(n: float, digits: int = 3) -> str:
    """1234 -> '1.23K', 61706 -> '61.7K', 138357544 -> '138M' (SI prefixes, 3 significant digits)."""
    n = float(n)
    for factor, suffix in ((1e12, "T"), (1e9, "G"), (1e6, "M"), (1e3, "K")):
        if abs(n) >= factor:
            return f"{n / factor:.{digits}g}{suffix}"
    return f"{n:.{digits}g}" if not n.is_integer() else str(int(n))


def human_bytes(n: float) -> str:
    """Bytes in binary units: 241 KiB, 1.5 MiB."""
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
