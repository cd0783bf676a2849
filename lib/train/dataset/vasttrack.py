"""VastTrack training set (``VASTTRACK`` in ``DATA.TRAIN.DATASETS_NAME``, root ``vasttrack_train_dir``): the
training view of ``lib/datasets/vasttrack.py``, which documents the layout. ``valid = w > 0 & h > 0``;
``visible = valid & box not 0,0,0,0``."""
from __future__ import annotations

from lib.datasets import vasttrack
from lib.datasets.storage import FileSource
from lib.train.dataset.sequences import AnnotatedSequences

__all__ = ["VastTrack"]


class VastTrack(AnnotatedSequences):
    """Every ``<Class>/<seq>`` sequence of a VastTrack root read from ``source`` (raw folder or lmdb copy)."""

    missing_frames_hint = ("Each <Class>/<seq> folder of VastTrack must hold imgs/00001.jpg ... "
                           "(docs/benchmarks.md#vasttrack)")

    def __init__(self, source: FileSource, name: str = "VASTTRACK") -> None:
        annotations = vasttrack.training_annotations(source, name)
        self._folders = annotations.folders
        super().__init__(name, source, annotations.names, annotations.boxes, annotations.present, annotations.files)

    def frame_file(self, seq_id: int, frame_id: int) -> str:
        return vasttrack.frame_file(self._folders[seq_id], frame_id)
