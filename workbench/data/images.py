"""Reading one image file safely: the formats the workbench accepts, nothing else.

Pillow is told which decoders it may use (PNG, JPEG, BMP, GIF), so a file
named .png that is really some rarer format is refused rather than handed to
a less exercised decoder; Pillow's decompression-bomb limit stays on.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image

IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".bmp", ".gif")
FORMATS = ("PNG", "JPEG", "BMP", "GIF")
GREY_MODES = {"1", "L", "LA", "I", "I;16", "F"}


def is_image_file(path: Path) -> bool:
    return path.is_file() and path.suffix.lower() in IMAGE_SUFFIXES


def probe_image(path: Path) -> tuple[tuple[int, int], bool]:
    """((height, width), is_grey) from the file header, without decoding pixels."""
    with Image.open(path, formats=FORMATS) as image:
        width, height = image.size
        return (height, width), image.mode in GREY_MODES


def read_image(path: Path, size: tuple[int, int], channels: int) -> np.ndarray:
    """Decode to uint8 (height, width, channels), bilinear-resized when the file's size differs.

    Animated GIFs give their first frame.  Raises whatever Pillow raises for
    an unreadable file; callers skip and count those.
    """
    height, width = size
    with Image.open(path, formats=FORMATS) as image:
        image = image.convert("L" if channels == 1 else "RGB")
        if image.size != (width, height):
            image = image.resize((width, height), Image.Resampling.BILINEAR)
        pixels = np.asarray(image, dtype=np.uint8)
    return pixels[..., None] if channels == 1 else pixels
