"""SiamAttn pair sampling: frame ranges over visible frames, negative pairs, masks, sample format."""
from __future__ import annotations

import numpy as np
import pytest

from lib.trackers import load_config
from lib.train.siamattn.sampler import SiamPairSampler


def video(in_memory_dataset, name: str, length: int, invisible: tuple[int, ...] = (), colour: int = 0):
    """One sequence whose box x coordinate is the frame id (so a sample tells which frame it came from)."""
    frames = np.full((length, 120, 160, 3), colour, np.uint8)
    boxes = np.array([[float(i), 30.0, 40.0, 30.0] for i in range(length)])
    visible = np.array([i not in invisible for i in range(length)])
    return in_memory_dataset(name, [(frames, boxes, visible)])


class MaskedDataset:
    """Wraps a dataset and adds a full-box mask per frame."""

    has_masks = True

    def __init__(self, inner) -> None:
        self.inner, self.name, self.is_video = inner, inner.name, True

    def __len__(self) -> int:
        return len(self.inner)

    def sequence_annotation(self, seq_id):
        return self.inner.sequence_annotation(seq_id)

    def get_frames(self, seq_id, frame_ids, annotation=None):
        return self.inner.get_frames(seq_id, frame_ids, annotation)

    def get_masks(self, seq_id, frame_ids):
        masks = []
        for box in self.inner.sequence_annotation(seq_id).boxes_xywh[list(frame_ids)].tolist():
            mask = np.zeros((120, 160), np.float32)
            x, y, w, h = (int(v) for v in box)
            mask[y:y + h, x:x + w] = 1
            masks.append(mask)
        return masks


def sampler(datasets, frame_ranges, ratios=None):
    """A sampler for the pair-drawing tests (they never call the processing)."""
    return SiamPairSampler(datasets, ratios or [1] * len(datasets), frame_ranges, 64, None)


def test_search_frame_within_range_of_visible_frames(in_memory_dataset):
    data = video(in_memory_dataset, "v", 40, invisible=tuple(range(10, 30)))
    pairs = sampler([data], [3])
    visible = [i for i in range(40) if not 10 <= i < 30]
    rng = np.random.default_rng(0)
    gaps = []
    for _ in range(300):
        template, search = pairs._positive_pair(0, rng)
        t, s = int(template.box_xywh[0]), int(search.box_xywh[0])
        assert t in visible and s in visible
        gaps.append(visible.index(s) - visible.index(t))
    # the range counts positions in the list of visible frames: 9 -> 30 is one step
    assert min(gaps) == -3 and max(gaps) == 3
    assert template.mask is None


def test_negative_pairs_and_masks_end_to_end(in_memory_dataset):
    cfg = load_config("tiny", {"DATA": {"TRAIN": {"DATASETS_NAME": ["A", "B"], "DATASETS_RATIO": [1, 1],
                                                   "FRAME_RANGE": [5, 5]}}}, tracker="siamattn")
    a = MaskedDataset(video(in_memory_dataset, "A", 20, colour=10))
    b = video(in_memory_dataset, "B", 20, colour=200)
    pairs = SiamPairSampler.from_config(cfg, [a, b])
    samples = [pairs[i] for i in range(40)]
    shapes = {k: tuple(v.shape) for k, v in samples[0].items()}
    assert shapes == {"template": (3, 127, 127), "search": (3, 255, 255), "label_cls": (5, 25, 25),
                      "label_loc": (4, 5, 25, 25), "label_loc_weight": (5, 25, 25), "bbox": (4,),
                      "search_mask": (1, 255, 255), "mask_weight": (), "bbox_weight": (), "roi_seed": ()}
    negative = [s for s in samples if s["bbox_weight"] == 0]
    assert 2 <= len(negative) <= 16                              # 20 % of 40
    for s in negative:
        assert (s["label_cls"] == 1).sum() == 0 and s["mask_weight"] == 0
    positive = [s for s in samples if s["bbox_weight"] == 1]
    assert all((s["label_cls"] == 1).sum() > 0 for s in positive)
    # masks only from dataset A (dark frames); B's search crops are bright and maskless
    for s in positive:
        from_a = s["search"].mean() < 100
        assert s["mask_weight"] == float(from_a)
        assert (s["search_mask"].sum() > 0) == from_a
    assert len({int(s["roi_seed"]) for s in samples}) == len(samples)


def test_bad_ratios_or_ranges_are_rejected(in_memory_dataset):
    data = video(in_memory_dataset, "v", 10)
    with pytest.raises(ValueError, match="frame ranges"):
        sampler([data], [3, 4])
    with pytest.raises(ValueError, match="ratios"):
        sampler([data], [3], ratios=[1, 2])


def test_a_dataset_without_a_visible_frame_is_refused_when_the_sampler_is_built(in_memory_dataset):
    visible = video(in_memory_dataset, "A", 10)
    hidden = video(in_memory_dataset, "B", 10, invisible=tuple(range(10)))
    # B has ratio 0 but negative pairs still draw their search object from it
    with pytest.raises(ValueError, match="training dataset B: none of its 1 sequence"):
        sampler([visible, hidden], [5, 5], ratios=[1, 0])
