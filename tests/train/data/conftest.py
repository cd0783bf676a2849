"""An in-memory ``TrackingDataset`` (a complete implementation of the ABC) for the data-pipeline tests."""
from __future__ import annotations

from typing import Sequence

import numpy as np
import pytest
import torch

from lib.train.dataset.base import SequenceAnnotation, TrackingDataset


class InMemoryDataset(TrackingDataset):
    """Sequences held as arrays: frames (N, H, W, 3) uint8, boxes (N, 4) xywh, visible (N,) bool."""

    def __init__(self, name: str, sequences: Sequence[tuple[np.ndarray, np.ndarray, np.ndarray]],
                 is_video: bool = True) -> None:
        self.name, self.is_video = name, is_video
        self._sequences = list(sequences)

    def __len__(self) -> int:
        return len(self._sequences)

    def sequence_annotation(self, seq_id: int) -> SequenceAnnotation:
        _, boxes, visible = self._sequences[seq_id]
        boxes = torch.as_tensor(boxes, dtype=torch.float32)
        valid = (boxes[:, 2] > 0) & (boxes[:, 3] > 0)
        return SequenceAnnotation(boxes, valid, valid & torch.as_tensor(visible, dtype=torch.bool))

    def get_frames(self, seq_id: int, frame_ids: Sequence[int], annotation: SequenceAnnotation | None = None
                   ) -> tuple[list[np.ndarray], torch.Tensor]:
        frames, _, _ = self._sequences[seq_id]
        annotation = annotation or self.sequence_annotation(seq_id)
        return [frames[i] for i in frame_ids], annotation.boxes_xywh[list(frame_ids)]


@pytest.fixture
def in_memory_dataset() -> type[InMemoryDataset]:
    """The class itself, so tests build the sequences they need."""
    return InMemoryDataset
