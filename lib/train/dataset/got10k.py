"""GOT-10k training set, whole (``GOT10K_train``) or the VOT-safe subset (``GOT10K_vot_train``): the
training view of ``lib/datasets/got10k.py``, which documents the layout and the split files.
``valid = w > 0 & h > 0``; ``visible = valid & absence == 0 & cover > 0``.
"""
from __future__ import annotations

from typing import Sequence

from lib.datasets import got10k
from lib.datasets.got10k import SPLIT_FILES, split_indices
from lib.datasets.storage import FileSource
from lib.train.dataset.sequences import AnnotatedSequences

__all__ = ["Got10k", "SPLIT_FILES", "split_indices"]


class Got10k(AnnotatedSequences):
    """GOT-10k training sequences read from ``source`` (a raw GOT-10k root or its lmdb copy)."""

    missing_frames_hint = "Each train/<seq> folder of GOT-10k must hold the frames 00000001.jpg ..."

    def __init__(self, source: FileSource, split: str = "train_full", name: str = "GOT10K_train",
                 indices: Sequence[int] | None = None) -> None:
        """``split``: ``train_full``, ``vot_train`` or ``all`` (every line of list.txt, in order);
        ``indices`` replaces the split's packaged index list when given."""
        annotations = got10k.training_annotations(source, split, indices, name)
        self.split = split
        self._folders = annotations.folders
        super().__init__(name, source, annotations.names, annotations.boxes, annotations.present, annotations.files)

    def frame_file(self, seq_id: int, frame_id: int) -> str:
        return got10k.frame_file(self._folders[seq_id], frame_id)
