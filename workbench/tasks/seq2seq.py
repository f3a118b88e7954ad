"""Sequence to sequence with teacher forcing: an encoder reads the input, a decoder writes the target.

The model has two inputs, the source (e.g. a date's characters) and the
decoder's input, which in training is the target shifted right behind the
start token (teacher forcing); the data set holds only the source and the
target, and `arrays` adds the shifted copy.  The loss is sparse categorical
cross-entropy over each target row up to and including its end token
(what follows is padding).  After each epoch the decoder runs on its own
outputs (greedy decoding) and `exact_match` (whole rows right) and
`char_accuracy` (tokens right at their position) score it.  The view shows
decoded rows against the truth and, for a model with an attention layer,
the decoder's attention over the source.
"""

from __future__ import annotations

import numpy as np

from workbench.data.sequences import DATE_CHARS, ISO_TOKENS, teacher_forcing

from .base import VIEW_SAMPLES, Objectives, Task, TaskError, outputs_probabilities
from .sequence_metrics import char_accuracy, exact_match, greedy_decode, tokens

ATTENTION = ("Attention", "AdditiveAttention", "MultiHeadAttention")


def sequence_loss(end: int, probabilities: bool):
    """Per-row sparse cross-entropy over the tokens up to and including the first `end` token."""
    import keras
    from keras import ops

    def loss(y_true, y_pred):
        y_true = ops.cast(y_true, "int32")
        each = keras.losses.sparse_categorical_crossentropy(ops.maximum(y_true, 0), y_pred,
                                                            from_logits=not probabilities)
        ends = ops.cast(ops.equal(y_true, end), "float32")
        kept = ops.cast(ops.cumsum(ends, axis=1) - ends <= 0, "float32")
        return ops.sum(each * kept, axis=1) / ops.maximum(ops.sum(kept, axis=1), 1.0)

    return loss


def predict_inputs(model, inputs: list[np.ndarray], batch: int = 256) -> np.ndarray:
    """`model`'s output for a list of input arrays, in chunks through `predict_on_batch`."""
    parts = [np.asarray(model.predict_on_batch([a[i:i + batch] for a in inputs]))
             for i in range(0, len(inputs[0]), batch)]
    return np.concatenate(parts)


class Seq2Seq(Task):
    name = "seq2seq"
    inputs = "token rows (int, 0 pads)"
    targets = "token rows ending in the end token (e.g. the dates data set)"
    reported = ("exact_match", "char_accuracy")
    dataset = "dates"
    inputs_supplied = 2  # the source and, from the targets, the decoder's input
    start, end = ISO_TOKENS.index("<start>"), ISO_TOKENS.index("<end>")
    #: the score `evaluate` reports for whole rows right
    exact_name = "exact_match"
    #: what joins the tokens of a row in the view's text (characters: nothing)
    separator = ""

    def check(self, dataset) -> None:
        if dataset.task != "sequence":
            raise self.refuse(dataset, f"it holds {dataset.task.replace('_', ' ')} labels, not token rows")

    def build(self, model):
        if len(model.inputs) != 2:
            raise TaskError(f"{self.spec.name}: the {self.name} task needs two inputs (source, decoder input), "
                            f"the model has {len(model.inputs)}")
        return model

    def source(self, x):
        return np.asarray(x).astype(np.int32)

    def arrays(self, x, y):
        y = np.asarray(y, dtype=np.int32)
        return [self.source(x), teacher_forcing(y, self.start)], y

    def objectives(self, has_validation: bool) -> Objectives:
        outputs, output = self.single_output()
        loss = sequence_loss(self.end, outputs_probabilities(self.spec, output))
        return Objectives([loss], None, [], outputs, output, "loss", "val_loss" if has_validation else "loss", "min")

    def decode(self, model, source: np.ndarray, length: int) -> np.ndarray:
        """Greedy decoding of `length` tokens for each source row."""
        return greedy_decode(lambda decoder: predict_inputs(model, [source, decoder]), len(source), length,
                             self.start, self.end)

    def evaluate(self, model, x, y):
        decoded = self.decode(model, x[0], y.shape[1])
        return {self.exact_name: exact_match(decoded, y, self.end), "char_accuracy": char_accuracy(decoded, y, self.end)}

    def text(self, row, vocabulary) -> str:
        """A token row as text, up to its end token."""
        return self.separator.join(vocabulary[t] for t in tokens(row, self.end))

    def samples(self, model, x, y, dataset=None):
        """Sources, decoded rows and truth as text for the first validation samples; attention if any."""
        vocabulary = dataset.class_names if dataset is not None else ISO_TOKENS
        source = x[0][:VIEW_SAMPLES]
        decoded = self.decode(model, source, y.shape[1])
        out = {
            "sources": np.array(["".join(DATE_CHARS[t - 1] for t in row if t > 0) for row in source]),
            "decoded": np.array([self.text(r, vocabulary) for r in decoded]),
            "truth": np.array([self.text(r, vocabulary) for r in y[:VIEW_SAMPLES]]),
        }
        scores = attention_scores(self.spec, model, [source, teacher_forcing(decoded, self.start)])
        if scores is not None:
            out["attention"] = scores
        return out


def attention_scores(spec, model, inputs: list[np.ndarray]) -> np.ndarray | None:
    """The first attention layer's weights (samples × target steps × source steps); None without one.

    Built from the spec with the layer returning its scores as the only
    output ('name:1'), the trained model's weights copied in by layer name.
    """
    import copy

    from workbench.keras_bridge import build

    layer = next((l for l in spec.layers if l.type in ATTENTION), None)
    if layer is None:
        return None
    probe = copy.deepcopy(spec)
    probe.layer(layer.name).config["return_attention_scores"] = True
    probe.outputs = [f"{layer.name}:1"]
    scores = build(probe)
    for part in scores.layers:
        if part.weights:
            part.set_weights(model.get_layer(part.name).get_weights())
    out = predict_inputs(scores, inputs)
    if layer.type == "MultiHeadAttention":
        out = out.mean(axis=1)
    return out.astype(np.float32)
