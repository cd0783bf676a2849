"""Common base of the training datasets: annotations parsed once and packed, frames read on demand."""
from __future__ import annotations

from abc import abstractmethod
from typing import Sequence

import numpy as np
import torch

from lib.train.dataset.base import SequenceAnnotation, TrackingDataset
from lib.datasets.storage import FileSource, IncompleteDatasetError, check_present


class AnnotatedSequences(TrackingDataset):
    """A ``TrackingDataset`` whose boxes and flags sit in a few flat arrays built at start-up.

    Subclasses parse their annotation files (through ``source``, so raw folders and lmdb databases
    share the code), call ``__init__`` with one (N_i, 4) box array and one (N_i,) "target present"
    array per sequence, and name each frame's file with ``frame_file``. Construction fails with
    ``IncompleteDatasetError`` when any annotated frame's file is missing (checked with one folder
    listing per sequence on raw folders), so training never meets a missing frame later.
    """

    #: added to the error raised when frames are missing (e.g. how to extract them)
    missing_frames_hint: str = ""

    def __init__(self, name: str, source: FileSource, sequence_names: Sequence[str],
                 boxes: Sequence[np.ndarray], present: Sequence[np.ndarray],
                 annotation_files: Sequence[str], is_video: bool = True) -> None:
        if not sequence_names:
            raise IncompleteDatasetError(f"{name}: no sequences found in {source.root}")
        self.name = name
        self.is_video = is_video
        self.source = source
        self.sequence_names = list(sequence_names)
        self.annotation_files = list(annotation_files)
        self._starts = np.concatenate([[0], np.cumsum([len(b) for b in boxes])]).astype(np.int64)
        self._boxes = np.ascontiguousarray(np.concatenate(boxes), dtype=np.float32)
        self._valid = self.valid_boxes(self._boxes)
        self._visible = self._valid & np.concatenate(present).astype(bool)
        self._check_frames()

    @staticmethod
    def valid_boxes(boxes: np.ndarray) -> np.ndarray:
        """Which boxes are usable: positive width and height (COCO overrides this)."""
        return (boxes[:, 2] > 0) & (boxes[:, 3] > 0)

    @abstractmethod
    def frame_file(self, seq_id: int, frame_id: int) -> str:
        """Path (relative to the source root) of frame ``frame_id`` of sequence ``seq_id``."""

    def __len__(self) -> int:
        return len(self.sequence_names)

    def sequence_length(self, seq_id: int) -> int:
        """Number of annotated frames of sequence ``seq_id``."""
        return int(self._starts[seq_id + 1] - self._starts[seq_id])

    def sequence_annotation(self, seq_id: int) -> SequenceAnnotation:
        if not 0 <= seq_id < len(self):
            raise IndexError(f"{self.name}: sequence {seq_id} out of range (0..{len(self) - 1})")
        start, stop = self._starts[seq_id], self._starts[seq_id + 1]
        return SequenceAnnotation(boxes_xywh=torch.from_numpy(self._boxes[start:stop].copy()),
                                  valid=torch.from_numpy(self._valid[start:stop].copy()),
                                  visible=torch.from_numpy(self._visible[start:stop].copy()))

    def _annotation_row(self, seq_id: int, frame_id: int) -> int:
        """Row of the sequence annotation that describes ``frame_id`` (image datasets: always 0)."""
        if not self.is_video:
            return 0
        length = self.sequence_length(seq_id)
        if not 0 <= frame_id < length:
            raise IndexError(f"{self.name}: frame {frame_id} out of range for sequence "
                             f"{self.sequence_names[seq_id]} with {length} frames")
        return frame_id

    def get_frames(self, seq_id: int, frame_ids: Sequence[int],
                   annotation: SequenceAnnotation | None = None) -> tuple[list[np.ndarray], torch.Tensor]:
        """Frames ``frame_ids`` of sequence ``seq_id`` (RGB uint8) and their xywh boxes.

        For image datasets (``is_video`` False) every frame id denotes the single image.
        """
        if annotation is None:
            annotation = self.sequence_annotation(seq_id)
        rows = [self._annotation_row(seq_id, int(f)) for f in frame_ids]
        decoded: dict[int, np.ndarray] = {}
        frames = []
        for row in rows:
            if row in decoded:
                frames.append(decoded[row].copy())
            else:
                decoded[row] = self.source.read_image(self.frame_file(seq_id, row))
                frames.append(decoded[row])
        boxes = annotation.boxes_xywh[torch.as_tensor(rows, dtype=torch.long)].clone()
        return frames, boxes

    def source_files(self) -> list[str]:
        """Every file this dataset reads (annotations, then all frames): what an lmdb copy must hold."""
        frames = (self.frame_file(seq_id, frame_id)
                  for seq_id in range(len(self)) for frame_id in range(self.sequence_length(seq_id)))
        return list(dict.fromkeys([*self.annotation_files, *frames]))

    def _check_frames(self) -> None:
        """Raise ``IncompleteDatasetError`` listing the annotated frames whose file is missing."""
        frames = [self.frame_file(seq_id, frame_id) for seq_id in range(len(self))
                  for frame_id in range(self.sequence_length(seq_id) if self.is_video else 1)]
        check_present(self.name, self.source, frames, hint=self.missing_frames_hint)
