"""The interface shared by every training dataset (raw folders and lmdb alike)."""
from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import Sequence

import numpy as np
import torch


@dataclass
class SequenceAnnotation:
    """Per-frame annotation of one training sequence.

    ``boxes_xywh`` (N, 4) float32; ``valid`` (N,) bool: the box has positive width and height;
    ``visible`` (N,) bool: valid and the dataset marks the target as present.
    """

    boxes_xywh: torch.Tensor
    valid: torch.Tensor
    visible: torch.Tensor

    def __len__(self) -> int:
        return self.boxes_xywh.shape[0]


class TrackingDataset(ABC):
    """A set of annotated sequences (images are one-frame sequences) to sample training frames from."""

    #: short name used in configs and logs, e.g. ``"LASOT"``
    name: str = ""
    #: False for image datasets such as COCO, whose sequences have one frame
    is_video: bool = True

    @abstractmethod
    def __len__(self) -> int:
        """Number of sequences."""

    @abstractmethod
    def sequence_annotation(self, seq_id: int) -> SequenceAnnotation:
        """Boxes and flags of every frame of sequence ``seq_id``."""

    @abstractmethod
    def get_frames(self, seq_id: int, frame_ids: Sequence[int],
                   annotation: SequenceAnnotation | None = None) -> tuple[list[np.ndarray], torch.Tensor]:
        """RGB uint8 frames (H, W, 3) and their (len(frame_ids), 4) xywh boxes."""
