"""Compare two specs: what differs layer by layer, then one epoch of each on the same data.

Run: python examples/compare_two_specs.py   (a few seconds; writes only to a temporary folder)
"""

import tempfile

from workbench.compare.diff import diff_specs
from workbench.compare.runner import ComparisonRunner, make_entries
from workbench.data import load_dataset
from workbench.spec import LayerSpec, ModelSpec
from workbench.spec.editor import SpecEditor
from workbench.spec.units import signed
from workbench.train import TrainConfig

small = ModelSpec("Small", (2,), [
    LayerSpec("hidden", "Dense", {"units": 8, "activation": "relu"}),
    LayerSpec("out", "Dense", {"units": 2, "activation": "softmax"}),
])
wide = small.copy()
wide.name = "Wide"
SpecEditor(wide).set("hidden", "units", 32)

d = diff_specs(small, wide)
print(f"{d.a.name} -> {d.b.name}: params {d.analysis_a.total_params} -> {d.analysis_b.total_params} "
      f"(delta {signed(d.params_delta)})")
for row in d.changed:
    print(f"  changed {row.name_a}: " + "; ".join(str(c) for c in row.changes) + f", params {signed(row.params_delta)}")

data = load_dataset("xor", seed=0)
config = TrainConfig(epochs=1, batch_size=64, learning_rate=0.01, tensorboard=False)
with tempfile.TemporaryDirectory() as folder:
    entries = make_entries([(s.name, s, "") for s in (small, wide)])
    records = ComparisonRunner(entries, data, config, folder).run()
for r in records:
    print(f"{r.preset}: {r.status}, {r.params} params, {r.epochs} epoch, val accuracy {r.best_val_accuracy:.2f}")
