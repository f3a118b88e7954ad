"""The drag-and-drop and clipboard payloads the canvas reads and writes.

Apart from the view so the palette, the clipboard code and the tests name
one set of formats.
"""

from __future__ import annotations

import json

from PySide6.QtCore import QMimeData

from ..blocks import BLOCK_MIME

#: palette drag payload: one layer type name, UTF-8 (b"Conv2D")
LAYER_MIME = "application/x-workbench-layer"
#: copied layers or a block: a JSON list of preset layer dicts (`Document.copy_layers`)
LAYERS_MIME = "application/x-workbench-layers"


def layers_mime(layers: list[dict]) -> QMimeData:
    """Copied layers as our format and as JSON text (pasted into an editor, they read as a preset's layers)."""
    mime = QMimeData()
    text = json.dumps(layers, ensure_ascii=False)
    mime.setData(LAYERS_MIME, text.encode("utf-8"))
    mime.setText(text)
    return mime


def is_ours(mime: QMimeData) -> bool:
    """A layer type, copied layers or a block: something the canvas accepts."""
    return mime.hasFormat(LAYER_MIME) or mime.hasFormat(LAYERS_MIME) or mime.hasFormat(BLOCK_MIME)


def json_layers(mime: QMimeData) -> list | None:
    """The layer dicts of a LAYERS_MIME payload; None when it is not a JSON list."""
    try:
        data = json.loads(bytes(mime.data(LAYERS_MIME)).decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        return None
    return data if isinstance(data, list) else None
