"""What a dataset module hands to its two views: training annotations and benchmark sequences."""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np


@dataclass
class TrainingAnnotations:
    """The annotations of a dataset's training sequences, parsed once when the dataset is opened.

    ``names[i]`` is sequence i; ``folders[i]`` its frame folder relative to the dataset root;
    ``boxes[i]`` (N_i, 4) float32 x, y, w, h in pixels; ``present[i]`` (N_i,) bool: the dataset marks
    the target as present (visibility also needs a valid box, see ``lib/train/dataset/sequences.py``);
    ``files`` every annotation file read, relative to the root (what an lmdb copy must hold).
    """

    names: list[str] = field(default_factory=list)
    folders: list[str] = field(default_factory=list)
    boxes: list[np.ndarray] = field(default_factory=list)
    present: list[np.ndarray] = field(default_factory=list)
    files: list[str] = field(default_factory=list)


@dataclass
class SequenceRecord:
    """One benchmark sequence; the fields are those of ``lib.test.evaluation.sequence.Sequence`` but its tag.

    ``frames`` absolute frame paths; ``ground_truth_xywh`` (N, 4) float64, or (1, 4) when only the first
    frame is annotated; ``target_visible`` (N,) bool or ``None``; ``init_box_source`` names the file and
    line of the first-frame box.
    """

    name: str
    frames: list[str]
    ground_truth_xywh: np.ndarray
    init_box_source: str
    target_visible: np.ndarray | None = None
    object_class: str | None = None
    extra: dict = field(default_factory=dict)
