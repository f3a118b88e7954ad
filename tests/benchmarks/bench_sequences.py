"""The gates of the sequence presets, trained through their tasks with plain `fit`.

Run with `make bench` (or `pytest -s tests/benchmarks/bench_sequences.py -k NAME`),
cheapest first.  Prints each gate's figure with its seed and asserts the
gate.  The post-epoch scores (exact match, CER, ...) come from the task's
`evaluate`, called once per epoch as the trainer does.  Full gates take
many minutes each on two cores.
"""

from __future__ import annotations

import keras
import numpy as np

from workbench import tasks
from workbench.data import load_dataset
from workbench.keras_bridge import build
from workbench.spec import with_input_shape
from workbench.spec.preset_io import load_named

SEED = 0


class Scores(keras.callbacks.Callback):
    """The task's `evaluate` after every epoch, merged into the logs as the trainer merges them."""

    def __init__(self, task, x_val, y_val):
        super().__init__()
        self.task, self.x_val, self.y_val = task, x_val, y_val

    def on_epoch_end(self, epoch, logs=None):
        logs.update(self.task.evaluate(self.model, self.x_val, self.y_val))


def train(slug: str, dataset: str, epochs: int, *, seed: int = SEED, input_shape=None, **options) -> dict:
    keras.utils.set_random_seed(seed)
    spec = load_named(slug)
    if input_shape is not None:
        spec = with_input_shape(spec, input_shape)
    task = tasks.for_spec(spec)
    data = load_dataset(dataset, seed=seed, **options)
    x, y = task.arrays(data.x_train, data.y_train)
    x_val, y_val = task.arrays(data.x_val, data.y_val)
    model = task.build(build(spec))
    training = spec.training or {}
    optimizer = keras.optimizers.Adam(training.get("learning_rate", 1e-3), clipnorm=training.get("clipnorm"))
    task.compile(model, optimizer, has_validation=True)
    history = model.fit(x, y, batch_size=training.get("batch_size", 64), epochs=epochs, verbose=0,
                        validation_data=(x_val, y_val), callbacks=[Scores(task, x_val, y_val)])
    return {k: np.array(v) for k, v in history.history.items()}


def _report(gate: str, figure) -> None:
    print(f"\n{gate} [seed {SEED}]: {figure}")


def _first_below(values, bar=0.01):
    hits = np.flatnonzero(np.asarray(values) < bar)
    return int(hits[0]) + 1 if len(hits) else None


def test_adding_problem_gates():
    gru = train("gru_adding", "adding_problem", 30)
    _report("GRU T=50 epoch val_mse < 0.01 / final", (_first_below(gru["val_mse"]), float(gru["val_mse"][-1])))
    lstm = train("lstm_adding", "adding_problem", 30)
    _report("LSTM T=50 epoch val_mse < 0.01 / final", (_first_below(lstm["val_mse"]), float(lstm["val_mse"][-1])))
    rnn = train("rnn_adding", "adding_problem", 30, input_shape=(100, 2), length=100)
    _report("SimpleRNN T=100 final val_mse", float(rnn["val_mse"][-1]))
    assert (_first_below(gru["val_mse"]) or 99) <= 12
    assert (_first_below(lstm["val_mse"]) or 99) <= 24
    assert rnn["val_mse"][-1] > 0.12


def test_seq2seq_gates():
    plain = train("seq2seq_dates", "dates", 10)
    attention = train("seq2seq_dates_attention", "dates", 10)
    _report("seq2seq exact match without / with attention", (float(plain["exact_match"][-1]),
                                                             float(attention["exact_match"][-1])))
    assert attention["exact_match"][-1] >= 0.98
    assert plain["exact_match"][-1] < attention["exact_match"][-1]


def test_ctc_gate():
    run = train("ctc_digits", "digit_strips", 10)
    _report("CTC sequence accuracy / CER", (float(run["sequence_accuracy"][-1]), float(run["cer"][-1])))
    assert run["sequence_accuracy"][-1] >= 0.80 and run["cer"][-1] <= 0.08


def test_caption_gate():
    run = train("caption_shapes", "shape_scenes", 15)
    _report("caption exact", float(run["caption_exact"][-1]))
    assert run["caption_exact"][-1] >= 0.35
