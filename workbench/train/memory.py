"""Giving memory back between runs (the GUI and the comparison train many models in one process).

Keras keeps every built layer reachable from its global graph/session state;
repeated build/fit cycles grow the process by hundreds of MB unless that
state is cleared and Python's cycles are collected.  `clear_session` resets
Keras' state for every thread, so call this only when no other thread is
training.
"""

from __future__ import annotations

import gc
import threading


def release_memory() -> None:
    """Clear Keras' global state and collect garbage; drop your own model references first.

    The cyclic collection runs only on the main thread: collecting in a worker
    can free Qt objects there, which deadlocks or crashes against the GUI
    thread, so a GUI collects after its worker reports back.
    """
    import keras

    on_main = threading.current_thread() is threading.main_thread()
    keras.backend.clear_session(free_memory=on_main)  # Keras' own collection would run in this thread too
    if on_main:
        gc.collect()
