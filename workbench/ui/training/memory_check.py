"""The training-memory check lives in `workbench.train.memory_check`, where the Trainer uses it
before every run; the panel imports these names from here."""

from workbench.train.memory_check import (
    BUDGET,
    FreeMemory,
    MemoryCheck,
    check_memory,
    host_memory,
    largest_batch,
    query_gpu_memory,
)

__all__ = ["BUDGET", "FreeMemory", "MemoryCheck", "check_memory", "host_memory", "largest_batch", "query_gpu_memory"]
