"""The `ray` execution backend: each comparison entry (or sweep trial) one Ray task on its own slot.

Training one model across machines does not work with Keras 3 on TensorFlow
(MultiWorkerMirroredStrategy fails on PerReplica values), so the unit of
distribution is a whole run: every entry is one task asking for
`{"CPU": cpus_per_run, "GPU": gpus_per_run}`, running the workbench's own
runner in the worker (`ray_worker.train_entry`).  The driver keeps the
comparison's contract: the sink sees started/progress/epoch/finished per entry
(entries now overlap), `cancel(i)`/`cancel_all()` on the runner reach the
worker's Trainer, the run folders (`model.h5`, `run.json`, …) land in the
comparison's own output folder, and a worker process that dies fails only its
own entry.

Without an address a local cluster is started (`num_cpus=workers`, no
dashboard).  With `--address`/`RAY_ADDRESS` the workbench package is shipped
to the cluster through `runtime_env={"py_modules": [...]}`; the nodes need
Python 3.11 with the workbench's dependencies (Keras, TensorFlow, h5py, …)
installed, as `pip install keras-workbench[ray]` brings them.
"""

from __future__ import annotations

import copy
import io
import os
import secrets
import time
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

from ..errors import WorkbenchError
from ..export.runtimes import replace_folder
from .results import FAILED, RunRecord

INSTALL_HINT = "the ray backend needs Ray: pip install 'keras-workbench[ray]'"
#: how long the driver waits for a finished task before it relays events and cancels again (seconds)
POLL_SECONDS = 0.2
_WORKER_ENV = {"TF_CPP_MIN_LOG_LEVEL": "2"}


def import_ray():
    """The `ray` module, or a message naming the extra that installs it."""
    try:
        import ray
    except ImportError:
        raise WorkbenchError(INSTALL_HINT) from None
    return ray


def connect(address: str | None = None, workers: int | None = None) -> float:
    """Join the cluster at `address` (or RAY_ADDRESS), or start a local one; returns seconds it took.

    An already initialised Ray (a test's fixture, the window's second run) is reused as it is.
    """
    ray = import_ray()
    if ray.is_initialized():
        return 0.0
    started = time.perf_counter()
    address = address or os.environ.get("RAY_ADDRESS") or None
    if address:
        package = str(Path(__file__).resolve().parents[1])
        ray.init(address=address, log_to_driver=False,
                 runtime_env={"py_modules": [package], "env_vars": dict(_WORKER_ENV)})
    else:
        ray.init(num_cpus=workers or os.cpu_count() or 1, include_dashboard=False, log_to_driver=False,
                 runtime_env={"env_vars": dict(_WORKER_ENV)})
    return time.perf_counter() - started


@dataclass
class RayBackend:
    """Where and how big: the cluster address (None: local), local workers, and each run's slot."""

    address: str | None = None
    workers: int | None = None
    cpus_per_run: float = 1.0
    gpus_per_run: float = 0.0
    startup_seconds: float = 0.0

    def pool(self, dataset, on_event: Callable[[Any, str, Any], None]) -> "RayPool":
        self.startup_seconds = connect(self.address, self.workers)
        return RayPool(self, dataset, on_event)

    def run(self, runner) -> list[RunRecord]:
        """`ComparisonRunner.run` on Ray: reuse what finished, submit the rest, relay events, gather."""
        records: list[RunRecord | None] = [None] * len(runner.entries)
        relay = _Relay(runner)
        pool = self.pool(runner.dataset, relay)
        for index, entry in enumerate(runner.entries):
            earlier = runner.reusable(entry)
            if earlier is not None:
                records[index] = earlier
                runner._emit("on_run_started", index, copy.deepcopy(earlier))
                runner._emit("on_run_finished", index, copy.deepcopy(earlier))
            else:
                pool.submit(index, entry, runner.config, runner.input_shape, runner.run_dir(entry),
                            runner.check_memory)
        while pool.pending:
            for index in pool.pending:
                if runner._is_cancelled(index):
                    pool.cancel(index)
            for index, record in pool.poll():
                records[index] = relay.finish(index, record)
                runner._emit("on_run_finished", index, copy.deepcopy(record))
        pool.close()
        runner._emit("on_finished", copy.deepcopy(records))
        return records


class _Relay:
    """Worker events -> the runner's sink, with the entry's index; the latest record kept per entry."""

    def __init__(self, runner):
        self.runner = runner

    def __call__(self, index, kind: str, payload) -> None:
        if kind == "started":
            self.runner._emit("on_run_started", index, RunRecord.from_dict(payload))
        elif kind == "progress":
            self.runner._emit("on_run_progress", index, *payload)
        elif kind == "epoch":
            self.runner._emit("on_run_epoch", index, RunRecord.from_dict(payload))

    def finish(self, index: int, record: RunRecord) -> RunRecord:
        entry = self.runner.entries[index]
        record.preset, record.source = entry.label, entry.source
        return record


class RayPool:
    """Tasks in flight keyed by the caller's key (entry index, trial number); events relayed by `poll`."""

    def __init__(self, backend: RayBackend, dataset, on_event: Callable[[Any, str, Any], None]):
        from .ray_worker import Control, train_entry

        self.ray = import_ray()
        self.backend = backend
        self.on_event = on_event
        self.control = self.ray.remote(num_cpus=0)(Control).remote()
        self.dataset_ref = self.ray.put(dataset)
        self._task = self.ray.remote(train_entry).options(
            num_cpus=backend.cpus_per_run, num_gpus=backend.gpus_per_run, max_retries=0)
        self._refs: dict[Any, Any] = {}  # key -> ObjectRef
        self._targets: dict[Any, Path] = {}
        self._latest: dict[Any, RunRecord] = {}
        self._cancelled: set = set()
        self.worker_pids: dict[Any, int] = {}

    def slots(self) -> float:
        """How many runs fit on the cluster at once, by CPUs (and GPUs when a run asks for some)."""
        total = self.ray.cluster_resources()
        fits = [total.get("CPU", 1.0) / self.backend.cpus_per_run] if self.backend.cpus_per_run else []
        if self.backend.gpus_per_run:
            fits.append(total.get("GPU", 0.0) / self.backend.gpus_per_run)
        return max(min(fits), 1.0) if fits else 1.0

    @property
    def pending(self) -> list:
        return list(self._refs)

    def submit(self, key, entry, config, input_shape, run_dir: str | Path, check_memory: bool = True) -> None:
        """Queue one run; its folder will be `run_dir` on this machine."""
        self._targets[key] = Path(run_dir)
        self._latest[key] = RunRecord(preset=entry.label, source=entry.source, run_dir=str(run_dir))
        self._refs[key] = self._task.remote(key, self.control, entry, self.dataset_ref, config, input_shape,
                                            check_memory)

    def cancel(self, key) -> None:
        if key in self._refs and key not in self._cancelled:
            self._cancelled.add(key)
            self.control.cancel.remote(key)

    def cancel_all(self) -> None:
        for key in self.pending:
            self.cancel(key)

    def poll(self, timeout: float = POLL_SECONDS) -> list[tuple[Any, RunRecord]]:
        """Relay the queued events; return the runs that ended since the last call."""
        by_ref = {ref: key for key, ref in self._refs.items()}
        ready, _ = self.ray.wait(list(by_ref), num_returns=len(by_ref), timeout=timeout) if by_ref else ([], [])
        self._relay(self.ray.get(self.control.drain.remote()))
        ended = []
        for ref in ready:
            key = by_ref[ref]
            del self._refs[key]
            ended.append((key, self._collect(key, ref)))
        return ended

    def _relay(self, events: list[tuple]) -> None:
        for key, kind, payload in events:
            if kind == "pid":
                self.worker_pids[key] = payload
                continue
            if kind in ("started", "epoch"):
                record = RunRecord.from_dict(payload)
                record.run_dir = str(self._targets[key])
                self._latest[key] = record
                payload = record.to_dict()
            self.on_event(key, kind, payload)

    def _collect(self, key, ref) -> RunRecord:
        """The run's record with its folder unpacked here, or the last record marked failed."""
        try:
            document, archive = self.ray.get(ref)
        except self.ray.exceptions.RayTaskError as exc:
            return _failed(self._latest[key], f"{type(exc.cause).__name__}: {exc.cause}")
        except self.ray.exceptions.RayError as exc:
            return _failed(self._latest[key], f"the Ray worker running it ended ({type(exc).__name__}: "
                                              f"{str(exc).splitlines()[0] if str(exc) else 'no reason given'})")
        record = RunRecord.from_dict(document)
        target = self._targets[key]
        _unpack(archive, target)
        record.run_dir = str(target)
        return record

    def close(self) -> None:
        self.ray.kill(self.control)


def _failed(record: RunRecord, message: str) -> RunRecord:
    record = copy.deepcopy(record)
    record.status, record.error = FAILED, message
    return record


def _unpack(archive: bytes, target: Path) -> None:
    """The worker's run folder, extracted next to `target` and swapped in whole."""
    target.parent.mkdir(parents=True, exist_ok=True)
    temp = target.with_name(f".{target.name}.{secrets.token_hex(4)}.tmp")
    with zipfile.ZipFile(io.BytesIO(archive)) as files:
        for name in files.namelist():
            if name.startswith("/") or ".." in Path(name).parts:
                raise WorkbenchError(f"{target}: the run folder from the worker holds an unsafe path '{name}'")
        files.extractall(temp)
    replace_folder(temp, target)
