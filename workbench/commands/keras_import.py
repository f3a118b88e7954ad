"""Importing Keras (and TensorFlow) without the C++ start-up chatter on the terminal.

TensorFlow's native code logs CUDA probing and CPU-feature notes to file
descriptor 2 before its log level applies, which buries the CLI's own
output.  The import runs with fd 2 redirected to a temporary file, whose
text is replayed only if the import fails.
"""

from __future__ import annotations

import os
import sys
import tempfile


def import_keras_quietly() -> None:
    if "keras" in sys.modules:
        return
    sys.stderr.flush()
    fd = sys.stderr.fileno()
    saved = os.dup(fd)
    with tempfile.TemporaryFile() as captured:
        os.dup2(captured.fileno(), fd)
        try:
            import keras  # noqa: F401
        except BaseException:
            os.dup2(saved, fd)
            captured.seek(0)
            sys.stderr.buffer.write(captured.read())
            raise
        finally:
            os.dup2(saved, fd)
            os.close(saved)
