"""Post-run evaluation of a trained classifier: confusion matrix, per-class accuracy, hardest samples.

`evaluate_model` predicts on the held-out data exactly as the run fitted it
(`Trainer.evaluate` passes its own prepared data), in chunks through
`predict_on_batch`; `evaluate` turns class probabilities into the numbers
the evaluation view draws.  Keras is used only through the model passed in.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from workbench.tasks.base import outputs_probabilities, weighted_outputs

from .live.stats import thumbnails

#: validation samples the evaluation looks at, at most
EVALUATION_LIMIT = 3000
#: samples per predict_on_batch call
EVALUATION_BATCH = 256
#: hardest samples listed by the evaluation view
HARDEST = 48
#: clip for log(p) so a confidently wrong sample has a large but finite loss
_EPSILON = 1e-7


def evaluate_model(model, prepared, class_names: list[str], limit: int = EVALUATION_LIMIT) -> "Evaluation":
    """Class probabilities of `model` on up to `limit` held-out samples of `prepared` (the run's own data)."""
    x, y, split, total = evaluation_arrays(prepared, limit)
    if y.ndim == 2 and y.shape[1] > 1:  # one-hot targets (sigmoid units trained on squared error): class indices
        y = y.argmax(axis=1)
    spec = prepared.spec
    main = weighted_outputs(spec)[2]
    index = spec.resolved_outputs().index(main)
    chunks = []
    for start in range(0, len(x), EVALUATION_BATCH):
        out = model.predict_on_batch(x[start:start + EVALUATION_BATCH])
        chunks.append(np.asarray(out[index] if isinstance(out, (list, tuple)) else out))
    scores = np.concatenate(chunks).reshape(len(x), -1)
    probabilities = scores if outputs_probabilities(spec, main) else softmax(scores)
    return evaluate(probabilities, y, class_names, split, x=x, total=total)


def evaluation_arrays(prepared, limit: int = EVALUATION_LIMIT) -> tuple[np.ndarray, np.ndarray, str, int]:
    """(x, y, split, total) to evaluate on: up to `limit` validation samples (training ones without validation).

    `prepared` is `workbench.train.prepare`'s result: the data exactly as the run fitted it.
    """
    split = "val" if prepared.has_validation else "train"
    name = "validation" if split == "val" else "training"
    if not prepared.streamed:
        x, y = (prepared.x_val, prepared.y_val) if split == "val" else (prepared.x_train, prepared.y_train)
        return x[:limit], y[:limit], name, len(x)
    stream = prepared.dataset.stream
    total = stream.count(split)
    xs, ys, have = [], [], 0
    for x, y in stream.batches(split, 256, shuffle=False):
        xs.append(x)
        ys.append(y)
        have += len(x)
        if have >= limit:
            break
    return np.concatenate(xs)[:limit], np.concatenate(ys)[:limit], name, total


def softmax(logits: np.ndarray) -> np.ndarray:
    z = np.asarray(logits, dtype=np.float64)
    z = z - z.max(axis=1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)


@dataclass
class Evaluation:
    """A trained classifier on held-out samples: confusion matrix, per-class accuracy, hardest samples.

    Rows of `confusion` are true classes, columns predicted ones.  `samples`
    are thumbnails for image data (else None) and `features` the raw rows
    for tabular data, both indexed like `labels`.
    """

    split: str  # "validation" or "training"
    class_names: list[str]
    labels: np.ndarray
    predicted: np.ndarray
    confidence: np.ndarray  # probability given to the predicted class
    losses: np.ndarray  # cross-entropy per sample
    confusion: np.ndarray
    per_class_accuracy: np.ndarray  # NaN for a class without samples
    hardest: np.ndarray  # sample indices, highest loss first
    samples: np.ndarray | None = None
    features: np.ndarray | None = None
    total: int = 0  # samples in the split; more than len(labels) when only a part was evaluated

    @property
    def accuracy(self) -> float:
        return float((self.labels == self.predicted).mean()) if len(self.labels) else float("nan")

    def cell(self, true: int, predicted: int) -> np.ndarray:
        """Indices of the samples of class `true` predicted as `predicted`, highest loss first."""
        found = np.flatnonzero((self.labels == true) & (self.predicted == predicted))
        return found[np.argsort(-self.losses[found], kind="stable")]


def evaluate(probabilities: np.ndarray, labels: np.ndarray, class_names: list[str], split: str,
             x: np.ndarray | None = None, total: int | None = None) -> Evaluation:
    """Everything the evaluation view shows, from class probabilities (n, classes) and true labels."""
    p = np.asarray(probabilities, dtype=np.float64)
    y = np.asarray(labels).astype(np.int64)
    classes = len(class_names)
    if p.ndim != 2 or p.shape[0] != len(y) or p.shape[1] != classes:
        raise ValueError(f"probabilities of shape {p.shape} do not match {len(y)} labels of {classes} classes")
    predicted = p.argmax(axis=1)
    losses = -np.log(np.clip(p[np.arange(len(y)), y], _EPSILON, 1.0))
    confusion = np.zeros((classes, classes), dtype=np.int64)
    np.add.at(confusion, (y, predicted), 1)
    support = confusion.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        per_class = np.where(support > 0, np.diag(confusion) / np.maximum(support, 1), np.nan)
    samples = thumbnails(x) if x is not None else None
    features = None
    if x is not None and samples is None:
        features = np.asarray(x, dtype=np.float32).reshape(len(x), -1)
    return Evaluation(
        split=split,
        class_names=list(class_names),
        labels=y,
        predicted=predicted,
        confidence=p[np.arange(len(y)), predicted],
        losses=losses,
        confusion=confusion,
        per_class_accuracy=per_class,
        hardest=np.argsort(-losses, kind="stable")[:HARDEST],
        samples=samples,
        features=features,
        total=len(y) if total is None else int(total),
    )
