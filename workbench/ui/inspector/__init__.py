"""The inspector: a typed form for the selected layer, the parameters of a selected block
instance (`blocks.BlockForm`), or the model's settings when nothing is selected.

The layer form is generated from the layer kind's `Param`s in the catalogue:
`EDITORS` maps a parameter kind to its editor class, so a new layer type
needs no UI code.  Every edit goes through the Document (`set_config`,
`rename`, `set_input_shape`, `set_classes`); a value the catalogue rejects is
shown in red under its field and the field reverts.
"""

from .editors import EDITORS, FieldEditor
from .layer_form import LayerForm
from .model_form import ModelForm
from .panel import InspectorPanel

__all__ = ["EDITORS", "FieldEditor", "InspectorPanel", "LayerForm", "ModelForm"]
