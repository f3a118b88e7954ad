"""Hopfield networks: storing is the "training", asynchronous recall is the "run".

The trained model is `HopfieldNetwork`, a `keras.Model` around the spec's
functional model (which holds the `Hopfield` layer and its W), so `fit()`
stays the loop: its `train_step` stores the batch (full batch: the whole
pattern set at once, idempotent over epochs) and the saved `.h5` is the
plain functional model.  Recall runs in numpy: units are visited in a random
order and each takes the sign of its field; a sweep that changes nothing
ends it.  With symmetric W and zero diagonal no update can raise the energy
E = −½ sᵀWs, which the tests check on every single update.
"""

from __future__ import annotations

from dataclasses import dataclass

import keras
import numpy as np

from workbench.data.patterns import flip_bits
from workbench.keras_bridge.energy import Hopfield

from .associative import CAPACITY_PATTERNS
from .wrapper import NetworkTrainer

#: recall gives up after this many sweeps (a symmetric network settles long before)
MAX_SWEEPS = 100


def energy(weights: np.ndarray, states: np.ndarray) -> np.ndarray:
    """E = −½ sᵀWs for each row of `states`, in float64 so that steps of 0 stay 0."""
    states = np.asarray(states, dtype=np.float64)
    return -0.5 * np.einsum("bi,ij,bj->b", states, np.asarray(weights, dtype=np.float64), states)


def overlaps(patterns: np.ndarray, states: np.ndarray) -> np.ndarray:
    """m_μ = ξ_μ · s / N for every state (rows) and stored pattern (columns): 1 is the pattern itself."""
    return states @ patterns.T / patterns.shape[1]


@dataclass
class Recall:
    states: np.ndarray  # the settled states, one row per probe
    sweeps: int  # sweeps until one changed nothing (MAX_SWEEPS if never)
    trace: np.ndarray | None = None  # the first probe's state after every unit visit, when asked
    energies: np.ndarray | None = None  # the first probe's energy after every unit visit, when asked


def recall(weights: np.ndarray, probes: np.ndarray, rng: np.random.Generator, *, trace: bool = False) -> Recall:
    """Asynchronous updates of all probes together (each unit in turn, random order per sweep)."""
    states = np.array(probes, dtype=np.float32, copy=True)
    weights = np.asarray(weights, dtype=np.float32)
    steps = [states[0].copy()] if trace else None
    for sweep in range(1, MAX_SWEEPS + 1):
        changed = False
        for unit in rng.permutation(states.shape[1]):
            field = states @ weights[:, unit]
            new = np.where(field > 0, 1.0, np.where(field < 0, -1.0, states[:, unit]))
            changed |= bool(np.any(new != states[:, unit]))
            states[:, unit] = new
            if trace:
                steps.append(states[0].copy())
        if not changed:
            break
    if not trace:
        return Recall(states, sweep)
    path = np.asarray(steps)
    return Recall(states, sweep, path, energy(weights, path))


def exact_recall(weights: np.ndarray, patterns: np.ndarray, probes: np.ndarray, rng: np.random.Generator) -> float:
    """The share of probes that settle exactly on the pattern they came from."""
    settled = recall(weights, probes, rng).states
    return float(np.mean(np.all(settled == patterns, axis=1)))


def hebbian_weights(patterns: np.ndarray) -> np.ndarray:
    """W = ξᵀξ / N with zero diagonal, in numpy (the same rule as `Hopfield.weights_for`)."""
    weights = patterns.T @ patterns / patterns.shape[1]
    np.fill_diagonal(weights, 0.0)
    return weights.astype(np.float32)


def pseudo_inverse_weights(patterns: np.ndarray) -> np.ndarray:
    """W = ξᵀ C⁻¹ ξ / N with C = ξξᵀ / N and zero diagonal, in numpy (`Hopfield.weights_for`'s other rule)."""
    patterns = np.asarray(patterns, dtype=np.float64)
    units = patterns.shape[1]
    weights = patterns.T @ np.linalg.pinv(patterns @ patterns.T / units) @ patterns / units
    np.fill_diagonal(weights, 0.0)
    return weights.astype(np.float32)


#: storage rule name (as the `Hopfield` layer spells it) -> its numpy weights
RULE_WEIGHTS = {"hebbian": hebbian_weights, "pseudo_inverse": pseudo_inverse_weights}


def capacity_curve(units: int = 100, counts=CAPACITY_PATTERNS, *, sets: int = 20, flips: int = 10,
                   seed: int = 0, rule: str = "hebbian") -> dict[int, float]:
    """Exact recall against P: `sets` random pattern sets per P, every pattern probed with `flips` bits flipped."""
    rng = np.random.default_rng(seed)
    out = {}
    for count in counts:
        hits = []
        for _ in range(sets):
            patterns = rng.choice(np.array([-1.0, 1.0], dtype=np.float32), size=(count, units))
            probes = flip_bits(patterns, flips, rng)
            hits.append(exact_recall(RULE_WEIGHTS[rule](patterns), patterns, probes, rng))
        out[count] = float(np.mean(hits))
    return out


def hopfield_layer(model: keras.Model) -> Hopfield:
    """The one Hopfield layer of a functional model."""
    found = [layer for layer in model.layers if isinstance(layer, Hopfield)]
    if len(found) != 1:
        raise ValueError(f"model '{model.name}' has {len(found)} Hopfield layers; a Hopfield network has one")
    return found[0]


@keras.saving.register_keras_serializable(package="workbench")
class HopfieldNetwork(NetworkTrainer):
    """A functional model with one Hopfield layer; `fit(patterns)` stores them, `recall` retrieves."""

    def __init__(self, network: keras.Model, **kwargs):
        super().__init__(**kwargs)
        self.network = network
        self.layer = hopfield_layer(network)
        self.stored = keras.metrics.Mean(name="stored_patterns")

    def call(self, states):
        return self.network(states)

    @property
    def metrics(self):
        return [self.stored]

    def train_step(self, data):
        patterns = data[0] if isinstance(data, tuple) else data
        self.layer.store(patterns)
        self.stored.update_state(keras.ops.cast(keras.ops.shape(patterns)[0], "float32"))
        return {"stored_patterns": self.stored.result()}

    def weights_array(self) -> np.ndarray:
        return keras.ops.convert_to_numpy(self.layer.kernel)

    def recall(self, probes: np.ndarray, seed: int = 0, *, trace: bool = False) -> Recall:
        """Asynchronous recall from `probes` (±1 rows) with this network's W."""
        return recall(self.weights_array(), probes, np.random.default_rng(seed), trace=trace)

