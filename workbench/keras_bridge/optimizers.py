"""The workbench's own optimizers, registered so saved models and configs reload.

`Rprop`: resilient back-propagation (Riedmiller & Braun, "A direct adaptive
method for faster backpropagation learning: the RPROP algorithm", ICNN 1993),
in the iRprop− variant (Igel & Hüsken 2000): every weight keeps its own step
size, which grows by η+ while its gradient keeps its sign and shrinks by η−
when the sign flips; after a flip that weight does not move and its
remembered gradient is zeroed.  Only the gradient's sign is used, so the
rule needs the whole training set's gradient: with mini-batches the signs
flip from batch to batch and the steps collapse (on digits, batch 32 stalls
at MSE 0.022).  Train it full batch.
"""

from __future__ import annotations

import keras
from keras import ops

from .convert import PACKAGE


@keras.saving.register_keras_serializable(package=PACKAGE)
class Rprop(keras.optimizers.Optimizer):
    """iRprop−; `learning_rate` is the initial step size Δ0 of every weight.

    A step variable of 0 marks a weight that has not moved yet (after the
    first update every step is at least `min_step` > 0), so Δ0 is read when
    the weight first moves and a learning-rate schedule sets it.
    """

    def __init__(
        self,
        learning_rate=0.1,
        increase=1.2,
        decrease=0.5,
        max_step=50.0,
        min_step=1e-6,
        name="rprop",
        **kwargs,
    ):
        super().__init__(learning_rate=learning_rate, name=name, **kwargs)
        if not 0.0 < decrease < 1.0 < increase:
            raise ValueError(f"Rprop needs 0 < decrease < 1 < increase, got decrease={decrease}, increase={increase}")
        if not 0.0 < min_step < max_step:
            raise ValueError(f"Rprop needs 0 < min_step < max_step, got min_step={min_step}, max_step={max_step}")
        self.increase = float(increase)
        self.decrease = float(decrease)
        self.max_step = float(max_step)
        self.min_step = float(min_step)

    def build(self, variables):
        if self.built:
            return
        super().build(variables)
        self.steps = self.add_optimizer_variables(variables, "step")
        self.previous_gradients = self.add_optimizer_variables(variables, "previous_gradient")

    def update_step(self, gradient, variable, learning_rate):
        index = self._get_variable_index(variable)
        step_var, previous_var = self.steps[index], self.previous_gradients[index]
        gradient = ops.cast(gradient, variable.dtype)
        step = ops.where(ops.equal(step_var, 0.0), ops.cast(learning_rate, variable.dtype), step_var)
        agreement = ops.sign(ops.multiply(gradient, previous_var))
        step = ops.where(
            agreement > 0,
            ops.minimum(step * self.increase, self.max_step),
            ops.where(agreement < 0, ops.maximum(step * self.decrease, self.min_step), step),
        )
        gradient = ops.where(agreement < 0, ops.zeros_like(gradient), gradient)
        self.assign(step_var, step)
        self.assign(previous_var, gradient)
        self.assign_sub(variable, ops.multiply(ops.sign(gradient), step))

    def get_config(self):
        config = super().get_config()
        config.update(
            {"increase": self.increase, "decrease": self.decrease, "max_step": self.max_step, "min_step": self.min_step}
        )
        return config


CUSTOM_OPTIMIZERS = {"Rprop": Rprop}
