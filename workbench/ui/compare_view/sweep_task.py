"""The sweep as a background task: the same `Sweep` and reports as `workbench sweep`, events to the GUI."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ...compare.results import RunRecord
from ...compare.runner import CompareEntry
from ...compare.sweep_space import Param
from ...train.config import TrainConfig
from ..background import TaskState

TRIAL_STARTED, TRIAL_EPOCH, TRIAL_ENDED = "trialStarted", "trialEpoch", "trialEnded"


@dataclass
class SweepRequest:
    """Everything the tab's form says: what to sweep, over which space, how, and where."""

    entries: list[CompareEntry]
    dataset_name: str
    base: TrainConfig
    space: list[Param]
    out_dir: Path
    trials: int
    sampler: str = "tpe"
    prune: bool = False
    backend: Any = None
    input_shape: tuple | None = None


@dataclass
class TrialRow:
    """One trial as the table shows it: `value` is its best validation accuracy (for a pruned trial, up to
    where it stopped); `record` holds its curves."""

    number: int
    params: dict
    state: str
    value: float | None
    record: RunRecord | None = None


class SweepSink:
    """The sweep's sink, in the task's thread: each trial event becomes one of the task's queued events."""

    def __init__(self, state: TaskState):
        self.state = state

    def on_trial_started(self, number: int, params: dict) -> None:
        self.state.emit(TRIAL_STARTED, number, params)

    def on_trial_epoch(self, number: int, record: RunRecord) -> None:
        self.state.emit(TRIAL_EPOCH, number, record)

    def on_trial_ended(self, number: int, record: RunRecord, state: str) -> None:
        self.state.emit(TRIAL_ENDED, number, record, state)


def run_sweep(request: SweepRequest, state: TaskState) -> tuple[list[TrialRow], list[Path], str]:
    """In the task's thread: load the data, run the study to `request.trials`, write the reports.

    Returns every trial of the study (earlier runs of a resumed study too), the files written and why
    the importance chart is missing ("" when it is there).  A stop request reaches `Sweep.stop`.
    """
    from ...compare.sweep import Sweep, import_optuna, trial_records, write_sweep_reports
    from ...data import load_dataset

    import_optuna()  # a clear message when the optional extra is missing, before the data set loads
    base = request.base
    dataset = load_dataset(request.dataset_name, seed=base.seed, validation_split=base.validation_split)
    sweep = Sweep(request.entries, dataset, base, request.space, request.out_dir, sampler=request.sampler,
                  prune=request.prune, backend=request.backend, input_shape=request.input_shape,
                  sink=SweepSink(state))
    state.calls.attach(sweep)
    try:
        study = sweep.run(request.trials)
    finally:
        state.calls.detach()
    title = f"{dataset.name}: sweep of {', '.join(e.label for e in request.entries)}"
    paths, note = write_sweep_reports(sweep, study, title)
    rows = [TrialRow(t.number, dict(t.params), t.state.name.lower(), record.best_value, record)
            for t, record in trial_records(study)]
    return rows, paths, note
