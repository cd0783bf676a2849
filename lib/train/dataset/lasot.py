"""LaSOT training set (the 1120 sequences outside the protocol-II test split): the training view of
``lib/datasets/lasot.py``, which documents the layout. ``valid = w > 0 & h > 0``;
``visible = valid & not occluded & in view``.
"""
from __future__ import annotations

from typing import Sequence

from lib.datasets import lasot
from lib.datasets.storage import FileSource
from lib.train.dataset.sequences import AnnotatedSequences


class Lasot(AnnotatedSequences):
    """LaSOT sequences read from ``source`` (a raw LaSOT root or its lmdb copy)."""

    def __init__(self, source: FileSource, name: str = "LASOT", sequence_names: Sequence[str] | None = None) -> None:
        annotations = lasot.training_annotations(source, sequence_names, name)
        self._folders = annotations.folders
        super().__init__(name, source, annotations.names, annotations.boxes, annotations.present, annotations.files)

    def frame_file(self, seq_id: int, frame_id: int) -> str:
        return lasot.frame_file(self._folders[seq_id], frame_id)
