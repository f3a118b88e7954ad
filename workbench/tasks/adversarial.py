"""The `gan` task: a generator and a discriminator trained against each other (`tasks.gan` holds the step).

Bound to a `NetworkSet` rather than one spec: `build` receives both built
networks and returns the `GANTrainer` that `fit()` drives.  A generator with
a second (label) input makes the run a conditional GAN: the arrays then
carry one-hot labels, and after each epoch `label_agreement` measures the
share of generated digits that a LeNet-5, trained once on the same images
and cached in the run folder, reads as the digit asked for.  The images are
scaled to [−1, 1], the range of the generator's tanh.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from workbench.data.patterns import signed_pixels
from workbench.spec.networks import GAN_NETWORKS, NetworkSet, fit_problems

from .base import Objectives, Task, TaskError

#: the file the agreement classifier is cached in, inside the run folder
CLASSIFIER_FILE = "agreement_lenet5.h5"


class Adversarial(Task):
    name = "gan"
    inputs = "images (scaled to [−1, 1] for the generator's tanh)"
    targets = "class labels for a conditional GAN (one-hot), none otherwise"
    reported = ("d_loss", "g_loss", "label_agreement")
    #: no validation pass inside fit(): the GAN step has no test counterpart
    validates_in_fit = False
    trains_on_validation = True
    #: the discriminator's mean output on real and on generated images, and the cDCGAN's agreement, per epoch
    curve_keys = ("d_real", "d_fake", "label_agreement")

    def __init__(self, spec: NetworkSet):
        if not isinstance(spec, NetworkSet):
            raise TaskError(f"{spec.name}: the gan task needs a multi-network preset with "
                            f"{' and '.join(GAN_NETWORKS)} networks")
        problems = fit_problems(spec)
        if problems:
            raise TaskError(problems)
        super().__init__(spec)
        self.conditional = len(spec.network("generator").input_names()) > 1
        self.classifier = None
        self.noise = None

    def check(self, dataset) -> None:
        shape = tuple(self.spec.network("discriminator").input_shape)
        if tuple(dataset.input_shape) != shape:
            raise self.refuse(dataset, f"its images are {list(dataset.input_shape)}, the discriminator reads {list(shape)}")
        if self.conditional and (not dataset.is_classification or dataset.num_classes < 2):
            raise self.refuse(dataset, "a conditional GAN needs class labels")

    def arrays(self, x, y):
        images = signed_pixels(np.asarray(x))
        if not self.conditional:
            return images, None
        classes = self._classes()
        return images, np.eye(classes, dtype=np.float32)[np.asarray(y, dtype=np.int64)]

    def _classes(self) -> int:
        generator = self.spec.network("generator")
        label = next(l for l in generator.layers if l.type == "Input")
        return int(label.config["shape"][-1])

    def build(self, models):
        from .gan import GANTrainer

        return GANTrainer(models["generator"], models["discriminator"])

    def saved_model(self, model):
        return model.generator

    def saved_models(self, model) -> dict:
        """`generator.h5` and `discriminator.h5`: each plain functional network."""
        return {f"{name}.h5": getattr(model, name) for name in GAN_NETWORKS}

    def objectives(self, has_validation: bool) -> Objectives:
        metric = "label_agreement" if self.conditional else "g_loss"
        return Objectives([], None, [], ["generator"], "generator", metric, metric,
                          "max" if self.conditional else "min")

    def compile(self, model, optimizer, *, has_validation: bool, steps_per_execution: int = 1,
                new_optimizer=None) -> Objectives:
        """`optimizer` for the generator, `new_optimizer()` for the discriminator; an Adam takes β₁ = 0.5 (Radford et al.)."""
        if new_optimizer is None:
            raise TaskError(f"{self.spec.name}: a GAN needs one optimizer per network; give compile new_optimizer")
        discriminator = new_optimizer()
        for made in (optimizer, discriminator):
            if type(made).__name__ == "Adam":
                made.beta_1 = 0.5
        model.compile(d_optimizer=discriminator, g_optimizer=optimizer, steps_per_execution=steps_per_execution)
        return self.objectives(has_validation)

    def fitted(self, model, x, y, folder, config) -> None:
        """Train (or reopen) the agreement classifier on the training images, for a conditional GAN."""
        if not self.conditional:
            return
        from .gan import agreement_classifier

        cache = Path(folder) / CLASSIFIER_FILE if folder is not None else None
        self.classifier = agreement_classifier(x, np.argmax(y, axis=-1), seed=config.seed, cache=cache)

    def evaluate(self, model, x, y) -> dict[str, float]:
        if self.classifier is None:
            return {}
        from .gan import label_agreement

        return {"label_agreement": label_agreement(model.generator, self.classifier)}

    def samples(self, model, x, y, dataset=None) -> dict[str, np.ndarray]:
        """The 10 × 10 grid for the same noise every epoch (row r asks for digit r when conditional)."""
        from .gan import fixed_noise, sample_grid

        if self.noise is None:
            self.noise = fixed_noise(model.latent_dim)
        return {"samples": sample_grid(model.generator, self.noise)}  # what the sample-grid view draws
