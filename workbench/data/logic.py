"""Truth tables of two-input logic gates: the perceptron's four-point lessons.

AND and OR are linearly separable, so Rosenblatt's perceptron finds a line
through the input plane that separates them; XOR is not, and a single step
unit never gets more than three of its four points right.  The table is its
own validation set (there is nothing else to test on), so every epoch
reports how many of the four points the model gets right.
"""

from __future__ import annotations

import numpy as np

from .dataset import Dataset

#: the four input points, in the order every table lists them
POINTS = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=np.float32)
GATES = {
    "logic_and": (0, 0, 0, 1),
    "logic_or": (0, 1, 1, 1),
    "logic_xor": (0, 1, 1, 0),
}


def truth_table(name: str) -> Dataset:
    """Inputs in {0, 1}², class 0 (false) or 1 (true); validation = the same four points."""
    y = np.array(GATES[name], dtype=np.int32)
    return Dataset(
        name=name, task="tabular_classification", input_shape=(2,), class_names=["false", "true"],
        x_train=POINTS.copy(), y_train=y, x_val=POINTS.copy(), y_val=y.copy(),
        source=f"truth table of {name.split('_')[1].upper()}",
        notes=["the four points are both the training and the validation set"],
    )


def load_logic_and(*, seed: int, validation_split: float) -> Dataset:
    return truth_table("logic_and")


def load_logic_or(*, seed: int, validation_split: float) -> Dataset:
    return truth_table("logic_or")


def load_logic_xor(*, seed: int, validation_split: float) -> Dataset:
    return truth_table("logic_xor")
