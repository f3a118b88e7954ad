"""Closing the window while a model trains: it asks, stops, saves, waits for the thread, and exits 0.

"QThread: Destroyed while thread is still running" is an abort (exit 134),
not an exception, so each case runs the app in a subprocess and checks the
exit code and the files the run left.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap

import h5py
import pytest

from workbench.train import RunDir

APP = textwrap.dedent("""
    import sys
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication, QMessageBox
    from workbench.spec import load_named
    from workbench.ui import settings
    from workbench.ui.main_window import MainWindow

    how = sys.argv[2]
    settings.use_directory(sys.argv[1])
    app = QApplication([])
    window = MainWindow(load_tensorflow=False, remember_layout=False, offer_recovery=False)
    window.doc.load(load_named("lenet5"))
    window.show()
    training = window.training
    training.panel.choose_dataset("digits")
    training.panel.epochs.setValue(200)
    training.panel.activate()

    def answer():
        box = QApplication.activeModalWidget()
        if not isinstance(box, QMessageBox):
            QTimer.singleShot(20, answer)
            return
        print("asked:", box.text(), flush=True)
        box.button(QMessageBox.Yes).click()

    def on_epoch(epoch, logs):
        if epoch == 2:
            if how == "close":
                QTimer.singleShot(0, answer)
                window.close()  # asks; the window closes once the run has saved
            else:
                app.exit(0)  # the loop ends without a close event: the launcher's shutdown() must stop and wait

    def start():
        if training.panel.dataset is None:
            QTimer.singleShot(20, start)
            return
        training.job.epochEnded.connect(on_epoch)
        print("started:", training.start(), flush=True)

    QTimer.singleShot(0, start)
    code = app.exec()
    window.shutdown()
    print("finished:", training.last_result.status if training.last_result else None, flush=True)
    sys.exit(code)
""")


@pytest.mark.parametrize("how", ["close", "exit"])
def test_closing_during_training_stops_saves_and_exits_cleanly(tmp_path, how):
    runs = tmp_path / "home" / "data" / "runs"
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "TF_CPP_MIN_LOG_LEVEL": "3",
           "WORKBENCH_HOME": str(tmp_path / "home")}
    out = subprocess.run([sys.executable, "-c", APP, str(tmp_path / "profile"), how], capture_output=True,
                         text=True, timeout=240, env=env)
    assert out.returncode == 0, f"exit {out.returncode}\n{out.stdout}\n{out.stderr[-3000:]}"
    assert "QThread: Destroyed" not in out.stderr
    assert "started: True" in out.stdout
    if how == "close":
        assert "asked: A model is training. Stop it, save the model and the history so far, and close?" in out.stdout
        assert "finished: stopped" in out.stdout
    (run,) = runs.iterdir()
    record = RunDir(run).read_run()
    assert record["status"] == "stopped"
    done = record["result"]["epochs_completed"]
    assert 2 <= done < 200
    assert [row["epoch"] for row in RunDir(run).read_history()] == list(range(1, done + 1))
    with h5py.File(run / "model.h5", "r") as f:
        assert json.loads(f.attrs["workbench_history"])["epoch"] == list(range(1, done + 1))
    assert not [p.name for p in run.iterdir() if ".tmp" in p.name]  # no half-written file left


JOBS_APP = textwrap.dedent("""
    import sys
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication
    from workbench.compare.runner import make_entries
    from workbench.spec import load_named
    from workbench.train import TrainConfig
    from workbench.ui import settings
    from workbench.ui.main_window import MainWindow
    from specs import mlp

    settings.use_directory(sys.argv[1])
    out = sys.argv[2]
    app = QApplication([])
    window = MainWindow(load_tensorflow=True, remember_layout=False, offer_recovery=False)
    window.doc.load(load_named("lenet5"))
    window.show()
    window.tf_loader.start()  # the TensorFlow import, still running when the loop ends
    window.files.export_to(out + "/lenet5.h5")  # an export that builds with Keras
    view = window.open_compare()
    entries = make_entries([("long", mlp("long", 4), "long"), ("next", mlp("next", 4), "next")])
    view.start(entries, "xor", TrainConfig(epochs=500, batch_size=8, tensorboard=False), out + "/cmp")
    print("running:", window.tf_loader.state, window.files.export_job.running(), view.running(), flush=True)

    def check():
        if view.model.state(0) != "training":
            QTimer.singleShot(20, check)
            return
        print("comparison training", flush=True)
        app.exit(0)  # the loop ends with every job in flight: shutdown() must stop and wait for each

    QTimer.singleShot(0, check)
    code = app.exec()
    window.shutdown()
    print("after shutdown:", window.files.export_job.running(), view.running(), flush=True)
    sys.exit(code)
""")


def test_exiting_with_the_import_an_export_and_a_comparison_in_flight_exits_cleanly(tmp_path):
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "TF_CPP_MIN_LOG_LEVEL": "3",
           "PYTHONPATH": os.pathsep.join([os.path.dirname(__file__), os.environ.get("PYTHONPATH", "")])}
    out = subprocess.run([sys.executable, "-c", JOBS_APP, str(tmp_path / "profile"), str(tmp_path)],
                         capture_output=True, text=True, timeout=240, env=env)
    assert out.returncode == 0, f"exit {out.returncode}\n{out.stdout}\n{out.stderr[-3000:]}"
    assert "QThread: Destroyed" not in out.stderr
    assert "running: loading True True" in out.stdout and "comparison training" in out.stdout
    assert "after shutdown: False False" in out.stdout
    assert (tmp_path / "lenet5.h5").is_file()  # the export finished before the window went
    assert not [p.name for p in tmp_path.iterdir() if ".tmp" in p.name]
    entry = json.loads((tmp_path / "cmp" / "long" / "run.json").read_text())
    assert entry["status"] == "stopped"  # cancelled after its current batch, saved
