"""The `rbm` and `dbn` tasks: an RBM trained with CD-1, and a deep belief net pre-trained greedily.

`rbm`: binarised inputs, one CD-1 step per batch (`tasks.rbm.RBMTrainer`),
validation reconstruction error (`val_reconstruction_mse`) and free energy
from its test step; the views draw Gibbs samples from the persistent (PCD)
chains and the hidden units' filters.

`dbn`: before fine-tuning, one RBM per hidden Dense layer is trained on the
layer below (`tasks.dbn.pretrained_classifier`) and copied in; the
classifier is then fine-tuned with cross-entropy.  A twin of the same
classifier from its random initialisation is fine-tuned alike, one epoch
per epoch, and reported beside it (`val_accuracy_random_init`), so the run
says what pre-training bought and does not claim more.
"""

from __future__ import annotations

import numpy as np

from workbench.data.patterns import binary_pixels

from .base import Objectives, Task, TaskError, float_inputs

#: CD-1 epochs per RBM of a DBN's pre-training (fewer when the run itself has fewer epochs)
PRETRAIN_EPOCHS = 10
#: the learning rate of each pre-training RBM (Hinton's practical guide)
PRETRAIN_RATE = 0.05


class RestrictedBoltzmann(Task):
    name = "rbm"
    inputs = "images or vectors (binarised: a unit is on above half scale)"
    targets = "none (the labels are ignored)"
    reported = ("val_reconstruction_mse",)
    validates_in_fit = True

    def arrays(self, x, y):
        return binary_pixels(np.asarray(x)), None

    def build(self, model):
        from .rbm import RBMTrainer

        try:
            return RBMTrainer(model)
        except ValueError as exc:
            raise TaskError(f"{self.spec.name}: {exc}") from None

    def saved_model(self, model):
        return model.network

    def objectives(self, has_validation: bool) -> Objectives:
        metric = "reconstruction_mse"
        return Objectives([], None, [], [self.spec.layers[-1].name], self.spec.layers[-1].name, metric,
                          f"val_{metric}" if has_validation else metric, "min")

    def compile(self, model, optimizer, *, has_validation: bool, steps_per_execution: int = 1,
                new_optimizer=None) -> Objectives:
        model.compile(optimizer=optimizer, steps_per_execution=steps_per_execution)
        return self.objectives(has_validation)

    def samples(self, model, x, y, dataset=None) -> dict[str, np.ndarray]:
        from .rbm import gibbs_samples, hidden_filters

        return {"gibbs_samples": gibbs_samples(model), "filters": hidden_filters(model.rbm)}


class DeepBelief(Task):
    name = "dbn"
    inputs = "images or vectors in [0, 1] (pixel intensities act as visible probabilities)"
    targets = "integer class labels"
    reported = ("val_accuracy", "val_accuracy_random_init")
    validates_in_fit = True
    curve_keys = reported  # pre-trained against random initialisation, epoch by epoch

    def __init__(self, spec):
        super().__init__(spec)
        self.twin = None
        self.train = None
        self.stages: list[dict] = []
        self.batch_size = 32

    def check(self, dataset) -> None:
        if not dataset.is_classification:
            raise self.refuse(dataset, "its targets are not classes")

    def objectives(self, has_validation: bool) -> Objectives:
        import keras

        outputs, output = self.single_output()
        return Objectives([keras.losses.SparseCategoricalCrossentropy()], None, ["accuracy"], outputs, output,
                          "accuracy", "val_accuracy" if has_validation else "accuracy", "max")

    def compile(self, model, optimizer, *, has_validation: bool, steps_per_execution: int = 1,
                new_optimizer=None) -> Objectives:
        objectives = super().compile(model, optimizer, has_validation=has_validation,
                                     steps_per_execution=steps_per_execution)
        self.optimizer_config = optimizer.get_config()
        self.optimizer_class = type(optimizer)
        return objectives

    def fitted(self, model, x, y, folder, config) -> None:
        """Pre-train `model`'s hidden layers greedily on `x`, keeping an untouched random-init twin.

        Each RBM trains for PRETRAIN_EPOCHS, or the run's epochs when fewer.
        """
        import keras

        from .dbn import pretrained_classifier

        self.train, self.batch_size, self.stages = (x, y), config.batch_size, []
        _, twin = pretrained_classifier(
            model, float_inputs(x), epochs=min(PRETRAIN_EPOCHS, config.epochs), learning_rate=PRETRAIN_RATE,
            batch_size=config.batch_size, seed=config.seed, on_stage=lambda index, history: self.stages.append(history))
        twin.compile(optimizer=self.optimizer_class.from_config(self.optimizer_config),
                     loss=keras.losses.SparseCategoricalCrossentropy(), metrics=["accuracy"])
        self.twin = twin

    def evaluate(self, model, x, y) -> dict[str, float]:
        """One more epoch of the random-init twin, then its validation accuracy beside the DBN's."""
        if self.twin is None:
            return {}
        self.twin.fit(*self.train, batch_size=self.batch_size, epochs=1, shuffle=True, verbose=0)
        scores = self.twin.evaluate(x, y, batch_size=256, verbose=0, return_dict=True)
        return {"val_accuracy_random_init": float(scores["accuracy"])}

    def samples(self, model, x, y, dataset=None) -> dict[str, np.ndarray]:
        """Per pre-training stage: its reconstruction error by epoch (rows: stages, NaN-padded)."""
        if not self.stages:
            return {}
        curves = [stage["reconstruction_mse"] for stage in self.stages]
        out = np.full((len(curves), max(map(len, curves))), np.nan, dtype=np.float32)
        for row, curve in enumerate(curves):
            out[row, :len(curve)] = curve
        return {"stage_reconstruction_mse": out}
