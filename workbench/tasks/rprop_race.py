"""What the RPROP view draws: the run's loss against SGD's and Adam's from the same start, and RPROP's step sizes.

RPROP's lesson is speed without a learning rate to tune: each weight keeps
its own step Δ, grown while its gradient keeps its sign and shrunk when the
sign flips, so after a few epochs the steps spread over orders of magnitude.
`RpropRace` shows both halves.  Made before the run trains (the task's
`fitted`), it keeps the initial weights and the training arrays; the first time the view asks
(`samples`, in the worker, never for a run nobody watches) it trains two
copies of the network from those weights on the same arrays, full batch,
for the run's epochs: plain SGD and Adam at their textbook rates
(`REFERENCES`).  Every loss is the run's own training loss on the whole
training set after that epoch's step, from the common start at epoch 0,
so the three curves compare alike.
The step sizes are read from the optimizer's own variables and binned on a
log scale between its `min_step` and `max_step`.
"""

from __future__ import annotations

import numpy as np

#: the reference optimizers: (name, Keras class name, learning rate).  SGD at 0.9, a classic rate for sigmoid
#: units with a squared error, never reaches MSE 0.01 on digits; Adam at 0.01 gets there in about 250 full-batch
#: epochs (its default 0.001 is still at 0.07 after 400), RPROP in about 23
REFERENCES = (("SGD", "SGD", 0.9), ("Adam", "Adam", 1e-2))
#: histogram bins per decade of step size: each about as wide as a halving (log10 2 = 0.3), so the lattice of
#: steps Δ0 · 1.2^a · 0.5^b RPROP makes fills most bins (with 4 a decade, on digits every other bin was empty)
BINS_PER_DECADE = 3


def step_histogram(steps: np.ndarray, min_step: float, max_step: float):
    """(edges of log10 Δ, counts) of the step sizes in bins from `min_step` to `max_step`.

    Every weight lands in a bin: RPROP keeps its steps in [min_step, max_step].
    """
    low, high = np.log10(min_step), np.log10(max_step)
    bins = max(1, int(np.ceil((high - low) * BINS_PER_DECADE)))
    edges = np.linspace(low, high, bins + 1)
    counts, _ = np.histogram(np.clip(np.log10(steps), low, high), bins=edges)
    return edges.astype(np.float32), counts.astype(np.int64)


def train_reference(model, weights, optimizer, loss, x, y, epochs: int) -> np.ndarray:
    """The training loss of a copy of `model` started at `weights`: at the start, then after each of `epochs`
    full-batch steps (epochs + 1 values)."""
    import keras

    copy = keras.models.clone_model(model)
    copy.set_weights(weights)
    copy.compile(optimizer=optimizer, loss=loss)
    # train_on_batch returns the loss before its step: one step more gives the loss after the last one
    return np.array([float(copy.train_on_batch(x, y, return_dict=True)["loss"]) for _ in range(epochs + 1)])


class RpropRace:
    """One run's RPROP view data: made before training, `samples(model)` after each epoch."""

    def __init__(self, model, x, y, loss, epochs: int):
        self.model = model
        self.weights = model.get_weights()
        self.x, self.y, self.loss = x, y, loss
        self.first_epoch = int(model.optimizer.iterations.numpy())  # a resumed run starts past 0
        self.epochs = epochs
        self.losses: dict[int, float] = {}
        self.references: np.ndarray | None = None

    def _train_references(self) -> np.ndarray:
        import keras

        epochs = max(self.epochs - self.first_epoch, 0)
        return np.stack([train_reference(self.model, self.weights, getattr(keras.optimizers, cls)(rate), self.loss,
                                         self.x, self.y, epochs) for _, cls, rate in REFERENCES])

    def samples(self, model) -> dict[str, np.ndarray]:
        """The loss curves so far and this epoch's step-size histogram (see the module's docstring)."""
        if self.references is None:
            self.references = self._train_references()
            self.losses[self.first_epoch] = float(self.references[0, 0])  # every curve starts at the same loss
        optimizer = model.optimizer
        epoch = int(optimizer.iterations.numpy())  # full batch: one step per epoch
        prediction = model.predict_on_batch(self.x)
        self.losses[epoch] = float(np.asarray(self.loss(self.y, prediction)))
        epochs = sorted(self.losses)
        # a step of 0 marks a weight that has not moved yet: its next move is by the initial step
        steps = np.concatenate([np.ravel(v.numpy()) for v in optimizer.steps])
        steps = np.where(steps == 0.0, float(np.asarray(optimizer.learning_rate)), steps)
        edges, counts = step_histogram(steps, optimizer.min_step, optimizer.max_step)
        return {
            "rprop_epochs": np.array(epochs, dtype=np.int64),
            "rprop_loss": np.array([self.losses[e] for e in epochs], dtype=np.float64),
            "reference_epochs": np.arange(self.first_epoch, self.epochs + 1, dtype=np.int64),
            "reference_loss": self.references,
            "reference_names": np.array([f"{name} lr {rate:g}" for name, _, rate in REFERENCES]),
            "step_edges": edges,
            "step_counts": counts,
            "step_median": np.float64(np.median(steps)),
        }
