"""Pattern data sets for Hopfield networks and the pixel scalings of the GAN and RBM tasks."""

from __future__ import annotations

import numpy as np
import pytest

from workbench.data.errors import DatasetError
from workbench.data.patterns import binary_pixels, signed_pixels
from workbench.data.registry import load_dataset


def test_random_patterns_are_seeded_pm1_with_probes_ten_bits_away():
    first = load_dataset("random_patterns", seed=3, patterns=14)
    again = load_dataset("random_patterns", seed=3, patterns=14)
    assert first.x_train.shape == (14, 100) and set(np.unique(first.x_train)) == {-1.0, 1.0}
    assert np.array_equal(first.x_train, again.x_train) and np.array_equal(first.x_val, again.x_val)
    assert list((first.x_val != first.x_train).sum(axis=1)) == [10] * 14
    assert list(first.y_val) == list(range(14)) and first.num_classes == 14
    assert not np.array_equal(first.x_train, load_dataset("random_patterns", seed=4, patterns=14).x_train)
    with pytest.raises(DatasetError, match="flips must be between 0 and 20, got 30"):
        load_dataset("random_patterns", units=20, flips=30)
    with pytest.raises(DatasetError, match="unknown option size for the 'random_patterns' data set; known: patterns, units, flips"):
        load_dataset("random_patterns", size=3)


def test_mnist_prototypes_are_ten_pm1_patterns_of_100_units():
    data = load_dataset("mnist_prototypes")
    assert data.x_train.shape == (10, 100) and set(np.unique(data.x_train)) == {-1.0, 1.0}
    assert len({row.tobytes() for row in data.x_train}) == 10


def test_pixel_scalings():
    pixels = np.array([[0, 127, 128, 255]], dtype=np.uint8)
    assert np.allclose(signed_pixels(pixels), [[-1.0, -1 / 255, 1 / 255, 1.0]], atol=1e-6)
    assert binary_pixels(pixels).tolist() == [[0.0, 0.0, 1.0, 1.0]]
    assert binary_pixels(np.array([0.2, 0.7], dtype=np.float32)).tolist() == [0.0, 1.0]
