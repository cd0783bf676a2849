"""Checks of the first-frame (initialisation) box before a sequence is tracked.

A box with zero or negative width or height, or one that does not overlap the image at all, is an
annotation error: tracking from it fails deep inside the tracker or produces meaningless boxes.
"""
from __future__ import annotations

from typing import Sequence as SequenceList

from PIL import Image, UnidentifiedImageError

from lib.test.evaluation.sequence import Sequence
from lib.utils.errors import AnnotationError


def check_init_box(box_xywh: SequenceList[float], image_size: tuple[int, int], where: str) -> None:
    """Raise :class:`AnnotationError` naming ``where`` when the box cannot initialise a tracker.

    ``box_xywh`` = x, y, w, h in pixels; ``image_size`` = (width, height) of the first frame.
    The box must have w > 0 and h > 0 and overlap the image by a positive area.
    """
    x, y, w, h = (float(v) for v in box_xywh)
    width, height = image_size
    if not (w > 0 and h > 0):
        raise AnnotationError(f"{where}: first-frame box {x:g},{y:g},{w:g},{h:g} has a zero or negative "
                              f"width or height; the tracker needs w > 0 and h > 0")
    if x >= width or y >= height or x + w <= 0 or y + h <= 0:
        raise AnnotationError(f"{where}: first-frame box {x:g},{y:g},{w:g},{h:g} lies entirely outside the "
                              f"{width}x{height} image")


def image_size(path: str) -> tuple[int, int]:
    """(width, height) of an image file, read from its header only; ``FileNotFoundError`` / ``ValueError``."""
    try:
        with Image.open(path) as image:
            return image.size
    except UnidentifiedImageError:
        raise ValueError(f"{path}: not a readable image") from None


def check_init_boxes(sequences: SequenceList[Sequence]) -> None:
    """:func:`check_init_box` for every sequence, on the size of its first frame (header only)."""
    for sequence in sequences:
        where = sequence.init_box_source or f"sequence {sequence.name}"
        check_init_box(sequence.init_box_xywh, image_size(sequence.frames[0]), where)
