"""Shaping a data set for one model's input: size, channels, scale, width.

`fit_to_model(dataset, input_shape)` returns a new `Dataset` of float32
arrays (or a stream of float32 batches) whose samples have exactly the
model's input shape.  Choices, each recorded in `Dataset.notes`:

- Image size: by default images are *resized* with bilinear filtering
  (Pillow's BILINEAR weights, anti-aliased when shrinking, computed here
  with numpy on whole batches).  Resizing is the default because padding a
  small image (digits 8×8 into LeNet-5's 32×32) leaves a speck that 5×5
  kernels barely see; `resize="pad"` instead centres the image on a black
  canvas (and centre-crops when the image is larger), the way LeNet-5
  received 28×28 MNIST in 32×32.  Aspect ratio is not preserved.
- Channels: grey → RGB repeats the channel; RGB → grey takes the ITU-R 601
  luminance (0.299 R + 0.587 G + 0.114 B, Pillow's "L"); RGBA drops alpha.
- Values: uint8 and uint16 images are divided by their type's maximum;
  other images already in [0, 1] are kept, those in [0, 255] are divided
  by 255, anything else is min-max scaled with the training range.
- Flat (Dense) inputs take images flattened, resized first to a square of
  the right area when needed; (time, features) inputs take image rows as
  time steps.  Tabular rows narrower than the model's input are padded with
  zero columns; wider rows, or rows into an image model, are an error.
- Sequences (time steps × features, e.g. the adding problem) are passed
  through as float32; the model's input must take their shape.

When the fitted arrays would exceed `max_bytes` (e.g. CIFAR-10 resized to
224×224×3 for AlexNet is 30 GB), the result streams: batches are fitted on
the fly from the stored arrays.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

import numpy as np

from ..spec.units import shape_text
from .dataset import Dataset
from .errors import DatasetError

RESIZE_MODES = ("resize", "pad")
LUMINANCE = np.array([0.299, 0.587, 0.114], dtype=np.float32)
DEFAULT_MAX_BYTES = 2 << 30
_CHUNK = 4096
_CONVERSIONS = {(1, 3), (3, 1), (4, 3), (4, 1)}


def bilinear_matrix(size_in: int, size_out: int) -> np.ndarray:
    """(size_out, size_in) weights of Pillow's BILINEAR resampling along one axis.

    A triangle filter centred on each output pixel, widened by the scale when
    shrinking (so shrinking averages instead of skipping pixels), rows
    normalised to sum 1.
    """
    scale = size_in / size_out
    support = max(scale, 1.0)
    centres = (np.arange(size_out) + 0.5) * scale
    distance = np.abs((np.arange(size_in) + 0.5)[None, :] - centres[:, None]) / support
    weights = np.maximum(0.0, 1.0 - distance)
    return (weights / weights.sum(axis=1, keepdims=True)).astype(np.float32)


def resize_images(x: np.ndarray, height: int, width: int) -> np.ndarray:
    """Bilinear resize of float images (n, h, w, c) to (n, height, width, c)."""
    rows = bilinear_matrix(x.shape[1], height)
    cols = bilinear_matrix(x.shape[2], width)
    planes = np.moveaxis(x, 3, 1)  # (n, c, h, w)
    out = rows @ planes @ cols.T
    return np.ascontiguousarray(np.moveaxis(out, 1, 3))


def pad_images(x: np.ndarray, height: int, width: int) -> np.ndarray:
    """Centre images on a zero canvas of (height, width), cropping the centre if larger."""
    out = np.zeros((len(x), height, width, x.shape[3]), dtype=x.dtype)
    h, w = x.shape[1:3]
    src_r, dst_r = max((h - height) // 2, 0), max((height - h) // 2, 0)
    src_c, dst_c = max((w - width) // 2, 0), max((width - w) // 2, 0)
    rows, cols = min(h, height), min(w, width)
    out[:, dst_r:dst_r + rows, dst_c:dst_c + cols] = x[:, src_r:src_r + rows, src_c:src_c + cols]
    return out


def convert_channels(x: np.ndarray, channels: int) -> np.ndarray:
    """Grey ↔ RGB (↔ RGBA without alpha) on float images (n, h, w, c)."""
    have = x.shape[3]
    if have == channels:
        return x
    if have == 4:
        x, have = x[..., :3], 3
        if channels == 3:
            return x
    if have == 1 and channels == 3:
        return np.repeat(x, 3, axis=3)
    if have == 3 and channels == 1:
        return (x @ LUMINANCE)[..., None]
    raise DatasetError(f"cannot convert images with {x.shape[3]} channels to {channels} channels")


def value_scale(x: np.ndarray) -> tuple[float, float, str]:
    """(offset, factor, description) mapping the training values into [0, 1]."""
    if x.dtype in (np.uint8, np.uint16):
        top = float(np.iinfo(x.dtype).max)
        return 0.0, 1.0 / top, f"scaled {x.dtype} 0..{top:g} to [0, 1]"
    low, high = (float(x.min()), float(x.max())) if x.size else (0.0, 1.0)
    if low >= 0.0 and high <= 1.0:
        return 0.0, 1.0, ""
    if low >= 0.0 and high <= 255.0:
        return 0.0, 1.0 / 255.0, "scaled values 0..255 to [0, 1]"
    return low, 1.0 / (high - low), f"min-max scaled values {low:g}..{high:g} to [0, 1]"


def _image_shape_for(source: tuple, target: tuple) -> tuple[int, int, int]:
    """The (height, width, channels) image that reshapes into `target`."""
    h, w, c = source
    if len(target) == 3:
        th, tw, tc = target
        return (th or h, tw or w, tc or (3 if c == 4 else c))
    options = [c] + [k for k in (1, 3) if k != c]
    if len(target) == 1:
        (size,) = target
        if size is None or size == h * w * c:
            return (h, w, c)
        for k in options:
            side = math.isqrt(size // k)
            if size % k == 0 and side * side * k == size:
                return (side, side, k)
    if len(target) == 2:
        steps, features = target
        for k in options:
            if features is None or features % k == 0:
                return (steps or h, (features // k) if features else w, k)
    raise DatasetError(
        f"cannot fit {shape_text(source)} images to the model's input {shape_text(target)}; "
        f"an image model takes height×width×channels, a dense model a flat vector of h·w·c values"
    )


@dataclass(frozen=True)
class ImagePlan:
    """How a batch of stored images becomes model input; applied in memory or per batch."""

    source: tuple  # stored (h, w, c)
    target: tuple  # model input shape, no None
    image: tuple  # the (h, w, c) image reshaped into `target`
    resize: str = "resize"
    offset: float = 0.0
    factor: float = 1.0 / 255.0
    scale_note: str = ""

    @classmethod
    def build(cls, source, target, *, resize="resize", offset=0.0, factor=1.0 / 255.0, scale_note="") -> ImagePlan:
        if resize not in RESIZE_MODES:
            raise DatasetError(f"unknown resize mode {resize!r}; expected one of {', '.join(RESIZE_MODES)}")
        source, target = tuple(source), tuple(target)
        image = _image_shape_for(source, target)
        if image[2] != source[2] and (source[2], image[2]) not in _CONVERSIONS:
            raise DatasetError(f"cannot convert {source[2]}-channel images to the model's {image[2]} channels")
        filled = {3: image, 1: (math.prod(image),), 2: (image[0], image[1] * image[2])}[len(target)]
        return cls(source, filled, image, resize, offset, factor, scale_note)

    def retarget(self, target, resize: str | None = None) -> ImagePlan:
        """The same source and value scale fitted to another input shape."""
        return ImagePlan.build(self.source, target, resize=resize or self.resize, offset=self.offset,
                               factor=self.factor, scale_note=self.scale_note)

    def __call__(self, x: np.ndarray) -> np.ndarray:
        out = x.astype(np.float32)
        if self.offset or self.factor != 1.0:
            out = (out - np.float32(self.offset)) * np.float32(self.factor)
        out = convert_channels(out, self.image[2])
        if out.shape[1:3] != self.image[:2]:
            change = resize_images if self.resize == "resize" else pad_images
            out = change(out, *self.image[:2])
        return out.reshape((len(out),) + self.target)

    def notes(self) -> list[str]:
        (h, w, c), (th, tw, tc) = self.source, self.image
        notes = [self.scale_note] if self.scale_note else []
        if c != tc:
            names = {1: "grey", 3: "RGB", 4: "RGBA"}
            how = {1: "luminance 0.299R+0.587G+0.114B", 3: "grey repeated" if c == 1 else "alpha dropped"}[tc]
            notes.append(f"{names[c]} → {names[tc]} ({how})")
        if (h, w) != (th, tw):
            how = "bilinear resize" if self.resize == "resize" else "centred on a zero canvas"
            notes.append(f"{h}×{w} → {th}×{tw} ({how})")
        if self.target != self.image:
            notes.append(f"images reshaped to {shape_text(self.target)}")
        return notes


@dataclass(frozen=True)
class TablePlan:
    """Tabular rows widened with zero columns to the model's input width."""

    width: int
    target_width: int

    @property
    def target(self) -> tuple[int]:
        return (self.target_width,)

    def retarget(self, target, resize: str | None = None) -> TablePlan:
        """The same rows fitted to another input shape (`resize` has no meaning for rows)."""
        return table_plan(self.width, target)

    def __call__(self, x: np.ndarray) -> np.ndarray:
        out = x.astype(np.float32)
        if self.target_width > self.width:
            out = np.pad(out, ((0, 0), (0, self.target_width - self.width)))
        return out

    def notes(self) -> list[str]:
        if self.target_width == self.width:
            return []
        return [f"{self.target_width - self.width} zero columns appended ({self.width} → {self.target_width} features)"]


def table_plan(width: int, target: tuple) -> TablePlan:
    if len(target) != 1:
        raise DatasetError(
            f"cannot fit tabular data ({width} features) to the image/sequence input {shape_text(target)}; "
            f"choose a dense model or an image data set"
        )
    wanted = target[0] or width
    if wanted < width:
        raise DatasetError(
            f"the data has {width} features but the model's input takes {wanted}; "
            f"set the model's input shape to ({width},)"
        )
    return TablePlan(width, wanted)


@dataclass(frozen=True)
class SequencePlan:
    """Sequences (time steps × features) kept as they are: there is no faithful way to stretch a sequence."""

    source: tuple

    @property
    def target(self) -> tuple:
        return self.source

    def retarget(self, target, resize: str | None = None) -> SequencePlan:
        """The same sequences checked against another input shape (`resize` has no meaning for them)."""
        return sequence_plan(self.source, target)

    def __call__(self, x: np.ndarray) -> np.ndarray:
        return x.astype(np.float32)

    def notes(self) -> list[str]:
        return []


def sequence_plan(source: tuple, target: tuple) -> SequencePlan:
    """The plan for sequences shaped `source` into a model input `target` (None entries take the data's size)."""
    source = tuple(source)
    if len(target) != len(source) or any(t is not None and t != s for s, t in zip(source, target)):
        raise DatasetError(
            f"cannot fit sequences of {shape_text(source)} (time steps × features) to the model's input "
            f"{shape_text(target)}; set the model's input shape to {source}"
        )
    return SequencePlan(source)


def plan_for(dataset: Dataset, input_shape, *,
             resize: str = "resize") -> ImagePlan | TablePlan | SequencePlan:
    """The plan that fits `dataset` to `input_shape`.

    A stream's plan knows the stored samples, so a streamed data set is
    re-planned from it rather than from its current (maybe fitted) shape.
    """
    target = tuple(None if d is None else int(d) for d in input_shape)
    if not target or any(d is not None and d < 1 for d in target):
        raise DatasetError(f"the model's input shape {shape_text(target)} is not a valid sample shape")
    if dataset.stream is not None:
        return dataset.stream.plan.retarget(target, resize)
    if dataset.is_image:
        offset, factor, note = value_scale(dataset.x_train)
        return ImagePlan.build(dataset.input_shape, target, resize=resize, offset=offset, factor=factor,
                               scale_note=note)
    if len(dataset.input_shape) == 2:
        return sequence_plan(dataset.input_shape, target)
    return table_plan(dataset.input_shape[0], target)


def _apply(plan, x: np.ndarray | None) -> np.ndarray | None:
    if x is None:
        return None
    return np.concatenate([plan(x[i:i + _CHUNK]) for i in range(0, len(x), _CHUNK)]) if len(x) else plan(x)


def fit_to_model(dataset: Dataset, input_shape, *, resize: str = "resize",
                 max_bytes: int = DEFAULT_MAX_BYTES) -> Dataset:
    """A copy of `dataset` whose samples are float32 and shaped `input_shape`.

    `input_shape` is the model's input without the batch axis; `None`
    entries take the data's own size.  Streams stay streams; in-memory data
    becomes a stream when the fitted arrays would exceed `max_bytes`.
    Raises `DatasetError` naming the mismatch when the data cannot fit.
    """
    dataset.validate()
    plan = plan_for(dataset, input_shape, resize=resize)
    warnings = list(dataset.warnings)
    fitted = replace(dataset, input_shape=plan.target, warnings=warnings, notes=list(dataset.notes) + plan.notes())
    if dataset.stream is not None:
        fitted.stream = dataset.stream.with_plan(plan, warnings)
        fitted.notes = fitted.stream.notes()  # planned from the stored samples, so earlier notes no longer apply
        return fitted
    needed = (dataset.num_train + dataset.num_val) * math.prod(plan.target) * 4
    if needed > max_bytes:
        from .streaming import ArrayStream

        reason = f"fitted per batch while training ({needed / 2**30:.1f} GiB would not fit in memory)"
        fitted.stream = ArrayStream(plan, dataset.x_train, dataset.y_train, dataset.x_val, dataset.y_val, reason)
        fitted.x_train = fitted.x_val = None
        fitted.notes.append(reason)
        return fitted
    fitted.x_train = _apply(plan, dataset.x_train)
    fitted.x_val = _apply(plan, dataset.x_val)
    return fitted
