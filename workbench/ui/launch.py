"""Start the desktop app: `python -m workbench.ui.launch [FILE] [--preset SLUG]` (what `make run` calls).

Before Qt is touched it checks what would otherwise end in Qt's cryptic abort:
no display at all, or the X11 (xcb) platform plugin's system libraries
missing; both get a message that says what to do, and exit code 2.
TensorFlow is imported only after the window is on screen (`tf_loader`).
"""

from __future__ import annotations

import argparse
import ctypes.util
import os
import sys
from concurrent.futures import ThreadPoolExecutor

from ..quiet_tensorflow import DEBUG_ENV, quiet_native_logs

#: (name for ctypes.util.find_library, Debian/Ubuntu package) that Qt's xcb plugin loads
XCB_LIBRARIES = (
    ("xcb", "libxcb1"),
    ("X11-xcb", "libx11-xcb1"),
    ("xcb-cursor", "libxcb-cursor0"),
    ("xcb-icccm", "libxcb-icccm4"),
    ("xcb-image", "libxcb-image0"),
    ("xcb-keysyms", "libxcb-keysyms1"),
    ("xcb-randr", "libxcb-randr0"),
    ("xcb-render-util", "libxcb-render-util0"),
    ("xcb-shape", "libxcb-shape0"),
    ("xcb-util", "libxcb-util1"),
    ("xcb-xkb", "libxcb-xkb1"),
    ("xkbcommon", "libxkbcommon0"),
    ("xkbcommon-x11", "libxkbcommon-x11-0"),
    ("EGL", "libegl1"),
    ("GL", "libgl1"),
    ("fontconfig", "libfontconfig1"),
    ("dbus-1", "libdbus-1-3"),
)
#: Qt platform plugins that need no display server
HEADLESS_PLATFORMS = {"offscreen", "minimal", "minimalegl", "vnc", "eglfs", "linuxfb", "vkkhrdisplay"}

HEADLESS_HINT = """\
Everything the window shows is also available without one:
    workbench presets                 list the gallery with parameters and MACs
    workbench summary resnet50        per-layer shapes, params, MACs, memory, receptive field"""

NO_DISPLAY_MESSAGE = f"""\
Keras Workbench: no display found (neither DISPLAY nor WAYLAND_DISPLAY is set), so the window cannot open.

On a machine without a screen, run it inside a virtual X server:
    xvfb-run -a python -m workbench.ui.launch          (Debian/Ubuntu: sudo apt-get install xvfb)
Over SSH, connect with X forwarding (ssh -X) so DISPLAY is set.

{HEADLESS_HINT}"""


def _platforms() -> list[str]:
    """The Qt platform plugins QT_QPA_PLATFORM asks for, in order ('wayland;xcb', 'xcb:arg=1')."""
    value = os.environ.get("QT_QPA_PLATFORM", "")
    return [p.split(":")[0].strip().lower() for p in value.split(";") if p.strip()]


def display_problem() -> str | None:
    """The message to print when no display can be reached on Linux, else None."""
    if not sys.platform.startswith("linux"):
        return None
    if any(p in HEADLESS_PLATFORMS for p in _platforms()):
        return None
    if os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"):
        return None
    return NO_DISPLAY_MESSAGE


def will_use_xcb() -> bool:
    platforms = _platforms()
    if platforms:
        return platforms[0] == "xcb"
    wayland_session = os.environ.get("WAYLAND_DISPLAY") and os.environ.get("XDG_SESSION_TYPE") == "wayland"
    return sys.platform.startswith("linux") and not wayland_session


def missing_xcb_libraries() -> list[tuple[str, str]]:
    """(library, Debian package) for each library of the xcb plugin the dynamic linker cannot find."""
    names = [lib for lib, _ in XCB_LIBRARIES]
    with ThreadPoolExecutor(len(names)) as pool:  # each lookup runs ldconfig; in parallel it costs ~30 ms
        found = list(pool.map(ctypes.util.find_library, names))
    return [(lib, pkg) for (lib, pkg), path in zip(XCB_LIBRARIES, found) if path is None]


def missing_libraries_message(missing: list[tuple[str, str]]) -> str:
    libs = ", ".join(f"lib{lib}" for lib, _ in missing)
    packages = " ".join(pkg for _, pkg in missing)
    return f"""\
Keras Workbench: Qt's X11 platform plugin (xcb) needs system libraries that are not installed: {libs}.

Install them (Debian/Ubuntu):
    sudo apt-get install {packages}
or choose another Qt platform, e.g. QT_QPA_PLATFORM=wayland in a Wayland session.

{HEADLESS_HINT}"""


def startup_problem() -> str | None:
    """Why the window cannot open here, checked before Qt would abort; None when it can."""
    problem = display_problem()
    if problem:
        return problem
    if sys.platform.startswith("linux") and will_use_xcb():
        missing = missing_xcb_libraries()
        if missing:
            return missing_libraries_message(missing)
    return None


def _window_size(text: str) -> tuple[int, int]:
    try:
        width, height = (int(v) for v in text.lower().split("x"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected WIDTHxHEIGHT such as 1600x1000, got '{text}'") from None
    if width < 200 or height < 200:
        raise argparse.ArgumentTypeError(f"the window must be at least 200x200, got '{text}'")
    return width, height


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got '{text}'") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value


def _model_path(text: str) -> str:
    if not text.lower().endswith((".h5", ".keras")):
        raise argparse.ArgumentTypeError(f"the model file must end in .h5 or .keras, got '{text}'")
    return text


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="workbench gui",
        description="Keras Workbench: assemble, inspect, train and compare classic Keras networks.",
    )
    parser.add_argument("file", nargs="?", help="a preset .json or a Keras .h5/.keras model to open")
    parser.add_argument("--preset", metavar="SLUG", help="open a gallery preset (default: lenet5)")
    parser.add_argument("--select", metavar="LAYER", help="select this layer and centre the canvas on it")
    parser.add_argument("--fit", action="store_true", help="zoom the canvas out to show the whole graph")
    parser.add_argument("--zoom", type=float, metavar="FACTOR", help="canvas zoom, e.g. 0.3 (1 = 100 %%)")
    parser.add_argument("--theme", choices=("light", "dark"), help="use this theme for this run")
    parser.add_argument("--settings-dir", metavar="DIR", help="keep settings and autosaves in DIR (a separate profile)")
    parser.add_argument(
        "--screenshot", metavar="FILE.png",
        help="save a picture of the window once it has rendered (TensorFlow status included), then exit",
    )
    parser.add_argument(
        "--size", type=_window_size, default=(1600, 1000), metavar="WxH",
        help="window size for --screenshot (default 1600x1000)",
    )
    training = parser.add_argument_group("training in the window")
    training.add_argument("--dataset", metavar="D", help="data set for the training panel (a name or a path)")
    training.add_argument("--train", action="store_true", help="start training once the window is up")
    training.add_argument("--epochs", type=_positive, metavar="N", help="epochs to train")
    training.add_argument("--out", type=_model_path, metavar="FILE.h5",
                          help="save the trained model here (.h5 with its layout and curves, or .keras)")
    training.add_argument("--exit-when-done", action="store_true",
                          help="quit when training has finished (and --out / --screenshot are written); "
                               "the exit code is 0 only if the run finished and every file was saved")
    parser.add_argument("--debug", action="store_true", help="show TensorFlow's native start-up messages")
    parser.add_argument(
        "--report-startup", action="store_true",
        help="print when the window became visible (JSON, seconds since the epoch) and exit; "
             "TensorFlow is not loaded in this mode",
    )
    return parser


def _load_initial(args):
    """(spec, path) to open first (a multi-network preset or run: every network, a tab each); raises
    ValueError/OSError naming the problem."""
    from ..keras_bridge.targets import PRESET_SUFFIXES, read_openable
    from ..spec import load_named
    from ..spec.networks_io import load_named_networks, network_preset_paths

    if args.file:
        spec = read_openable(args.file)
        return spec, args.file if os.path.splitext(args.file)[1].lower() in PRESET_SUFFIXES else None
    slug = args.preset or "lenet5"
    return (load_named_networks(slug) if slug in network_preset_paths() else load_named(slug)), None


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    problem = startup_problem()
    if problem:
        print(problem, file=sys.stderr)
        return 2
    if args.debug:
        os.environ[DEBUG_ENV] = "1"
    quiet_native_logs()  # TensorFlow's C++ start-up chatter

    from PySide6.QtWidgets import QApplication

    from ..spec.networks import NetworkSet
    from . import settings
    from .main_window import MainWindow
    from .scripted import InitialView, Screenshot, StartupReport, TrainingScript
    from .theme import apply_theme

    try:
        spec, path = _load_initial(args)
    except (ValueError, OSError) as exc:
        for line in getattr(exc, "problems", None) or [str(exc)]:
            print(f"error: {line}", file=sys.stderr)
        return 2
    shown = next(iter(spec.networks.values())) if isinstance(spec, NetworkSet) else spec  # a set's first tab
    if args.select and args.select not in shown.input_names() + shown.names():
        print(f"error: --select: '{shown.name}' has no layer named '{args.select}'", file=sys.stderr)
        return 2
    if args.settings_dir:
        settings.use_directory(args.settings_dir)

    app = QApplication.instance() or QApplication([sys.argv[0]])
    app.setOrganizationName(settings.ORGANIZATION)
    app.setApplicationName(settings.APPLICATION)
    apply_theme(app, args.theme or settings.theme())
    trains = bool(args.train or args.dataset or args.epochs or args.out)
    scripted = bool(args.screenshot or args.report_startup or args.train)
    window = MainWindow(
        load_tensorflow=not args.report_startup, remember_layout=not scripted, offer_recovery=not scripted
    )
    window.doc.load(spec, path)
    if args.file and not path:  # a model file: show the training curves it carries
        window.training.show_model_curves(args.file)
    if args.screenshot:
        window.resize(*args.size)
    if args.select:
        window.doc.set_selection([args.select])
    InitialView(window, args.select, args.zoom, args.fit)  # owned by the window
    script = None
    if args.report_startup:
        script = StartupReport(window)
    elif trains:
        script = TrainingScript(window, dataset=args.dataset, epochs=args.epochs, train=args.train, out=args.out,
                                screenshot=args.screenshot, exit_when_done=args.exit_when_done)
    elif args.screenshot:
        script = Screenshot(window, args.screenshot)
    window.show()
    code = app.exec()
    window.shutdown()
    return code or (script.exit_code if script else 0)


if __name__ == "__main__":
    sys.exit(main())
