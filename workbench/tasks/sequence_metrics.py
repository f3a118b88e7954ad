"""Decoding and scoring token sequences, free of Qt (Keras only inside `ctc_greedy`).

Token rows are int arrays (samples × length).  A row ends at its first
end token, or at the first -1 (what CTC decoding and the digit strips pad
with); `tokens` cuts a row there, and every score compares cut rows.
"""

from __future__ import annotations

from typing import Callable

import numpy as np

#: the MSE a sequence regression must stay under for `epoch_below_0_01`
MSE_BAR = 0.01


def tokens(row, end: int | None = None) -> list[int]:
    """`row` up to (not including) its first `end` token or -1."""
    out = []
    for token in np.asarray(row).tolist():
        if token < 0 or token == end:
            break
        out.append(int(token))
    return out


def edit_distance(a: list, b: list) -> int:
    """Levenshtein distance: insertions, deletions and substitutions turning `a` into `b`."""
    previous = list(range(len(b) + 1))
    for i, x in enumerate(a, 1):
        current = [i]
        for j, y in enumerate(b, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (x != y)))
        previous = current
    return previous[-1]


def cer(predicted: np.ndarray, truth: np.ndarray, end: int | None = None) -> float:
    """Character error rate: edit distance over all rows divided by the truth's total length."""
    pairs = [(tokens(p, end), tokens(t, end)) for p, t in zip(predicted, truth)]
    total = sum(len(t) for _, t in pairs)
    return sum(edit_distance(p, t) for p, t in pairs) / max(total, 1)


def sequence_accuracy(predicted: np.ndarray, truth: np.ndarray, end: int | None = None) -> float:
    """The share of rows whose tokens (cut at the end) equal the truth's exactly."""
    if len(truth) == 0:
        return 0.0
    return float(np.mean([tokens(p, end) == tokens(t, end) for p, t in zip(predicted, truth)]))


#: seq2seq names it exact match; the same score
exact_match = sequence_accuracy


def char_accuracy(predicted: np.ndarray, truth: np.ndarray, end: int | None = None) -> float:
    """The share of the truth's tokens matched at the same position (a missing token is a miss)."""
    hits = total = 0
    for p, t in zip(predicted, truth):
        p, t = tokens(p, end), tokens(t, end)
        hits += sum(a == b for a, b in zip(p, t))
        total += len(t)
    return hits / max(total, 1)


def epoch_below(values, bar: float = MSE_BAR) -> int | None:
    """The first epoch (counted from 1) whose value is under `bar`; None if none is."""
    for epoch, value in enumerate(values, 1):
        if value < bar:
            return epoch
    return None


def epoch_below_0_01(values) -> int | None:
    """`epoch_below` with the bar 0.01 the adding-problem gates use."""
    return epoch_below(values, 0.01)


def greedy_decode(step: Callable[[np.ndarray], np.ndarray], samples: int, length: int, start: int,
                  end: int) -> np.ndarray:
    """Decode `samples` rows of `length` tokens, each step feeding back the most likely token.

    `step(decoder_inputs)` returns the next-token probabilities for every
    position (samples × length × vocabulary), as a teacher-forced decoder
    does; position t depends only on inputs up to t, so after t steps the
    inputs hold the start token and the first t chosen tokens.  After a
    row's end token its remaining tokens are `end` too.
    """
    inputs = np.zeros((samples, length), dtype=np.int32)
    inputs[:, 0] = start
    out = np.full((samples, length), end, dtype=np.int32)
    done = np.zeros(samples, dtype=bool)
    for t in range(length):
        chosen = np.asarray(step(inputs))[:, t].argmax(axis=-1).astype(np.int32)
        chosen[done] = end
        out[:, t] = chosen
        done |= chosen == end
        if t + 1 < length:
            inputs[:, t + 1] = chosen
        if done.all():
            break
    return out


def ctc_greedy(probabilities: np.ndarray, blank: int) -> np.ndarray:
    """Greedy CTC decoding of frame probabilities (samples × frames × classes): rows padded with -1.

    `keras.ops.ctc_decode` merges repeats and drops the blank; it reads
    logits, and the log of probabilities serves as well (softmax of log p
    is p).
    """
    from keras import ops

    probabilities = np.asarray(probabilities, dtype=np.float32)
    lengths = np.full(len(probabilities), probabilities.shape[1], dtype=np.int32)
    decoded, _ = ops.ctc_decode(np.log(probabilities + 1e-7), lengths, strategy="greedy", mask_index=blank)
    rows = np.asarray(ops.convert_to_numpy(decoded[0])).astype(np.int32)
    return clean_ctc(rows, blank)


def clean_ctc(rows: np.ndarray, blank: int) -> np.ndarray:
    """Decoded rows with blanks and anything after the first -1 set to -1 (the padding)."""
    rows = np.where(rows == blank, -1, rows)
    return np.where(np.cumsum(rows < 0, axis=1) > 0, -1, rows).astype(np.int32)


def best_path(probabilities: np.ndarray) -> np.ndarray:
    """The most likely class per frame (samples × frames): the alignment CTC found."""
    return np.asarray(probabilities).argmax(axis=-1).astype(np.int32)
