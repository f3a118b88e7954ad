"""The CLI and the window train through one Trainer session: the same spec, data, seed and settings give the
same history from `workbench train` and from the training panel's job."""

from __future__ import annotations

import numpy as np

from workbench.cli import main
from workbench.spec.preset_io import save_preset
from workbench.train import RunDir
from workbench.ui.document import Document
from workbench.ui.training import TrainingController
from specs import mlp

RUN_TIMEOUT_MS = 120_000


def test_the_cli_and_the_window_give_the_same_history(qtbot, tmp_path, monkeypatch):
    spec = mlp("xor-mlp", 8)
    save_preset(spec, tmp_path / "xor-mlp.json")
    assert main(["train", str(tmp_path / "xor-mlp.json"), "--dataset", "xor", "--epochs", "2",
                 "--run-dir", str(tmp_path / "cli")]) == 0
    cli = RunDir(tmp_path / "cli")

    controller = TrainingController(Document(spec))
    qtbot.addWidget(controller.panel)
    controller.panel.show()
    try:
        panel = controller.panel
        panel.choose_dataset("xor")
        panel.activate()
        qtbot.waitUntil(lambda: panel.dataset is not None, timeout=30_000)
        panel.epochs.setValue(2)
        assert panel.config() == cli.load_config()  # the form's defaults are the CLI's, "auto" batches per call
        assert controller.start()
        with qtbot.waitSignal(controller.finished, timeout=RUN_TIMEOUT_MS) as blocker:
            pass
        window = blocker.args[0]
    finally:
        controller.shutdown()

    assert window.status == "finished"
    assert RunDir(window.run_dir).read_run()["steps_per_execution"] == cli.read_run()["steps_per_execution"] > 1
    rows = cli.read_history()
    assert [row["epoch"] for row in rows] == window.history["epoch"] == [1, 2]
    keys = {"loss", "accuracy", "val_loss", "val_accuracy", "learning_rate"}
    assert keys <= set(window.history)
    for key in sorted(keys):
        np.testing.assert_allclose(window.history[key], [row[key] for row in rows], rtol=0, atol=1e-6, err_msg=key)
    print("CLI vs window, largest difference per key:",
          {key: max(abs(a - row[key]) for a, row in zip(window.history[key], rows)) for key in sorted(keys)})
