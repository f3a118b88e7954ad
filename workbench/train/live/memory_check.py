"""Will training fit in memory?  The spec's estimate against free GPU or host memory.

`Analysis.training_memory(batch, optimizer)` is a lower bound (weights,
gradients, optimizer slots, activations × batch), so only BUDGET of the free
memory is counted as usable.  Free host memory comes from /proc/meminfo
(MemAvailable) or `os.sysconf`; free GPU memory from `nvidia-smi`, which can
take a moment, so `query_gpu_memory` is meant for a background thread.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from dataclasses import dataclass

from workbench.spec.units import human_bytes

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


def free_host_memory() -> int | None:
    """Bytes the kernel says can be allocated without swapping (MemAvailable), else free pages."""
    try:
        with open("/proc/meminfo", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    try:
        return os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError, AttributeError):
        return None


def query_gpu_memory(timeout: float = 3.0) -> FreeMemory | None:
    """Free memory of the first NVIDIA GPU via nvidia-smi; None without one (blocks up to `timeout`)."""
    tool = shutil.which("nvidia-smi")
    if tool is None:
        return None
    try:
        out = subprocess.run(
            [tool, "--query-gpu=memory.free,name", "--format=csv,noheader,nounits"],
            capture_output=True, text=True, timeout=timeout, check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    if out.returncode != 0 or not out.stdout.strip():
        return None
    first = out.stdout.strip().splitlines()[0]
    free, _, name = first.partition(",")
    try:
        return FreeMemory(int(float(free)) * 2**20, f"on the GPU ({name.strip()})")
    except ValueError:
        return None


def host_memory() -> FreeMemory | None:
    free = free_host_memory()
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
