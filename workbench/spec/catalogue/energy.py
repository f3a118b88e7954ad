"""Energy-based layers: the restricted Boltzmann machine and the Hopfield network.

Neither is trained by back-propagation (their learning rules live in
`workbench.tasks.rbm` and `workbench.tasks.hopfield`), but both are layers of
a graph like any other, so the spec counts their weights exactly as Keras does.
"""

from __future__ import annotations

from .base import Cost, LayerKind, Param, ShapeError


def _rbm_shape(cfg, ins):
    if ins[0][-1] is None:
        raise ShapeError(f"needs a known number of visible units, got input {ins[0]}")
    return ins[0][:-1] + (cfg["units"],)


def _rbm_cost(cfg, ins, out):
    """W (visible × hidden), a hidden bias and a visible bias, all learned by contrastive divergence."""
    visible = ins[0][-1] or 0
    return Cost(trainable=visible * cfg["units"] + cfg["units"] + visible, macs=visible * cfg["units"])


def _hopfield_shape(cfg, ins):
    if ins[0][-1] is None:
        raise ShapeError(f"needs a known number of units, got input {ins[0]}")
    return tuple(ins[0])


def _hopfield_cost(cfg, ins, out):
    """W is N × N and stored, not trained: Keras counts it as non-trainable."""
    units = ins[0][-1] or 0
    return Cost(non_trainable=units * units, macs=units * units)


KINDS = [
    LayerKind(
        type="RBM",
        category="energy",
        params=[Param("units", "int", required=True, minimum=1, help="hidden units")],
        shape=_rbm_shape,
        cost=_rbm_cost,
        input_rank=(1,),
        doc="restricted Boltzmann machine: outputs P(h = 1 | v); trained with CD-1 by the rbm task",
    ),
    LayerKind(
        type="Hopfield",
        category="energy",
        params=[Param("rule", "choice", "hebbian", choices=("hebbian", "pseudo_inverse"))],
        shape=_hopfield_shape,
        cost=_hopfield_cost,
        input_rank=(1,),
        doc="±1 units, symmetric W with zero diagonal; stores patterns, recalls asynchronously",
    ),
]
