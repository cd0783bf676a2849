"""SiamAttn training pairs (pysot ``TrkDataset`` sampling) drawn from our training datasets.

Per sample:

* with probability ``neg`` the pair is *negative*: the template is a random object of a dataset chosen
  by the ratios, the search a random object of a dataset chosen uniformly (pysot); otherwise
* a dataset is chosen with probability proportional to its ratio (pysot's ``NUM_USE``), a sequence
  uniformly inside it, the template uniformly among the sequence's visible frames and the search among
  the visible frames at most ``frame_range`` positions away in that list of visible frames
  (``frame_range`` per dataset, pysot's ``FRAME_RANGE``).

Every dataset needs a sequence with a visible frame (checked when the sampler is built: negative pairs
draw from every dataset, whatever its ratio). Datasets with object masks (``has_masks = True`` and
``get_masks(seq_id, frame_ids) -> list of (H, W) arrays``, None for a frame without a mask) give the
search frame's mask to the processing. Randomness as in ``sampler.TrackingSampler``:
one numpy ``Generator`` per data-loader worker seeded from ``(seed, rank, epoch, worker id)``.
"""
from __future__ import annotations

from typing import Sequence

import numpy as np
import torch
import torch.utils.data

from lib.config import ConfigNode
from lib.train.siamattn.processing import FrameObject, SiamAttnProcessing
from lib.train.seeding import EpochSeededDataset
from lib.train.dataset.base import TrackingDataset

MAX_SEQUENCE_DRAWS = 1000


class SiamPairSampler(EpochSeededDataset):
    """``samples_per_epoch`` random (template, search) pairs per epoch; ``index`` is ignored."""

    def __init__(self, datasets: Sequence[TrackingDataset], ratios: Sequence[float], frame_ranges: Sequence[int],
                 samples_per_epoch: int, processing: SiamAttnProcessing, neg: float = 0.2, seed: int = 0,
                 rank: int = 0) -> None:
        """Raises ``ValueError`` when ``ratios`` or ``frame_ranges`` do not give one entry per dataset or a
        dataset has no visible frame."""
        if not datasets:
            raise ValueError("the pair sampler needs at least one dataset")
        weights = np.asarray(ratios, dtype=np.float64)
        if weights.shape != (len(datasets),) or (weights < 0).any() or weights.sum() <= 0:
            raise ValueError(f"dataset ratios {list(ratios)} do not fit the {len(datasets)} datasets "
                             "(one non-negative weight each, not all zero)")
        if len(frame_ranges) != len(datasets) or any(r < 0 for r in frame_ranges):
            raise ValueError(f"frame ranges {list(frame_ranges)} do not fit the {len(datasets)} datasets "
                             "(one non-negative range each)")
        for dataset in datasets:
            check_has_visible(dataset)
        self.datasets = list(datasets)
        self.probabilities = weights / weights.sum()
        self.frame_ranges = [int(r) for r in frame_ranges]
        super().__init__(samples_per_epoch, seed, rank)
        self.processing = processing
        self.neg = neg

    @classmethod
    def from_config(cls, cfg: ConfigNode, datasets: Sequence[TrackingDataset], rank: int = 0) -> "SiamPairSampler":
        """Ratios, frame ranges and samples per epoch from ``DATA.TRAIN``, ``DATA.NEG``, ``TRAIN.SEED``."""
        train = cfg.DATA.TRAIN
        return cls(datasets, train.DATASETS_RATIO, train.FRAME_RANGE, train.SAMPLE_PER_EPOCH,
                   SiamAttnProcessing.from_config(cfg), cfg.DATA.NEG, cfg.TRAIN.SEED, rank)

    def __getitem__(self, index: int) -> dict[str, torch.Tensor]:
        rng = self._generator()
        negative = self.neg > rng.random()
        first = int(rng.choice(len(self.datasets), p=self.probabilities))
        if negative:
            template = self._random_object(first, rng)
            search = self._random_object(int(rng.integers(len(self.datasets))), rng)
        else:
            template, search = self._positive_pair(first, rng)
        return self.processing(template, search, negative, rng)

    def _visible_sequence(self, dataset: TrackingDataset, rng: np.random.Generator) -> tuple[int, np.ndarray]:
        """A random sequence with at least one visible frame and the ids of its visible frames."""
        for _ in range(MAX_SEQUENCE_DRAWS):
            seq_id = int(rng.integers(len(dataset)))
            visible = np.flatnonzero(dataset.sequence_annotation(seq_id).visible.numpy())
            if visible.size:
                return seq_id, visible
        raise RuntimeError(f"{dataset.name}: no sequence with a visible target in {MAX_SEQUENCE_DRAWS} random draws")

    def _positive_pair(self, which: int, rng: np.random.Generator) -> tuple[FrameObject, FrameObject]:
        dataset = self.datasets[which]
        seq_id, visible = self._visible_sequence(dataset, rng)
        template_pos = int(rng.integers(visible.size))
        frame_range = self.frame_ranges[which]
        left = max(template_pos - frame_range, 0)
        right = min(template_pos + frame_range, visible.size - 1) + 1
        search_pos = int(rng.integers(left, right))
        template, search = _read_objects(dataset, seq_id, [int(visible[template_pos]), int(visible[search_pos])])
        return template, search

    def _random_object(self, which: int, rng: np.random.Generator) -> FrameObject:
        dataset = self.datasets[which]
        seq_id, visible = self._visible_sequence(dataset, rng)
        return _read_objects(dataset, seq_id, [int(visible[rng.integers(visible.size)])])[0]


def check_has_visible(dataset: TrackingDataset) -> None:
    """``ValueError`` when no sequence of ``dataset`` has a frame with the target visible (stops at the first
    sequence that has one)."""
    if any(dataset.sequence_annotation(i).visible.any() for i in range(len(dataset))):
        return
    raise ValueError(f"training dataset {dataset.name}: none of its {len(dataset)} sequence(s) has a frame with the "
                     "target visible (a box of positive width and height; COCO: wider and taller than 50 px), so no "
                     "training pair can be drawn from it")


def _read_objects(dataset: TrackingDataset, seq_id: int, frame_ids: list[int]) -> list[FrameObject]:
    """Frames, boxes and (if the dataset has them) masks of ``frame_ids`` of one sequence."""
    frames, boxes = dataset.get_frames(seq_id, frame_ids)
    masks: Sequence[np.ndarray | None] = (dataset.get_masks(seq_id, frame_ids)  # type: ignore[attr-defined]
                                          if getattr(dataset, "has_masks", False) else [None] * len(frame_ids))
    return [FrameObject(frame, box.numpy(), mask) for frame, box, mask in zip(frames, boxes, masks)]
