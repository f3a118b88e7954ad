"""The CLI's model options: `--input-shape` and `--classes` applied to a spec.

Models are opened by `workbench.keras_bridge.targets.open_model`, shared with
the window; this module adds the flag names to its messages, since only the
CLI knows which flag a value came from.
"""

from __future__ import annotations

from ..errors import WorkbenchError
from ..keras_bridge.targets import parse_shape
from ..spec import ModelSpec, with_classes, with_input_shape


def input_shape_option(text: str) -> tuple[int, ...]:
    """The value of `--input-shape` ('224,224,3'); a bad value's message starts with the flag."""
    try:
        return parse_shape(text)
    except WorkbenchError as exc:
        raise WorkbenchError([f"--input-shape: {p}" for p in exc.problems]) from None


def apply_overrides(spec: ModelSpec, input_shape: str | None, classes: int | None) -> ModelSpec:
    if input_shape:
        spec = with_input_shape(spec, input_shape_option(input_shape))
    if classes is not None:
        try:
            spec = with_classes(spec, classes)
        except ValueError as exc:
            raise WorkbenchError(f"--classes: {exc}") from None
    return spec
