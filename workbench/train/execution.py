"""How many batches one compiled call runs (`steps_per_execution`), chosen from the model's size.

`TrainConfig(steps_per_execution="auto")`, the default for the CLI, the
window and comparisons alike, asks the Trainer to choose.  Keras returns to
Python after every batch when a callback listens to
batches, and for a small model that round trip costs more than the batch
itself (LeNet-5 on a CPU: ~4 ms of arithmetic per batch of 32).  Running
several batches per call amortises it; the window then hears of every n-th
batch, and Stop and Pause act after the call in flight.  The estimate aims
at TARGET_SECONDS of arithmetic per call, so large models keep one batch per
call and Stop stays prompt.
"""

from __future__ import annotations

import math

from .config import AUTO

#: sustained multiply-add throughput assumed for the estimate (FLOP/s): modest, so the choice errs small
CPU_FLOPS = 20e9
GPU_FLOPS = 2e12
#: forward + backward ≈ 3 × forward, 2 FLOPs per multiply-accumulate
FLOPS_PER_MAC = 6
TARGET_SECONDS = 0.02
MAX_STEPS = 16


def auto_steps_per_execution(total_macs: int, batch_size: int, steps_per_epoch: int, on_gpu: bool = False) -> int:
    """Batches per compiled call: enough for ~20 ms of arithmetic, at most 16 and at most an epoch."""
    seconds = FLOPS_PER_MAC * max(total_macs, 1) * batch_size / (GPU_FLOPS if on_gpu else CPU_FLOPS)
    steps = math.floor(TARGET_SECONDS / seconds) if seconds > 0 else MAX_STEPS
    return max(1, min(MAX_STEPS, steps, steps_per_epoch))


def steps_per_execution(config, total_macs: int, steps_per_epoch: int, on_gpu: bool) -> int:
    """The batches per call a run uses: the configured number, or the automatic choice for "auto"."""
    if config.steps_per_execution != AUTO:
        return config.steps_per_execution
    return auto_steps_per_execution(total_macs, config.batch_size, steps_per_epoch, on_gpu)
