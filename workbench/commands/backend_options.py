"""`--backend local|ray`, `--address`, `--workers` and the run slot: shared by `compare` and `sweep`."""

from __future__ import annotations

import sys


def add_backend_options(p) -> None:
    g = p.add_argument_group("where the runs train")
    g.add_argument("--backend", choices=("local", "ray"), default="local",
                   help="local: one run after another in this process (default); ray: each run a Ray task")
    g.add_argument("--address", help="Ray cluster address (default RAY_ADDRESS, else a local cluster)")
    g.add_argument("--workers", type=int, help="CPUs of the local Ray cluster (default: all cores)")
    g.add_argument("--cpus-per-run", type=float, default=1.0, help="CPUs each Ray run asks for (default 1)")
    g.add_argument("--gpus-per-run", type=float, default=0.0, help="GPUs each Ray run asks for (default 0)")


def backend_from_args(args):
    """None for the local backend; a `RayBackend` (Ray imported, or a message saying how to install it)."""
    if args.backend != "ray":
        return None
    from ..compare.ray_backend import RayBackend, import_ray
    from ..errors import WorkbenchError

    import_ray()
    if args.workers is not None and args.workers < 1:
        raise WorkbenchError(f"--workers must be at least 1, got {args.workers}")
    return RayBackend(address=args.address, workers=args.workers,
                      cpus_per_run=args.cpus_per_run, gpus_per_run=args.gpus_per_run)


def report_startup(backend) -> None:
    if backend is not None and backend.startup_seconds:
        print(f"Ray started in {backend.startup_seconds:.1f} s", file=sys.stderr)
