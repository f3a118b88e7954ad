"""CTC: a sequence of frames read as a shorter label sequence, no per-frame labels needed.

Connectionist temporal classification (Graves et al. 2006) sums the
probability of every alignment of the labels to the frames, with a blank
class between and around them; where in the sequence a label sits does not
matter.  The model outputs one distribution per frame with the blank as its
last class; labels are rows of class indices padded with -1.  After each
epoch greedy decoding (most likely class per frame, repeats merged, blanks
dropped) gives `sequence_accuracy` (rows right) and `cer` (character error
rate: edit distance over the truth's length).  The loss plateaus in the
first epochs, until the network finds where the labels lie: that is normal.
"""

from __future__ import annotations

import numpy as np

from .base import VIEW_SAMPLES, Objectives, Task, TaskError, float_inputs, output_shapes, outputs_probabilities, predict
from .sequence_metrics import best_path, cer, ctc_greedy, sequence_accuracy, tokens


def ctc_loss(blank: int, probabilities: bool):
    """CTC loss per row for -1-padded labels and frame outputs whose class `blank` is CTC's blank.

    `keras.ops.ctc_loss` reads logits; the log of softmax probabilities
    serves as logits (their softmax gives the probabilities back).
    """
    from keras import ops

    def loss(y_true, y_pred):
        y_true = ops.cast(y_true, "int32")
        lengths = ops.sum(ops.cast(y_true >= 0, "int32"), axis=-1)
        logits = ops.log(y_pred + 1e-7) if probabilities else y_pred
        frames = ops.full((ops.shape(y_pred)[0],), ops.shape(y_pred)[1], dtype="int32")
        return ops.ctc_loss(ops.maximum(y_true, 0), logits, lengths, frames, mask_index=blank)

    return loss


class CTC(Task):
    name = "ctc"
    inputs = "images or frame sequences"
    targets = "rows of class indices padded with -1 (e.g. the digit_strips data set)"
    reported = ("sequence_accuracy", "cer")
    dataset = "digit_strips"

    def check(self, dataset) -> None:
        if dataset.task != "sequence":
            raise self.refuse(dataset, f"it holds {dataset.task.replace('_', ' ')} labels, not label rows")

    def blank(self) -> int:
        """The last class of the per-frame output."""
        return int(output_shapes(self.spec)[self.spec.resolved_outputs()[0]][-1]) - 1

    def build(self, model):
        if len(model.output_shape) != 3:
            raise TaskError(f"{self.spec.name}: a CTC model outputs frames × classes, "
                            f"the model outputs {tuple(model.output_shape[1:])}")
        return model

    def arrays(self, x, y):
        return float_inputs(np.asarray(x)), np.asarray(y, dtype=np.int32)

    def objectives(self, has_validation: bool) -> Objectives:
        outputs, output = self.single_output()
        loss = ctc_loss(self.blank(), outputs_probabilities(self.spec, output))
        return Objectives([loss], None, [], outputs, output, "loss", "val_loss" if has_validation else "loss", "min")

    def probabilities(self, model, x) -> np.ndarray:
        out = predict(model, x)
        if outputs_probabilities(self.spec, self.spec.resolved_outputs()[0]):
            return out
        exp = np.exp(out - out.max(axis=-1, keepdims=True))
        return exp / exp.sum(axis=-1, keepdims=True)

    def evaluate(self, model, x, y):
        decoded = ctc_greedy(self.probabilities(model, x), self.blank())
        return {"sequence_accuracy": sequence_accuracy(decoded, y), "cer": cer(decoded, y)}

    def samples(self, model, x, y, dataset=None):
        """The first validation inputs, decoded and true labels as text, and each frame's best class."""
        probabilities = self.probabilities(model, x[:VIEW_SAMPLES])
        names = dataset.class_names if dataset is not None else [str(c) for c in range(self.blank() + 1)]
        decoded = ctc_greedy(probabilities, self.blank())
        return {
            "inputs": x[:VIEW_SAMPLES],
            "decoded": np.array(["".join(names[t] for t in tokens(r)) for r in decoded]),
            "truth": np.array(["".join(names[t] for t in tokens(r)) for r in y[:VIEW_SAMPLES]]),
            "alignment": best_path(probabilities), "blank": np.int32(self.blank()),
            "frame_probabilities": probabilities.astype(np.float32),
        }
