"""The comparison window's run backend (here / Ray, remembered) and its Sweep tab, offscreen."""

from __future__ import annotations

import functools

import pytest

from specs import mlp
from workbench.errors import WorkbenchError
from workbench.ui.compare_view import CompareView, backend_form
from workbench.ui.compare_view.backend_form import LOCAL, RAY, BackendForm


@pytest.fixture
def view(qtbot):
    v = CompareView()
    qtbot.addWidget(v)
    yield v
    v.shutdown()


def test_backend_choice_is_remembered_and_reaches_the_runner(view, monkeypatch, tmp_path):
    pytest.importorskip("ray", reason="the Ray choice needs Ray (pip install 'keras-workbench[ray]')")
    from workbench.compare.ray_backend import RayBackend

    assert view.backend_form.name() == LOCAL and view.backend_form.backend() is None
    assert not view.backend_form.address.isVisibleTo(view)
    view.backend_form.set_backend(RAY, "ray://head:10001", 3)
    assert view.backend_form.address.isVisibleTo(view)
    again = BackendForm()  # a new window reads the remembered choice
    assert (again.name(), again.address.text(), again.workers.value()) == (RAY, "ray://head:10001", 3)

    submitted = []
    monkeypatch.setattr(view._task, "submit", submitted.append)
    view.add_spec("tiny", mlp("tiny", 4))
    view.set_checked(["tiny"])
    view.dataset.setEditText("xor")
    view.out_dir.setText(str(tmp_path / "out"))
    view._on_run_clicked()
    (task,) = submitted
    assert isinstance(task, functools.partial) and task.func.__name__ == "run_comparison"
    backend = task.args[-1]
    assert isinstance(backend, RayBackend) and (backend.address, backend.workers) == ("ray://head:10001", 3)
    assert "on Ray (ray://head:10001)" in view.status.text()
    view._task._busy = False  # nothing was submitted for real
    view._ended()


def test_without_ray_the_choice_is_disabled_and_says_how_to_install(qtbot, monkeypatch):
    from workbench.ui import settings

    settings.set_run_backend(RAY, "", 0)
    monkeypatch.setattr(backend_form, "ray_available", lambda: False)
    form = BackendForm()
    qtbot.addWidget(form)
    item = form.choice.model().item(form.choice.findData(RAY))
    assert not item.isEnabled() and item.toolTip() == "the ray backend needs Ray: pip install 'keras-workbench[ray]'"
    assert form.name() == LOCAL and form.backend() is None
    assert "pip install 'keras-workbench[ray]'" in form.choice.toolTip()


@pytest.fixture
def sweep_tab(qtbot):
    pytest.importorskip("optuna", reason="the Sweep tab needs Optuna (pip install 'keras-workbench[sweep]')")
    from workbench.ui.compare_view.sweep_tab import SweepTab

    tab = SweepTab()
    qtbot.addWidget(tab)
    yield tab
    tab.shutdown()


def test_sweep_form_names_the_wrong_field(sweep_tab):
    with pytest.raises(WorkbenchError, match="check at least one target"):
        sweep_tab.request()
    sweep_tab.add_spec("tiny", mlp("tiny", 4))
    sweep_tab.space_edits["learning_rate"].setText("0:1:log")
    with pytest.raises(WorkbenchError, match=r"Learning rate: --param learning_rate=0:1:log: need LOW < HIGH"):
        sweep_tab.request()
    sweep_tab.space_edits["learning_rate"].setText("1e-3")
    sweep_tab.space_edits["batch_size"].setText("32")
    with pytest.raises(WorkbenchError, match="give a range or a list"):
        sweep_tab.request()


@pytest.mark.slow
def test_three_trial_sweep_on_xor_fills_the_table(sweep_tab, qtbot, tmp_path):
    sweep_tab.add_spec("tiny", mlp("tiny", 8))
    sweep_tab.dataset.setEditText("xor")
    sweep_tab.space_edits["learning_rate"].setText("1e-3:1e-1:log")
    sweep_tab.space_edits["batch_size"].setText("16,32")
    sweep_tab.space_edits["epochs"].setText("2")
    sweep_tab.trials.setValue(3)
    sweep_tab.sampler.setCurrentText("random")
    sweep_tab.out_dir.setText(str(tmp_path / "sweep"))
    request = sweep_tab.request()
    assert (request.trials, request.base.epochs, [p.name for p in request.space]) == \
        (3, 2, ["learning_rate", "batch_size"])
    with qtbot.waitSignal(sweep_tab.sweepFinished, timeout=120_000) as finished:
        sweep_tab._on_run_clicked()
        assert sweep_tab.running() and not sweep_tab.run_button.isEnabled()
    assert [r.number for r in finished.args[0]] == [0, 1, 2]
    rows = sweep_tab.trial_rows()
    assert [r[0] for r in rows] == ["0", "1", "2"]
    assert all(r[2] == "complete" and 0.0 <= float(r[3]) <= 1.0 for r in rows)
    assert all("learning_rate=" in r[1] and "batch_size=" in r[1] for r in rows)
    assert len(sweep_tab._curves) == 3 and all(len(c.getData()[0]) == 2 for c in sweep_tab._curves.values())
    assert (tmp_path / "sweep" / "study.db").is_file() and (tmp_path / "sweep" / "sweep-parallel.png").is_file()
    assert len(list((tmp_path / "sweep" / "trials").iterdir())) == 3
    assert "3 trials, 3 complete" in sweep_tab.status.text() and sweep_tab.run_button.isEnabled()
