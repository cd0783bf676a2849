"""The AiATrack training sampler: frame triplets drawn from a weighted mix of tracking datasets.

Per sample (official rules): a dataset is chosen with probability proportional to its ratio and a
sequence uniformly inside it (video sequences need more than 6 visible frames and at least 20
frames). A visible *base* frame is drawn from frames 1 .. N-2, ``num_short_refs`` visible frames
(with replacement) from the ``max_gap * num_short_refs`` frames before it; sorted, these are the
references (the earliest is the long-term reference, the others the short-term ones). The search
frame is a visible frame among the ``max_gap - 1`` frames after the last reference. When a
window holds no visible frame the draw starts over with both windows widened by 5 frames.
Image datasets (one-frame sequences) repeat their image for every frame; as officially, their
annotations are used whatever their visible flag (the processing still rejects empty boxes).

Randomness: every draw comes from one numpy ``Generator`` per data-loader worker, seeded from
``(seed, rank, epoch, worker id)``, so a run is reproducible for a given number of workers.
"""
from __future__ import annotations

from typing import Callable, Sequence

import numpy as np
import torch
import torch.utils.data

from lib.train.seeding import EpochSeededDataset
from lib.train.dataset.base import SequenceAnnotation, TrackingDataset
from lib.utils.profiling import StageTimer

MIN_SEQUENCE_LENGTH = 20
MIN_VISIBLE_FRAMES = 7
GAP_INCREMENT = 5
MAX_SEQUENCE_DRAWS = 1000
MAX_SAMPLE_ATTEMPTS = 100

Processing = Callable[[Sequence[np.ndarray], torch.Tensor, np.ndarray, torch.Tensor, np.random.Generator],
                      "dict[str, torch.Tensor] | None"]


class TrackingSampler(EpochSeededDataset):
    """``samples_per_epoch`` random training samples per epoch; ``index`` is ignored."""

    def __init__(self, datasets: Sequence[TrackingDataset], ratios: Sequence[float] | None,
                 samples_per_epoch: int, max_gap: int, processing: Processing, seed: int = 0, rank: int = 0,
                 num_short_refs: int = 1) -> None:
        """``ratios`` weight the datasets (None: proportional to their number of sequences);
        ``rank`` separates the random streams of distributed processes."""
        if not datasets:
            raise ValueError("the training sampler needs at least one dataset")
        weights = np.asarray([len(d) for d in datasets] if ratios is None else ratios, dtype=np.float64)
        if weights.shape != (len(datasets),) or (weights < 0).any() or weights.sum() <= 0:
            raise ValueError(f"dataset ratios {list(weights)} do not fit the {len(datasets)} datasets "
                             "(one non-negative weight each, not all zero)")
        empty = [d.name for d, w in zip(datasets, weights) if w > 0 and len(d) == 0]
        if empty:
            raise ValueError(f"training datasets without sequences: {', '.join(empty)}")
        for dataset, weight in zip(datasets, weights):
            if weight > 0:
                check_usable(dataset)
        self.datasets = list(datasets)
        self.probabilities = weights / weights.sum()
        super().__init__(samples_per_epoch, seed, rank)
        self.max_gap = max_gap
        self.processing = processing
        self.num_short_refs = num_short_refs
        self.timer = StageTimer()

    def __getitem__(self, index: int) -> dict[str, torch.Tensor]:
        rng = self._generator()
        for _ in range(MAX_SAMPLE_ATTEMPTS):
            dataset = self.datasets[rng.choice(len(self.datasets), p=self.probabilities)]
            seq_id, annotation = self._sample_sequence(dataset, rng)
            if dataset.is_video:
                frame_ids = self.sample_frame_ids(annotation.visible.numpy().astype(bool), rng)
            else:
                frame_ids = [0] * (self.num_short_refs + 2)
            with self.timer.stage("decode"):
                unique_ids = sorted(set(frame_ids))
                images, boxes = dataset.get_frames(seq_id, unique_ids, annotation)
            position = [unique_ids.index(i) for i in frame_ids]
            frames = [images[p] for p in position]
            boxes = torch.as_tensor(boxes, dtype=torch.float32)[position]
            sample = self.processing(frames[:-1], boxes[:-1], frames[-1], boxes[-1], rng)
            if sample is not None:
                return sample
        raise RuntimeError(f"{MAX_SAMPLE_ATTEMPTS} consecutive draws were rejected by the processing "
                           f"(boxes too small to crop or crops of padding only); check the annotations of "
                           f"{', '.join(d.name for d in self.datasets)}")

    def _sample_sequence(self, dataset: TrackingDataset, rng: np.random.Generator
                         ) -> tuple[int, SequenceAnnotation]:
        """A random sequence of ``dataset``; video sequences must be long and visible enough."""
        for _ in range(MAX_SEQUENCE_DRAWS):
            seq_id = int(rng.integers(len(dataset)))
            annotation = dataset.sequence_annotation(seq_id)
            if not dataset.is_video:
                return seq_id, annotation
            if usable_sequence(annotation):
                return seq_id, annotation
        raise RuntimeError(f"{dataset.name}: no sequence with at least {MIN_SEQUENCE_LENGTH} frames and "
                           f"{MIN_VISIBLE_FRAMES} visible ones in {MAX_SEQUENCE_DRAWS} random draws")

    def sample_frame_ids(self, visible: np.ndarray, rng: np.random.Generator) -> list[int]:
        """Frame ids [long-term, short-term..., search] of one video sequence (see module docstring)."""
        extra = 0
        while True:
            base = _visible_ids(visible, rng, 1, self.num_short_refs, len(visible) - 1)
            earlier = _visible_ids(visible, rng, self.num_short_refs,
                                   base[0] - self.max_gap * self.num_short_refs - extra, base[0])
            if earlier is not None:
                references = sorted(base + earlier)
                search = _visible_ids(visible, rng, 1, references[-1] + 1, references[-1] + self.max_gap + extra)
                if search is not None:
                    return references + search
            extra += GAP_INCREMENT


def usable_sequence(annotation: SequenceAnnotation) -> bool:
    """Whether a video sequence can give a sample: enough frames, enough of them with a visible target."""
    return len(annotation) >= MIN_SEQUENCE_LENGTH and int(annotation.visible.sum()) >= MIN_VISIBLE_FRAMES


def check_usable(dataset: TrackingDataset) -> None:
    """``ValueError`` when no sequence of a video ``dataset`` can be sampled (found before training starts)."""
    if not dataset.is_video or any(usable_sequence(dataset.sequence_annotation(i)) for i in range(len(dataset))):
        return
    raise ValueError(f"training dataset {dataset.name}: none of its {len(dataset)} sequence(s) can be sampled; each "
                     f"needs at least {MIN_SEQUENCE_LENGTH} frames of which {MIN_VISIBLE_FRAMES} show the target "
                     "(visible, positive width and height)")


def _visible_ids(visible: np.ndarray, rng: np.random.Generator, count: int, start: int, stop: int
                 ) -> list[int] | None:
    """``count`` visible frame ids drawn with replacement from ``start <= id < stop`` (clipped to the
    sequence); None when there is none."""
    start, stop = max(start, 0), min(stop, len(visible))
    candidates = np.flatnonzero(visible[start:stop]) + start if stop > start else np.empty(0, np.int64)
    if candidates.size == 0:
        return None
    return [int(i) for i in rng.choice(candidates, size=count)]
