"""Warnings a run gives while it still trains: a loss that grows by orders of magnitude.

A non-finite loss stops the run (see `callbacks`); a loss that is still
finite but has grown a thousandfold (an SGD learning rate of 1e6 takes a
cross-entropy of 0.7 to 4.5e18) usually means the same thing, a learning
rate far too high, and the person watching should hear it before the
overflow, once.
"""

from __future__ import annotations

import math

#: how many times the lowest loss so far the loss must reach to count as diverging
DIVERGENCE_FACTOR = 1e3
#: losses below this count as this much, so a near-perfect fit's noise is no divergence
LOSS_FLOOR = 1e-2


class DivergenceWatch:
    """Watches the batch losses of one run and words a warning the first time they diverge."""

    def __init__(self, hint: str = ""):
        self.hint = hint
        self.lowest: float | None = None
        self.warned = False

    def check(self, loss, epoch: int, batch: int) -> str | None:
        """The warning to give for this loss (1-based `epoch` and `batch`), or None."""
        if self.warned or not isinstance(loss, float) or not math.isfinite(loss):
            return None
        if self.lowest is None or loss < self.lowest:
            self.lowest = loss
            return None
        if loss <= DIVERGENCE_FACTOR * max(self.lowest, LOSS_FLOOR):
            return None
        self.warned = True
        return (
            f"The loss is diverging: {loss:.3g} at epoch {epoch}, batch {batch}, over "
            f"{DIVERGENCE_FACTOR:g} times its lowest value so far ({self.lowest:.3g}). {self.hint}"
        ).strip()
