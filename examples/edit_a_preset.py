"""Open a preset and edit it in code, with the same checks the window makes.

Run: python examples/edit_a_preset.py   (no TensorFlow, no window; under a second)
"""

from workbench.spec import analyze, load_named
from workbench.spec.editor import SpecEditor

spec = load_named("lenet5")
print(f"{spec.name}: {len(spec.layers)} layers, {analyze(spec).total_params:,} params")

edit = SpecEditor(spec)  # edits `spec` in place
edit.insert("Dropout", between=("f6", "f7"), config={"rate": 0.25})
edit.set("c1", "filters", 8)  # c1 5·5·1·8 + 8 = 208 weights, c3 5·5·8·16 + 16 = 3,216
edit.rename("f7", "logits")
edit.set_classes(5)  # logits: 84·5 + 5 = 425 weights
try:
    edit.connect("logits", "c1")
except ValueError as exc:  # refused, as on the canvas; the spec is unchanged
    print(f"refused: {exc}")

analysis = analyze(spec)
print(f"edited: {len(spec.layers)} layers, {analysis.total_params:,} params, output {analysis.output_shapes()[0]}")
print("chain:", " -> ".join(spec.names()))
