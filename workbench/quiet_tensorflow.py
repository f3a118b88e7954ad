"""Importing Keras (and TensorFlow) without the C++ start-up chatter on the terminal.

TensorFlow's native code logs CUDA probing ("Could not find cuda drivers",
"failed call to cuInit" on a machine without a GPU) and CPU-feature notes
to file descriptor 2, before and regardless of its log level; a user reads
them as failures.  The import and the first device probe run with fd 2
redirected to a temporary file.  Afterwards the captured lines are written
back except TensorFlow's native log lines (so a message from another part
of the program, such as a Qt warning from the GUI thread, is only delayed);
if the import fails, everything is written back.  With `WORKBENCH_DEBUG`
set (`--debug`) nothing is held back.
"""

from __future__ import annotations

import os
import re
import sys
import tempfile
import threading
from contextlib import contextmanager
from typing import Iterator

#: set (to anything but "") to see TensorFlow's native start-up messages
DEBUG_ENV = "WORKBENCH_DEBUG"

#: absl/TensorFlow native log lines: "I0000 00:00:1796… port.cc:153] …", "E0000 … cuda_platform.cc:52] …"
_NATIVE_LOG = re.compile(rb"^(?:[IWEF]\d{4} [\d:.]+ +\d+ [\w./-]+:\d+\] |"
                         rb"WARNING: All log messages before absl::InitializeLog\(\) is called)")


def quiet_native_logs() -> None:
    """Set TensorFlow's native log level before it is imported, unless debugging."""
    if not os.environ.get(DEBUG_ENV):
        os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")


@contextmanager
def native_stderr_held() -> Iterator[None]:
    """Run the block with fd 2 captured; replay what is not TensorFlow's native logging (all on an error)."""
    if os.environ.get(DEBUG_ENV):
        yield
        return
    sys.stderr.flush()
    fd = 2  # native code writes to fd 2, also where sys.stderr is not a file (a captured or redirected stream)
    saved = os.dup(fd)
    with tempfile.TemporaryFile() as captured:
        os.dup2(captured.fileno(), fd)
        failed = False
        try:
            yield
        except BaseException:
            failed = True
            raise
        finally:
            os.dup2(saved, fd)
            os.close(saved)
            captured.seek(0)
            lines = captured.read().splitlines(keepends=True)
            kept = lines if failed else [line for line in lines if not _NATIVE_LOG.match(line)]
            if kept:
                sys.stderr.buffer.write(b"".join(kept))
                sys.stderr.flush()


#: one import at a time: the window's threads (the background import, an export, a comparison, a run) may all
#: reach for Keras at once, and a second thread must wait for the first's import rather than take a half-made
#: module from `sys.modules` (or have fd 2 swapped under it twice)
_IMPORT_LOCK = threading.Lock()
_imported = False


def import_keras_quietly() -> None:
    """Import Keras and let TensorFlow probe its devices (where CUDA start-up logs), with fd 2 held.

    Every thread that is about to use Keras calls this first; it returns at
    once after the first complete import.
    """
    global _imported
    if _imported:
        return
    with _IMPORT_LOCK:
        if _imported:
            return
        quiet_native_logs()
        with native_stderr_held():
            import keras  # noqa: F401
            import tensorflow as tf

            tf.config.list_physical_devices("GPU")
        _imported = True
