"""Your own sequences as a training dataset (``CUSTOM`` in ``DATA.TRAIN.DATASETS_NAME``, root ``custom_dir``):
the training view of ``lib/datasets/custom.py`` (format: docs/custom-data.md)."""
from __future__ import annotations

from lib.datasets import custom, got10k
from lib.datasets.storage import FileSource
from lib.train.dataset.sequences import AnnotatedSequences

__all__ = ["Custom"]


class Custom(AnnotatedSequences):
    """Every sequence of a custom root read from ``source`` (raw folder or lmdb copy)."""

    missing_frames_hint = ("Each <seq> folder of a custom root must hold the frames 00000001.jpg ... "
                           "(docs/custom-data.md)")

    def __init__(self, source: FileSource, name: str = "CUSTOM") -> None:
        annotations = custom.training_annotations(source, name)
        self._folders = annotations.folders
        super().__init__(name, source, annotations.names, annotations.boxes, annotations.present, annotations.files)

    def frame_file(self, seq_id: int, frame_id: int) -> str:
        return got10k.frame_file(self._folders[seq_id], frame_id)
