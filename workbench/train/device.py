"""Which device a run trains on, described for people ("NVIDIA H100", "CPU (AMD EPYC, 2 cores)").

Asked through the active Keras backend, because that is where the work
happens: TensorFlow's physical devices, JAX's `jax.devices()`, or torch's
CUDA query.  The processor name comes from the operating system, since no
backend reports it.
"""

from __future__ import annotations

import os
import platform
import subprocess
import sys
from dataclasses import asdict, dataclass
from functools import lru_cache


@dataclass(frozen=True)
class DeviceInfo:
    """The accelerator (or CPU) the backend will place training on."""

    backend: str
    kind: str  # "GPU", "TPU" or "CPU"
    name: str  # "NVIDIA H100 80GB HBM3" or the processor name
    count: int  # devices of that kind the backend sees
    cpu: str  # processor name, always filled (the input pipeline runs there)

    @property
    def description(self) -> str:
        if self.kind == "CPU":
            cores = os.cpu_count() or 1
            return f"CPU ({self.cpu}, {cores} cores)"
        many = f" ×{self.count}" if self.count > 1 else ""
        return f"{self.kind} {self.name}{many}"

    def to_dict(self) -> dict:
        return {**asdict(self), "description": self.description}


@lru_cache(maxsize=1)
def processor_name() -> str:
    """The CPU's marketing name, or the architecture when the OS hides it."""
    try:
        with open("/proc/cpuinfo", encoding="utf-8", errors="replace") as fh:
            for line in fh:
                if line.lower().startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    if sys.platform == "darwin":
        try:
            out = subprocess.run(
                ["sysctl", "-n", "machdep.cpu.brand_string"], capture_output=True, text=True, timeout=2
            )
            if out.returncode == 0 and out.stdout.strip():
                return out.stdout.strip()
        except (OSError, subprocess.SubprocessError):
            pass
    return platform.processor() or platform.machine() or "unknown processor"


def _tensorflow_accelerators() -> tuple[str, str, int] | None:
    import tensorflow as tf

    gpus = tf.config.list_physical_devices("GPU")
    if not gpus:
        return None
    details = tf.config.experimental.get_device_details(gpus[0])
    return "GPU", details.get("device_name") or gpus[0].name, len(gpus)


def _jax_accelerators() -> tuple[str, str, int] | None:
    import jax

    devices = [d for d in jax.devices() if d.platform != "cpu"]
    if not devices:
        return None
    kind = "TPU" if devices[0].platform == "tpu" else "GPU"
    return kind, getattr(devices[0], "device_kind", devices[0].platform), len(devices)


def _torch_accelerators() -> tuple[str, str, int] | None:
    import torch

    if not torch.cuda.is_available():
        return None
    return "GPU", torch.cuda.get_device_name(0), torch.cuda.device_count()


_PROBES = {"tensorflow": _tensorflow_accelerators, "jax": _jax_accelerators, "torch": _torch_accelerators}


def describe_device() -> DeviceInfo:
    """The device the active Keras backend trains on."""
    import keras

    backend = keras.backend.backend()
    probe = _PROBES.get(backend)
    found = probe() if probe is not None else None
    cpu = processor_name()
    if found is None:
        return DeviceInfo(backend=backend, kind="CPU", name=cpu, count=1, cpu=cpu)
    kind, name, count = found
    return DeviceInfo(backend=backend, kind=kind, name=name, count=count, cpu=cpu)
