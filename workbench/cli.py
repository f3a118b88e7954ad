"""`workbench` command line: the headless twin of every GUI feature.

Heavy packages (TensorFlow, Qt) are imported only by the sub-commands that
need them, so `workbench summary resnet152` answers in a fraction of the
time TensorFlow takes to import.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys

from .quiet_tensorflow import DEBUG_ENV, quiet_native_logs
from .errors import WorkbenchError


def _summary_parser(sub) -> None:
    p = sub.add_parser("summary", help="per-layer shapes, params, MACs, memory and receptive field")
    p.add_argument("target", help="preset slug, preset .json, or .h5/.keras model file")
    p.add_argument("--input-shape", help="override the input shape, e.g. 64,64,3")
    p.add_argument("--classes", type=int, help="override the number of classes (the head's units)")
    p.add_argument("--batch-size", type=int, default=32, help="batch size for the training-memory estimate")
    p.add_argument("--optimizer", default="adam", help="optimizer for the training-memory estimate")
    p.add_argument("--json", action="store_true", help="print machine-readable JSON")


def _export_parsers(sub) -> None:
    p = sub.add_parser("export", help="write a model as .h5, .keras, a Keras .py script, .onnx, .tflite or a SavedModel")
    p.add_argument("target", help="preset slug, preset .json, or .h5/.keras model file")
    p.add_argument("--to", required=True,
                   help="FILE.h5, FILE.keras, FILE.py, FILE.onnx, FILE.tflite, or FOLDER/ for a TensorFlow SavedModel")
    p.add_argument("--input-shape", help="override the input shape, e.g. 64,64,3")
    p.add_argument("--classes", type=int, help="override the number of classes")
    sub.add_parser("datasets", help="the embedded and cached data sets, with sizes")


def build_parser() -> argparse.ArgumentParser:
    from .commands import compare, diff, sweep, train

    parser = argparse.ArgumentParser(
        prog="workbench",
        description="Keras Workbench: inspect, train and compare classic networks. Without a command, opens the GUI.",
    )
    parser.add_argument("--debug", action="store_true", help="show tracebacks for errors and TensorFlow's native start-up messages")
    sub = parser.add_subparsers(dest="command")
    p = sub.add_parser("presets", help="list the preset gallery")
    p.add_argument("--json", action="store_true")
    _summary_parser(sub)
    train.add_parsers(sub)
    _export_parsers(sub)
    compare.add_parsers(sub)
    sweep.add_parsers(sub)
    diff.add_parsers(sub)
    p = sub.add_parser("gui", help="open the desktop app", add_help=False)
    p.add_argument("gui_args", nargs=argparse.REMAINDER, help="options for the GUI (see workbench gui --help)")
    return parser


#: command -> (module under workbench.commands, handler); imported only when run
_HANDLERS = {
    "presets": ("summary", "run_presets"),
    "summary": ("summary", "run_summary"),
    "train": ("train", "run_train"),
    "export": ("export", "run_export"),
    "datasets": ("export", "run_datasets"),
    "compare": ("compare", "run_compare"),
    "sweep": ("sweep", "run_sweep"),
    "diff": ("diff", "run_diff"),
}


def _dispatch(args) -> int:
    if args.command in (None, "gui"):
        from .ui.launch import main as gui_main

        return gui_main(getattr(args, "gui_args", []) or [])
    module, handler = _HANDLERS[args.command]
    return getattr(importlib.import_module(f"workbench.commands.{module}"), handler)(args)


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    if "--debug" in argv[:1]:
        os.environ[DEBUG_ENV] = "1"
    quiet_native_logs()  # TensorFlow's C++ start-up chatter
    if argv[:1] == ["gui"]:  # every later option is the GUI's own (argparse cannot pass them through)
        from .ui.launch import main as gui_main

        return gui_main(argv[1:])
    args = build_parser().parse_args(argv)
    try:
        return _dispatch(args)
    except WorkbenchError as exc:
        if args.debug:
            raise
        from .spec.units import plain

        for problem in exc.problems:
            print("error: " + "\n".join(plain(line) for line in str(problem).split("\n")), file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # `workbench summary x | head`: the reader left, nothing to report
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0


if __name__ == "__main__":
    sys.exit(main())
