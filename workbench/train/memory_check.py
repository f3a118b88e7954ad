"""Will training fit in memory?  The spec's estimate against free GPU or host memory.

The Trainer calls `require_memory` before it builds a model (so the CLI, the
window and comparisons all refuse a model that cannot fit, with the numbers
and the largest batch that does); the window's panel shows `check_memory`'s
verdict while the settings are edited.

`Analysis.training_memory(batch, optimizer)` is a lower bound (weights,
gradients, optimizer slots, activations × batch), so only BUDGET of the free
memory is counted as usable.  Free host memory comes from /proc/meminfo
(MemAvailable) or `os.sysconf`; free GPU memory from `nvidia-smi`, which can
take a moment, so `query_gpu_memory` is meant for a background thread.
"""

from __future__ import annotations

import shutil
import subprocess
from dataclasses import dataclass

from workbench import host_memory as host
from workbench.spec.units import human_bytes

from .errors import TrainError

#: the share of free memory the estimate may use (frameworks add workspace and fragmentation)
BUDGET = 0.8


@dataclass(frozen=True)
class FreeMemory:
    """Free bytes where training will run, and a name for it ("host memory", "GPU NVIDIA H100")."""

    free: int
    where: str


@dataclass(frozen=True)
class MemoryCheck:
    needed: int
    available: FreeMemory | None
    batch_size: int
    largest_batch: int | None  # the largest batch that fits; None when unknown, 0 when none does

    @property
    def fits(self) -> bool:
        return self.available is None or self.needed <= self.available.free * BUDGET

    @property
    def message(self) -> str:
        need = human_bytes(self.needed)
        if self.available is None:
            return f"Needs about {need} (free memory unknown)."
        free = f"{human_bytes(self.available.free)} free {self.available.where}"
        if self.fits:
            return f"Needs about {need} of {free}."
        if not self.largest_batch:
            return f"Will not fit: needs {need}, {free}; even a batch of 1 is too large. Choose a smaller model."
        return (f"Will not fit: batch {self.batch_size} needs {need}, {free}. "
                f"The largest batch that fits is {self.largest_batch}.")


def query_gpu_memory(timeout: float = 3.0, *, whole: bool = False) -> FreeMemory | None:
    """Free (or, `whole`, total) memory of the first NVIDIA GPU via nvidia-smi; None without one.

    Blocks up to `timeout`.  The Trainer asks for the whole memory: once a
    run has trained in this process TensorFlow keeps nearly all of the GPU
    reserved, so nvidia-smi's free figure would refuse every later run of a
    window or a comparison.
    """
    tool = shutil.which("nvidia-smi")
    if tool is None:
        return None
    field = "memory.total" if whole else "memory.free"
    try:
        out = subprocess.run(
            [tool, f"--query-gpu={field},name", "--format=csv,noheader,nounits"],
            capture_output=True, text=True, timeout=timeout, check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    if out.returncode != 0 or not out.stdout.strip():
        return None
    first = out.stdout.strip().splitlines()[0]
    free, _, name = first.partition(",")
    try:
        where = f"on the GPU ({name.strip()}{', its whole memory' if whole else ''})"
        return FreeMemory(int(float(free)) * 2**20, where)
    except ValueError:
        return None


def host_memory() -> FreeMemory | None:
    free = host.free_host_memory()
    return FreeMemory(free, "in host memory") if free is not None else None


def largest_batch(analysis, optimizer: str, free: int, limit: int = 1 << 16) -> int:
    """The largest batch whose estimate fits in BUDGET × `free` (0 when not even one sample does)."""
    budget = free * BUDGET
    fixed = analysis.training_memory(0, optimizer)
    per_sample = analysis.training_memory(1, optimizer) - fixed
    if fixed + per_sample > budget:
        return 0
    if per_sample <= 0:
        return limit
    return int(min(limit, (budget - fixed) // per_sample))


def check_memory(analysis, batch_size: int, optimizer: str, available: FreeMemory | None) -> MemoryCheck:
    needed = analysis.training_memory(batch_size, optimizer)
    best = largest_batch(analysis, optimizer, available.free) if available is not None else None
    return MemoryCheck(needed, available, batch_size, best)


def memory_where(device_kind: str) -> FreeMemory | None:
    """Free memory where a run on `device_kind` ("CPU", "GPU", "TPU") keeps its tensors; None when unknown."""
    if device_kind == "GPU":
        return query_gpu_memory(whole=True)
    if device_kind == "CPU":
        return host_memory()
    return None


#: what a refusal's message says after the model's name (the window offers to train anyway when it sees it)
REFUSAL = "training will not fit in memory"


def require_memory(spec, batch_size: int, optimizer: str, available: FreeMemory | None) -> MemoryCheck:
    """Raise `TrainError` when the spec's training estimate exceeds the usable free memory.

    The message gives the estimate, the free memory, the largest batch that
    fits (or that none does) and how to override the check.
    """
    from workbench.spec import analyze

    check = check_memory(analyze(spec), batch_size, optimizer, available)
    if not check.fits:
        raise TrainError(
            f"{spec.name}: {REFUSAL}: batch {batch_size} with {optimizer} needs about "
            f"{human_bytes(check.needed)}, and {human_bytes(available.free)} is available {available.where} "
            f"({BUDGET:.0%} of it usable). "
            + (f"The largest batch that fits is {check.largest_batch}; " if check.largest_batch
               else "Even a batch of 1 does not fit: choose a smaller model; ")
            + "or train anyway (workbench train --force, or Trainer(check_memory=False))."
        )
    return check
