"""The numbers behind the evaluation and weight views, computed from plain arrays.

The worker thread calls these with what it pulled from the model (class
probabilities, kernels); the GUI thread receives the finished dataclasses
and only draws them.  Pure numpy, no Keras and no Qt, so they are tested
directly.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from workbench.data.fitting import resize_images

from .mosaic import Mosaic

#: histogram bins: about √n, within these bounds
HISTOGRAM_BINS = (12, 48)
#: hardest samples listed by the evaluation view
HARDEST = 48
#: longest side of a sample thumbnail in the evaluation and preview views
THUMB_SIDE = 48
#: clip for log(p) so a confidently wrong sample has a large but finite loss
_EPSILON = 1e-7


def histogram(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(counts, edges) of the finite values in about √n bins; a constant array gets bins around its value."""
    v = np.asarray(values, dtype=np.float64).ravel()
    v = v[np.isfinite(v)]
    low_bins, high_bins = HISTOGRAM_BINS
    bins = int(np.clip(round(np.sqrt(v.size)), low_bins, high_bins))
    if v.size == 0:
        return np.zeros(bins, dtype=np.int64), np.linspace(-1.0, 1.0, bins + 1)
    low, high = float(v.min()), float(v.max())
    if high <= low:
        low, high = low - 0.5, high + 0.5
    counts, edges = np.histogram(v, bins=bins, range=(low, high))
    return counts, edges


@dataclass
class WeightSnapshot:
    """What the weight views show after one epoch.

    `filters`: the first convolution's kernels as a mosaic (None without a
    2-D convolution); `histograms`: kernel name -> (counts, edges);
    `reuse`: dense block name -> (readers × sources) mean absolute weights.
    """

    epoch: int
    filters_layer: str | None = None
    filters: Mosaic | None = None
    histograms: dict[str, tuple[np.ndarray, np.ndarray]] = field(default_factory=dict)
    reuse: dict[str, np.ndarray] = field(default_factory=dict)


def thumbnails(x: np.ndarray, side: int = THUMB_SIDE) -> np.ndarray | None:
    """uint8 images (n, h, w) or (n, h, w, 3) no larger than `side`, from float images in [0, 1].

    None for samples that are not images (tabular rows).
    """
    a = np.asarray(x)
    if a.ndim != 4 or a.shape[3] not in (1, 3, 4):
        return None
    a = a[..., :3].astype(np.float32, copy=False)
    h, w = a.shape[1:3]
    scale = side / max(h, w)
    if scale < 1.0:
        a = resize_images(a, max(1, round(h * scale)), max(1, round(w * scale)))
    out = np.clip(a * 255.0 + 0.5, 0, 255).astype(np.uint8)
    return out[..., 0] if out.shape[3] == 1 else out


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
