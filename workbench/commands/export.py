"""`workbench export` and `workbench datasets`."""

from __future__ import annotations

from ..keras_bridge.targets import open_model
from ..spec import analyze
from ..spec.units import human_bytes, shape_text
from ..quiet_tensorflow import import_keras_quietly
from .targets import apply_overrides


def run_export(args) -> int:
    from ..errors import WorkbenchError
    from ..export import SUFFIXES, export_model
    from ..export.runtimes import RUNTIME_SUFFIXES, export_runtime, require, runtime_format

    spec = apply_overrides(open_model(args.target), args.input_shape, args.classes)
    errors = analyze(spec).errors
    if errors:
        raise WorkbenchError([f"{args.target}: layer {p}" for p in errors])
    runtime = runtime_format(args.to) if not args.to.lower().endswith(SUFFIXES) else None
    if runtime is not None:
        require(runtime)
    elif not args.to.lower().endswith(SUFFIXES):
        raise WorkbenchError(f"{args.to}: choose a file name ending in {', '.join(SUFFIXES + RUNTIME_SUFFIXES)}, "
                             "or a folder ending in / for a TensorFlow SavedModel")
    if not args.to.lower().endswith(".py"):
        import_keras_quietly()
    if runtime is None:
        path = export_model(spec, args.to)
    else:
        path = export_runtime(_model(args, spec), args.to)
    print(f"exported {spec.name} to {path}")
    return 0


def _model(args, spec):
    """The Keras model to export: a model file keeps its trained weights unless its shape is overridden."""
    from ..keras_bridge import build, load_model
    from ..keras_bridge.targets import MODEL_SUFFIXES

    if args.target.lower().endswith(MODEL_SUFFIXES) and not (args.input_shape or args.classes):
        return load_model(args.target)
    return build(spec)


def _on_disk(row: dict) -> str:
    if row["kind"] == "embedded":
        return "bundled"
    if row.get("cached"):
        return f"cached, {human_bytes(row['size_on_disk'])}"
    return f"not cached ({human_bytes(row['download_size'])} download)" if row.get("download_size") else "not cached"


def run_datasets(args) -> int:
    from ..data import list_datasets

    print(f"{'name':<15}{'samples':>8}  {'input':<9}{'classes':>7}  {'availability':<32}description")
    for r in list_datasets():
        shape = shape_text(r["input_shape"]) if r.get("input_shape") else "-"
        samples = f"{r['samples']:,}" if r.get("samples") else "-"
        print(f"{r['name']:<15}{samples:>8}  {shape:<9}{r.get('classes') or '-':>7}  {_on_disk(r):<32}{r['description']}")
    print("\nAlso: an image folder (one sub-folder per class), or a .csv, .npz (x, y) or .h5 (x, y) file.")
    return 0
