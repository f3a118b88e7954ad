"""The `hopfield` task: storing is the training step, asynchronous recall is what is measured.

The data set's training inputs are the ±1 patterns to store, its validation
inputs noisy probes, each labelled with the pattern it came from
(`data.patterns`).  `fit()` runs one full batch per epoch, which stores the
whole set (`tasks.hopfield.HopfieldNetwork`).  After it: `val_recall`, the
share of probes that settle exactly on their pattern, and the capacity
experiment under the network's own rule: `recall_at_P` for each P tried,
P random patterns of N units stored anew, each probed with 10 % of its bits
flipped (20 sets per P).  The capacity does not depend on the data, so it
is measured once per run.
"""

from __future__ import annotations

import numpy as np

from .base import Objectives, Task, TaskError

#: the P values of the capacity experiment: below, around and far above 0.138 N for N = 100
CAPACITY_PATTERNS = (2, 4, 6, 8, 10, 12, 14, 16, 20, 25, 30)
#: 0.138 N: the Hebbian capacity of a large network (Amit, Gutfreund & Sompolinsky 1985)
CAPACITY_RATIO = 0.138


class Associative(Task):
    name = "hopfield"
    inputs = "±1 patterns to store (validation: noisy probes)"
    targets = "the index of the stored pattern each probe came from"
    batching = "full"
    reported = ("val_recall", *(f"recall_at_{p}" for p in CAPACITY_PATTERNS))
    validates_in_fit = False

    def __init__(self, spec):
        super().__init__(spec)
        self.patterns = None
        self.capacity: dict[int, float] | None = None
        self.seed = 0

    def check(self, dataset) -> None:
        x = dataset.x_train
        if x is None or x.ndim != 2 or not np.all(np.abs(x) == 1):
            raise self.refuse(dataset, "its inputs are not rows of ±1 values")

    def arrays(self, x, y):
        return np.asarray(x, dtype=np.float32), y

    def build(self, model):
        from .hopfield import HopfieldNetwork

        try:
            return HopfieldNetwork(model)
        except ValueError as exc:
            raise TaskError(f"{self.spec.name}: {exc}") from None

    def saved_model(self, model):
        return model.network

    def objectives(self, has_validation: bool) -> Objectives:
        return Objectives([], None, [], ["hopfield"], "hopfield", "val_recall", "val_recall", "max")

    def compile(self, model, optimizer, *, has_validation: bool, steps_per_execution: int = 1,
                new_optimizer=None) -> Objectives:
        model.compile()
        return self.objectives(has_validation)

    def fitted(self, model, x, y, folder, config) -> None:
        self.patterns, self.seed = x, config.seed

    def units(self, model) -> int:
        return int(model.layer.kernel.shape[0])

    def evaluate(self, model, x, y) -> dict[str, float]:
        """`val_recall` for the probes `x` (labels `y` name their patterns) and `recall_at_P` (measured once)."""
        from .hopfield import capacity_curve

        out = {}
        if self.patterns is not None and x is not None and len(x):
            settled = model.recall(x, seed=self.seed).states
            out["val_recall"] = float(np.mean(np.all(settled == self.patterns[np.asarray(y)], axis=1)))
        units = self.units(model)
        if self.capacity is None:
            counts = [p for p in CAPACITY_PATTERNS if p < units]
            self.capacity = capacity_curve(units, counts, flips=max(1, units // 10), seed=self.seed,
                                           rule=model.layer.rule)
        out.update({f"recall_at_{p}": value for p, value in self.capacity.items()})
        return out

    def samples(self, model, x, y, dataset=None) -> dict[str, np.ndarray]:
        """The first probe's recall unit by unit: states, energy, overlaps; and the capacity curve with 0.138 N."""
        from .hopfield import overlaps

        if x is None or not len(x):
            return {}
        path = model.recall(x[:1], seed=self.seed, trace=True)
        out = {"states": path.trace.astype(np.float32), "energy": path.energies.astype(np.float32)}
        if self.patterns is not None:
            out["overlaps"] = overlaps(self.patterns, path.trace).astype(np.float32)
        if self.capacity:
            out["capacity"] = np.array(sorted(self.capacity.items()), dtype=np.float32)
            out["capacity_limit"] = np.float32(CAPACITY_RATIO * self.units(model))
        return out
