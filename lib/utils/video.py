"""Frames of a user's video for the demos (``tracking/video_demo.py``, ``tracking/dev/visualize_attention.py``)
and the ``--init-bbox`` argument they take."""
from __future__ import annotations

import argparse
import os
from collections.abc import Iterator
from pathlib import Path

import cv2
import numpy as np

from lib.utils.errors import AnnotationError
from lib.utils.image import read_image

__all__ = ["FRAME_SUFFIXES", "FrameSource", "parse_box", "parse_boxes", "read_boxes"]

FRAME_SUFFIXES = (".jpg", ".jpeg", ".png", ".bmp", ".tif", ".tiff", ".webp")


class FrameSource:
    """RGB frames (H, W, 3) uint8 of a video file (any format OpenCV reads) or of the sorted image files in a
    folder; ``fps`` (the file's, else ``default_fps``) and ``count`` (None where the container does not say).

    Raises ``FileNotFoundError`` (no such path, or a folder without images) and ``ValueError`` (a file OpenCV
    cannot open), naming the path.
    """

    def __init__(self, path: str | os.PathLike, default_fps: float = 30.0) -> None:
        self.path = Path(path)
        if self.path.is_dir():
            self.files = sorted(p for p in self.path.iterdir() if p.suffix.lower() in FRAME_SUFFIXES)
            if not self.files:
                raise FileNotFoundError(f"{self.path}: folder holds no image files ({', '.join(FRAME_SUFFIXES)})")
            self.fps, self.count = default_fps, len(self.files)
        elif self.path.is_file():
            self.files = None
            capture = cv2.VideoCapture(str(self.path))
            if not capture.isOpened():
                raise ValueError(f"{self.path}: OpenCV cannot open this video")
            self.fps = capture.get(cv2.CAP_PROP_FPS) or default_fps
            count = int(capture.get(cv2.CAP_PROP_FRAME_COUNT))
            self.count = count if count > 0 else None  # unknown for some containers and streams
            capture.release()
        else:
            raise FileNotFoundError(f"video not found: {self.path}")

    def __iter__(self) -> Iterator[np.ndarray]:
        if self.files is not None:
            for file in self.files:
                yield read_image(file)
            return
        capture = cv2.VideoCapture(str(self.path))
        try:
            while True:
                ok, bgr = capture.read()
                if not ok:
                    break
                yield cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)
        finally:
            capture.release()


def parse_box(text: str) -> list[float]:
    """``'x,y,w,h'`` -> four floats (width and height > 0)."""
    try:
        box = [float(v) for v in text.split(",")]
    except ValueError:
        raise argparse.ArgumentTypeError(f"--init-bbox must be x,y,w,h numbers, got {text!r}") from None
    if len(box) != 4 or box[2] <= 0 or box[3] <= 0:
        raise argparse.ArgumentTypeError(f"--init-bbox must be x,y,w,h with w, h > 0, got {text!r}")
    return box


def read_boxes(path: str | os.PathLike) -> list[tuple[list[float], str]]:
    """The boxes of a text file, one target per line (see :func:`parse_boxes`); ``FileNotFoundError`` naming the
    file, :class:`~lib.utils.errors.AnnotationError` naming the file and line of a malformed box."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"box file not found: {path}")
    return parse_boxes(path.read_text(), str(path))


def parse_boxes(text: str, source: str) -> list[tuple[list[float], str]]:
    """Boxes ``x,y,w,h`` one per line (commas or blanks; blank lines and ``#`` comments skipped) as
    ``(box, "<source>:<line>")`` pairs. Raises :class:`~lib.utils.errors.AnnotationError` naming ``source`` and
    the line of a malformed box, or ``source`` when there is no box at all."""
    boxes = []
    for number, line in enumerate(text.splitlines(), 1):
        values = line.split("#", 1)[0].strip()
        if not values:
            continue
        try:
            boxes.append((parse_box(",".join(values.replace(",", " ").split())), f"{source}:{number}"))
        except argparse.ArgumentTypeError:
            raise AnnotationError(f"{source}:{number}: expected x,y,w,h with w, h > 0, got {values!r}") from None
    if not boxes:
        raise AnnotationError(f"{source}: no box given (one x,y,w,h per line)")
    return boxes
