"""TrackingNet training chunks ``TRAIN_0`` .. ``TRAIN_11``: the training view of
``lib/datasets/trackingnet.py``, which documents the layout. Only hand-annotated frames (every 30th
and the last) are ``visible``, so the sampler draws only those; ``valid = w > 0 & h > 0``.
"""
from __future__ import annotations

from typing import Sequence

from lib.datasets import trackingnet
from lib.datasets.storage import FileSource
from lib.train.dataset.sequences import AnnotatedSequences


class TrackingNet(AnnotatedSequences):
    """TrackingNet training sequences of the chosen chunks, from ``source`` (raw root or lmdb copy).

    Sequences are listed chunk by chunk, sorted by name within a chunk.
    """

    missing_frames_hint = ("TrackingNet frames must be extracted: TRAIN_<k>/zips/<seq>.zip -> "
                           "TRAIN_<k>/frames/<seq>/0.jpg, 1.jpg, ...")

    def __init__(self, source: FileSource, chunks: Sequence[int] | None = None, name: str = "TRACKINGNET") -> None:
        self.chunks = list(range(trackingnet.NUM_CHUNKS)) if chunks is None else [int(c) for c in chunks]
        annotations = trackingnet.training_annotations(source, self.chunks, name)
        self._folders = annotations.folders
        super().__init__(name, source, annotations.names, annotations.boxes, annotations.present, annotations.files)

    def frame_file(self, seq_id: int, frame_id: int) -> str:
        return trackingnet.frame_file(self._folders[seq_id], frame_id)
