"""How much host memory can still be allocated: one reading for the data loaders and the Trainer.

A bottom module (standard library only), so `workbench.data` can refuse an
array that cannot fit before `workbench.train` is involved.  Callers read it
as `host_memory.free_host_memory()` so tests can substitute a figure.
"""

from __future__ import annotations

import os


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
