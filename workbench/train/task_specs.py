"""Which specs train through `TaskSession`, and the input their data is fitted to; imports no Keras.

Kept apart from `task_session` so that `preflight` can ask before
TensorFlow is imported.
"""

from __future__ import annotations

from workbench.spec.networks import NetworkSet

#: the tasks trained through TaskSession
SESSION_TASKS = ("gan", "rbm", "dbn", "hopfield")


def uses_task_session(spec) -> bool:
    """Whether `spec` (a ModelSpec or a NetworkSet) trains through `TaskSession`."""
    return isinstance(spec, NetworkSet) or getattr(spec, "task", "") in SESSION_TASKS


def input_shape_of(spec) -> tuple[int, ...]:
    """The shape the data set is fitted to: a GAN's discriminator input, else the spec's input."""
    if isinstance(spec, NetworkSet):
        return tuple(spec.network("discriminator").input_shape)
    return tuple(spec.input_shape)
