"""Captioning: a CNN reads the image, a recurrent decoder writes its caption word by word.

The seq2seq task with an image as the source: the model's inputs are the
image and the decoder's words (the caption shifted right behind the start
token in training), the loss stops after each caption's end token, and
after each epoch greedy decoding gives `caption_exact`, the share of
captions right word for word.  The view shows images with their decoded
captions.
"""

from __future__ import annotations

import numpy as np

from workbench.data.caption_scenes import END, START, WORDS

from .base import VIEW_SAMPLES, float_inputs
from .seq2seq import Seq2Seq


class Captioning(Seq2Seq):
    name = "captioning"
    inputs = "images (height × width × channels)"
    targets = "caption rows of word tokens ending in the end token (e.g. the shape_scenes data set)"
    reported = ("caption_exact", "char_accuracy")
    dataset = "shape_scenes"
    start, end = START, END
    exact_name = "caption_exact"
    separator = " "

    def source(self, x):
        return float_inputs(np.asarray(x))

    def samples(self, model, x, y, dataset=None):
        """The first validation images with decoded and true captions."""
        vocabulary = dataset.class_names if dataset is not None else WORDS
        images = x[0][:VIEW_SAMPLES]
        decoded = self.decode(model, images, y.shape[1])
        return {
            "images": images,
            "decoded": np.array([self.text(r, vocabulary) for r in decoded]),
            "truth": np.array([self.text(r, vocabulary) for r in y[:VIEW_SAMPLES]]),
        }
