"""The comparison as a background task: load the data, run the runner, write the reports; events to the GUI."""

from __future__ import annotations

from pathlib import Path


from ...compare.report import comparison_document, write_reports
from ...compare.results import RunRecord
from ...compare.runner import CompareEntry, ComparisonRunner
from ..background import TaskState

# -- the worker ------------------------------------------------------------------------
RUN_STARTED, RUN_PROGRESS, RUN_EPOCH, RUN_FINISHED = "runStarted", "runProgress", "runEpoch", "runFinished"


class CompareSink:
    """The runner's sink, in the task's thread: every runner event becomes one of the task's queued events."""

    def __init__(self, state: TaskState):
        self.state = state

    def on_run_started(self, index: int, record: RunRecord) -> None:
        self.state.emit(RUN_STARTED, index, record)

    def on_run_progress(self, index: int, step: int, total_steps: int) -> None:
        self.state.emit(RUN_PROGRESS, index, step, total_steps)

    def on_run_epoch(self, index: int, record: RunRecord) -> None:
        self.state.emit(RUN_EPOCH, index, record)

    def on_run_finished(self, index: int, record: RunRecord) -> None:
        self.state.emit(RUN_FINISHED, index, record)


def run_comparison(entries: list[CompareEntry], dataset_name: str, config, out_dir: Path, input_shape,
                   backend, state: TaskState) -> tuple[list[RunRecord], dict]:
    """In the task's thread: load the data, run the comparison, write the reports; (records, comparison.json).

    Cancel requests made before the runner exists wait in `state.calls` and reach it once it is attached;
    on Ray (`backend` a `RayBackend`) the runner passes them on to the workers.
    """
    from ...data import load_dataset

    dataset = load_dataset(dataset_name, seed=config.seed, validation_split=config.validation_split)
    runner = ComparisonRunner(entries, dataset, config, out_dir, CompareSink(state), input_shape=input_shape,
                               backend=backend)
    state.calls.attach(runner)
    try:
        records = runner.run()
    finally:
        state.calls.detach()
    document = comparison_document(records, dataset=dataset.describe(), config=config.to_dict(),
                                   input_shape=input_shape)
    write_reports(out_dir, records, document, title=dataset.name)
    return records, document
