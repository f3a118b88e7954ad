"""Keyboard shortcuts: none bound twice in a window, and both usual Redo keys redo."""

from __future__ import annotations

from collections import Counter

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence, QShortcut
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QWidget


@pytest.fixture
def window(lenet5_window):
    return lenet5_window


def bound_keys(top) -> Counter:
    """Each key sequence bound in the window `top` (not in the tool windows it owns), counted once per action
    or shortcut binding it."""
    keys: Counter = Counter()
    for obj in top.findChildren(QAction) + top.findChildren(QShortcut):
        owner = obj.parent()
        if isinstance(owner, QWidget) and owner.window() is top:
            sequences = obj.shortcuts() if isinstance(obj, QAction) else obj.keys()
            keys.update({key.toString() for key in sequences if not key.isEmpty()})
    return keys


def test_no_key_is_bound_twice_in_any_window(window):
    window.open_compare()
    window.diff_edits()
    tops = [window, window.tools.compare_window, window.tools.diff_window]
    for top in tops:
        keys = bound_keys(top)
        assert keys, f"{top.windowTitle()} binds no key"
        assert {k: n for k, n in keys.items() if n > 1} == {}, top.windowTitle()
    assert {"Ctrl+Shift+Z", "Ctrl+Y", "Ctrl+Z"} <= set(bound_keys(window))


def test_redo_takes_the_usual_keys_and_the_platforms_each_once(window):
    """On X11 the platform's Redo is Ctrl+Shift+Z itself: binding both made the key ambiguous (dead)."""
    redo = [key.toString() for key in window.actions["redo"].shortcuts()]
    platform = [key.toString() for key in QKeySequence.keyBindings(QKeySequence.Redo)]
    assert len(redo) == len(set(redo))
    assert set(redo) == {"Ctrl+Shift+Z", "Ctrl+Y"} | set(platform)


@pytest.mark.parametrize("keys", [(Qt.Key_Z, Qt.ControlModifier | Qt.ShiftModifier), (Qt.Key_Y, Qt.ControlModifier)])
def test_ctrl_shift_z_and_ctrl_y_redo(window, keys):
    window.doc.set_config("c1", "filters", 8)
    window.actions["undo"].trigger()
    assert window.doc.spec.layer("c1").config["filters"] == 6
    window.view.setFocus()
    QTest.keyClick(window, *keys)
    assert window.doc.spec.layer("c1").config["filters"] == 8
    assert window.doc.undo_stack.index() == 1
