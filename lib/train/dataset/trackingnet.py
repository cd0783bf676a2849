"""TrackingNet training chunks ``TRAIN_0`` .. ``TRAIN_11``.

Layout (relative to the TrackingNet root): ``TRAIN_<k>/anno/<seq>.txt`` (``x,y,w,h`` per frame) and
``TRAIN_<k>/frames/<seq>/<i>.jpg`` (0-based, not zero-padded; extracted from ``zips/``). Only one
frame in 30 was drawn by a person (the rest is interpolated), so, as in the official AiATrack loader,
``visible`` is kept only on frames whose index is a multiple of 30 and on the last frame; the
sampler draws only visible frames. ``valid = w > 0 & h > 0``.
"""
from __future__ import annotations

from typing import Sequence

import numpy as np

from lib.train.dataset.parsing import parse_boxes
from lib.train.dataset.sequences import AnnotatedSequences
from lib.train.dataset.storage import FileSource, IncompleteDatasetError

NUM_CHUNKS = 12
ANNOTATION_PERIOD = 30


def human_annotated(length: int) -> np.ndarray:
    """(length,) bool: frames annotated by hand (every 30th from frame 0, and the last frame)."""
    flags = np.arange(length) % ANNOTATION_PERIOD == 0
    flags[-1] = True
    return flags


class TrackingNet(AnnotatedSequences):
    """TrackingNet training sequences of the chosen chunks, from ``source`` (raw root or lmdb copy).

    Sequences are listed chunk by chunk, sorted by name within a chunk.
    """

    missing_frames_hint = ("TrackingNet frames must be extracted: TRAIN_<k>/zips/<seq>.zip -> "
                           "TRAIN_<k>/frames/<seq>/0.jpg, 1.jpg, ...")

    def __init__(self, source: FileSource, chunks: Sequence[int] | None = None, name: str = "TRACKINGNET") -> None:
        self.chunks = list(range(NUM_CHUNKS)) if chunks is None else [int(c) for c in chunks]
        bad = [c for c in self.chunks if not 0 <= c < NUM_CHUNKS]
        if bad:
            raise ValueError(f"{name}: TrackingNet training chunks are 0..{NUM_CHUNKS - 1}, got {bad}")
        missing = [f"TRAIN_{c}/anno" for c in self.chunks if not self._has_folder(source, f"TRAIN_{c}/anno")]
        if missing:
            raise IncompleteDatasetError(
                f"{name}: annotation folder(s) missing or empty under {source.root}: {', '.join(missing)}; "
                "trackingnet_dir must be the TrackingNet root holding TRAIN_0 .. TRAIN_11 "
                "(or select the chunks you have)")
        names, boxes, present, files, self._folders = [], [], [], [], []
        for chunk in self.chunks:
            for entry in source.list_dir(f"TRAIN_{chunk}/anno"):
                if not entry.endswith(".txt"):
                    continue
                seq = entry[:-len(".txt")]
                anno_file = f"TRAIN_{chunk}/anno/{entry}"
                gt = parse_boxes(source.read_text(anno_file), source.location(anno_file))
                names.append(seq)
                boxes.append(gt)
                present.append(human_annotated(len(gt)))
                files.append(anno_file)
                self._folders.append(f"TRAIN_{chunk}/frames/{seq}")
        super().__init__(name, source, names, boxes, present, files)

    @staticmethod
    def _has_folder(source: FileSource, rel: str) -> bool:
        try:
            return bool(source.list_dir(rel))
        except FileNotFoundError:
            return False

    def frame_file(self, seq_id: int, frame_id: int) -> str:
        return f"{self._folders[seq_id]}/{frame_id}.jpg"
