"""Train several specs on one data set with one configuration, one after another.

The runner is the comparison's headless core: no Qt.  The CLI calls `run()`
directly; the GUI calls it from one worker QThread and cancels from the GUI
thread.  Every entry gets its own run directory under `out_dir` (run.json,
history.csv, model.h5, as the Trainer writes them) plus `comparison-entry.json`,
the entry's leaderboard row and the settings it was trained with, so that a
second comparison into the same directory reuses what already finished.

An entry may be a multi-network preset (`NetworkSet`, a GAN): the Trainer
trains it through the same task session as `workbench train`; its record
holds the networks' parameters and multiply-adds summed (and each
network's parameters), and the task's reported metrics (`d_loss`, `g_loss`).

A failing entry (a spec that cannot take the data, a NaN loss, a crash) is
reported through the sink and recorded as failed; the others still run.
Between runs the model is dropped and Keras' state cleared (`release_memory`),
because repeated builds in one process otherwise grow its memory.
"""

from __future__ import annotations

import copy
import json
import logging
import re
import threading
import traceback
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import WorkbenchError
from ..spec import ModelSpec, analyze, with_input_shape
from ..spec.networks import NetworkSet
from ..atomic import write_text_atomic
from ..train.config import TrainConfig
from ..train.prepare import adapt_spec, task_for
from ..train.result import FINISHED as TRAIN_FINISHED
from ..train.result import STOPPED as TRAIN_STOPPED
from ..train.run_dir import MODEL_FILE
from .results import CANCELLED, FAILED, FINISHED, RunRecord

log = logging.getLogger(__name__)

ENTRY_FILE = "comparison-entry.json"
ENTRY_FORMAT = 1
#: what must be equal for an earlier run to stand in for a new one
_DATASET_KEYS = ("name", "task", "input_shape", "classes", "num_train", "num_val", "source")


@dataclass
class CompareEntry:
    """One candidate: a label for the leaderboard (also its run folder's name) and its spec (or network set)."""

    label: str
    spec: ModelSpec | NetworkSet
    source: str = ""


def make_entries(candidates: Sequence[tuple[str, ModelSpec | NetworkSet, str]]) -> list[CompareEntry]:
    """(label, spec, source) triples -> entries; a repeated label gets -2, -3 …"""
    entries: list[CompareEntry] = []
    taken: set[str] = set()
    for label, spec, source in candidates:
        unique, n = label, 1
        while unique in taken:
            n += 1
            unique = f"{label}-{n}"
        taken.add(unique)
        entries.append(CompareEntry(unique, spec, source))
    return entries


def run_folder_name(label: str) -> str:
    """A label as a safe folder name: 'ResNet-18 (mine)' -> 'ResNet-18-mine'."""
    return re.sub(r"[^A-Za-z0-9_.-]+", "-", label).strip("-.") or "run"


class ComparisonSink:
    """What a comparison reports; override any subset (the defaults do nothing).

    Records passed to the sink are copies, safe to keep in another thread.
    Order per entry: started (its parameters, MACs and memory filled in
    when the spec fits the data), (progress | epoch)*, finished (status
    finished, failed or cancelled; `reused` when an earlier run stood in);
    `on_finished` comes once, last.
    """

    def on_run_started(self, index: int, record: RunRecord) -> None: ...
    def on_run_progress(self, index: int, step: int, total_steps: int) -> None: ...
    def on_run_epoch(self, index: int, record: RunRecord) -> None: ...
    def on_run_finished(self, index: int, record: RunRecord) -> None: ...
    def on_finished(self, records: list[RunRecord]) -> None: ...


class ComparisonRunner:
    """Trains `entries` in order on `dataset` with `config`, writing under `out_dir`.

    `input_shape` overrides every spec's input (the data is fitted to it);
    otherwise each spec keeps its own and the data is fitted per model.
    `check_memory=False` trains entries whose memory estimate exceeds the free memory.
    `cancel(index)` and `cancel_all()` may be called from any thread.
    """

    def __init__(
        self,
        entries: Sequence[CompareEntry],
        dataset,
        config: TrainConfig,
        out_dir: str | Path,
        sink: Any = None,
        *,
        input_shape: Sequence[int] | None = None,
        reuse_finished: bool = True,
        check_memory: bool = True,
        backend: Any = None,
    ):
        if not entries:
            raise WorkbenchError("a comparison needs at least one preset or spec")
        labels = [e.label for e in entries]
        if len(set(labels)) != len(labels):
            raise WorkbenchError(f"each entry of a comparison needs its own label, got {labels}")
        self.entries = list(entries)
        self.dataset = dataset
        self.config = config
        self.out_dir = Path(out_dir)
        self.sink = sink if sink is not None else ComparisonSink()
        self.input_shape = tuple(input_shape) if input_shape else None
        self.reuse_finished = reuse_finished
        self.check_memory = check_memory
        self.backend = backend  # None: here, one entry after another; else e.g. `ray_backend.RayBackend`
        self.records: list[RunRecord] = []
        self._lock = threading.Lock()
        self._cancelled: set[int] = set()
        self._cancel_all = False
        self._current: tuple[int, Any] | None = None  # (index, Trainer)

    # -- control from any thread ---------------------------------------------
    def cancel(self, index: int) -> None:
        """Cancel entry `index`: stop it if it is training, skip it if it is still queued."""
        with self._lock:
            self._cancelled.add(index)
            current = self._current
        if current is not None and current[0] == index:
            current[1].stop()

    def cancel_all(self) -> None:
        """Stop the current entry and skip the rest."""
        with self._lock:
            self._cancel_all = True
            current = self._current
        if current is not None:
            current[1].stop()

    def _is_cancelled(self, index: int) -> bool:
        with self._lock:
            return self._cancel_all or index in self._cancelled

    # -- the comparison ---------------------------------------------------------
    def run(self) -> list[RunRecord]:
        """Train every entry (or reuse it); returns one record per entry, in order."""
        if self.backend is not None:
            self.records = self.backend.run(self)
            return self.records
        self.records = []
        for index, entry in enumerate(self.entries):
            record = self._run_entry(index, entry)
            self.records.append(record)
            self._emit("on_run_finished", index, copy.deepcopy(record))
        self._emit("on_finished", copy.deepcopy(self.records))
        return self.records

    def _emit(self, event: str, *args) -> None:
        handler = getattr(self.sink, event, None)
        if callable(handler):
            handler(*args)

    def run_dir(self, entry: CompareEntry) -> Path:
        return self.out_dir / run_folder_name(entry.label)

    def fitted_spec(self, entry: CompareEntry) -> ModelSpec | NetworkSet:
        """The spec as it trains: the input override applied, the head sized for the data.

        A network set trains as its preset says: its task checks the data against its networks."""
        if isinstance(entry.spec, NetworkSet):
            if self.input_shape:
                raise WorkbenchError(f"{entry.label}: holds several networks ({', '.join(entry.spec.networks)}), "
                                     f"so one input shape for every entry does not apply; set each network's "
                                     f"input in its preset")
            return entry.spec
        spec = with_input_shape(entry.spec, self.input_shape) if self.input_shape else entry.spec
        spec, _notes = adapt_spec(spec, self.dataset)
        return spec

    def _run_entry(self, index: int, entry: CompareEntry) -> RunRecord:
        record = RunRecord(preset=entry.label, source=entry.source, run_dir=str(self.run_dir(entry)))
        try:
            spec = self.fitted_spec(entry)
            record.reported = tuple(task_for(spec, self.dataset).reported)
        except WorkbenchError as exc:
            spec, problem = None, "\n".join(exc.problems)
        else:
            problem = ""
            self._measure(spec, record)
        self._emit("on_run_started", index, copy.deepcopy(record))
        if self._is_cancelled(index):
            return _ended(record, CANCELLED, "cancelled before it started")
        if spec is None:
            return _ended(record, FAILED, problem)
        earlier = self.reusable(entry, spec)
        if earlier is not None:
            return earlier
        return self._train(index, spec, record, self._entry_key(spec))

    def _measure(self, spec: ModelSpec | NetworkSet, record: RunRecord) -> None:
        """Input shape, classes, parameters, multiply-adds and training memory; a network set's summed over its
        networks (the discriminator's input is the set's), each network's parameters kept."""
        networks = spec.networks if isinstance(spec, NetworkSet) else {"": spec}
        analyses = {name: analyze(network) for name, network in networks.items()}
        if isinstance(spec, NetworkSet):
            record.network_params = {name: a.total_params for name, a in analyses.items()}
            shown = spec.networks.get("discriminator", next(iter(spec.networks.values())))
        else:
            shown = spec
        record.input_shape = tuple(shown.input_shape)
        record.classes = self.dataset.output_units
        record.params = sum(a.total_params for a in analyses.values())
        record.macs = sum(a.total_macs for a in analyses.values())
        record.training_memory = sum(a.training_memory(self.config.batch_size, self.config.optimizer)
                                     for a in analyses.values())

    def reusable(self, entry: CompareEntry, spec: ModelSpec | None = None) -> RunRecord | None:
        """The earlier finished run of `entry` in its folder with the same spec, config and data, if reuse is on."""
        if not self.reuse_finished:
            return None
        if spec is None:
            try:
                spec = self.fitted_spec(entry)
            except WorkbenchError:
                return None
        earlier = _read_finished(self.run_dir(entry), self._entry_key(spec))
        if earlier is not None:
            earlier.preset, earlier.source, earlier.run_dir = entry.label, entry.source, str(self.run_dir(entry))
            earlier.reused = True
        return earlier

    def _entry_key(self, spec: ModelSpec | NetworkSet) -> dict:
        described = self.dataset.describe()
        return {
            "spec": spec.to_dict(),
            "config": self.config.to_dict(),
            "dataset": {k: described.get(k) for k in _DATASET_KEYS},
        }

    def _train(self, index: int, spec: ModelSpec | NetworkSet, record: RunRecord, key: dict) -> RunRecord:
        from ..train.trainer import Trainer

        trainer = Trainer(self.config, check_memory=self.check_memory)
        with self._lock:
            self._current = (index, trainer)
            stop_now = self._cancel_all or index in self._cancelled
        if stop_now:
            trainer.stop()
        run_sink = _RunSink(self, index, record, trainer)
        run_dir = Path(record.run_dir)
        try:
            result = trainer.run(spec, self.dataset, run_sink, run_dir=run_dir)
            status, message = result.status, result.message
            record.train_seconds = max(result.seconds - result.paused_seconds, 0.0)
            trained_epochs = result.epochs_completed - result.initial_epoch
            model_path = result.model_path
        except Exception as exc:  # noqa: BLE001 - one broken entry must not end the comparison
            log.exception("comparison entry %s failed", record.preset)
            _write_traceback(run_dir, traceback.format_exc())
            return _ended(record, FAILED, f"{type(exc).__name__}: {exc}")
        finally:
            with self._lock:
                self._current = None
            trainer.release()
        if status == TRAIN_STOPPED and self._is_cancelled(index):
            return _ended(record, CANCELLED, message)
        if status != TRAIN_FINISHED:
            return _ended(record, FAILED, message or f"training ended with status '{status}'")
        if record.train_seconds > 0:
            record.samples_per_second = run_sink.num_train * trained_epochs / record.train_seconds
        if model_path is not None and Path(model_path).is_file():
            record.model_file = Path(model_path).name
            saved = [run_dir / f"{name}.h5" for name in spec.networks] if isinstance(spec, NetworkSet) else [model_path]
            record.model_bytes = sum(Path(p).stat().st_size for p in saved if Path(p).is_file())
        record.status = FINISHED
        _write_entry(run_dir, key, record)
        return record


class _RunSink:
    """Receives one Trainer's events and turns them into comparison events."""

    def __init__(self, runner: ComparisonRunner, index: int, record: RunRecord, trainer):
        self.runner, self.index, self.record, self.trainer = runner, index, record, trainer
        self.total_steps = 0
        self.num_train = 0
        self.elapsed = 0.0

    def on_start(self, info) -> None:
        self.total_steps = info.steps_per_epoch * max(info.epochs - info.initial_epoch, 0)
        self.num_train = info.num_train
        task = self.trainer.task  # bound by the session before it starts
        self.record.set_task(task.name, task.reported, info.monitor, info.mode)
        self.runner._emit("on_run_progress", self.index, 0, self.total_steps)

    def on_batch(self, step: int, logs: dict) -> None:
        self.runner._emit("on_run_progress", self.index, step, self.total_steps)

    def on_epoch(self, epoch: int, logs: dict) -> None:
        self.elapsed += float(logs.get("epoch_seconds") or 0.0)
        self.record.add_epoch(logs, self.elapsed)
        self.runner._emit("on_run_epoch", self.index, copy.deepcopy(self.record))


def _ended(record: RunRecord, status: str, message: str) -> RunRecord:
    record.status, record.error = status, message
    return record


def _write_entry(run_dir: Path, key: dict, record: RunRecord) -> None:
    document = {"workbench_comparison_entry": ENTRY_FORMAT, "key": key, "record": record.to_dict()}
    write_text_atomic(run_dir / ENTRY_FILE, json.dumps(document, indent=1) + "\n")


def _read_finished(run_dir: Path, key: dict) -> RunRecord | None:
    """The earlier finished record in `run_dir` if it trained exactly this spec, config and data."""
    path = run_dir / ENTRY_FILE
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError):
        return None
    if not isinstance(document, dict) or document.get("workbench_comparison_entry") != ENTRY_FORMAT:
        return None
    if _normalised(document.get("key")) != _normalised(key):
        return None
    try:
        record = RunRecord.from_dict(document["record"])
    except (KeyError, TypeError, ValueError):
        return None
    if not record.finished or not (run_dir / (record.model_file or MODEL_FILE)).is_file():
        return None
    return record


def _normalised(value: Any) -> Any:
    """Tuples and lists alike, as JSON stores them."""
    return json.loads(json.dumps(value))


def _write_traceback(run_dir: Path, text: str) -> None:
    try:
        run_dir.mkdir(parents=True, exist_ok=True)
        write_text_atomic(run_dir / "error.log", text)
    except OSError:
        log.warning("could not write %s", run_dir / "error.log")
