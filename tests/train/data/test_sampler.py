"""Frame sampling: visibility, intervals, dataset mixing and seeding."""
from __future__ import annotations

import random

import numpy as np
import pytest
import torch
from torch.utils.data import DataLoader

from lib.train.aiatrack import AiATrackProcessing, TrackingSampler
from lib.train.seeding import worker_init_fn
from lib.utils.synthetic import render_video


def frame_ids_processing(reference_frames, reference_boxes, search_frame, search_box, rng):
    """Processing that reports the sampled frames: box x encodes the frame index, box w the dataset."""
    boxes = torch.cat((reference_boxes, search_box[None]))
    return {"ids": boxes[:, 0].long(), "tag": boxes[:, 2].long()}


def indexed_sequence(visible, tag: int = 8):
    """A sequence whose box of frame i is (i, 0, tag, tag), with tiny blank frames."""
    n = len(visible)
    boxes = np.stack([np.arange(n), np.zeros(n), np.full(n, tag), np.full(n, tag)], axis=1)
    return np.zeros((n, 4, 4, 3), np.uint8), boxes, np.asarray(visible, bool)


def draw(sampler, count):
    return [sampler[i] for i in range(count)]


def test_visible_frames_and_max_interval(in_memory_dataset):
    # 60 frames, frames 0 and 59 visible, invisible runs of at most 4 frames: with max_gap 6 every
    # visible base frame has a visible frame in the 6 frames before it and in the 5 after it, so
    # the windows never need widening and the official bounds hold exactly.
    visible = np.ones(60, bool)
    for start, length in ((3, 4), (12, 2), (20, 4), (31, 1), (40, 3), (50, 4)):
        visible[start:start + length] = False
    sampler = TrackingSampler([in_memory_dataset("seq", [indexed_sequence(visible)])], [1], 800, 6,
                              frame_ids_processing, seed=1)
    long_gaps, search_gaps = set(), set()
    for sample in draw(sampler, 800):
        long_term, short_term, search = sample["ids"].tolist()
        assert visible[long_term] and visible[short_term] and visible[search]
        assert 1 <= short_term - long_term <= 6  # short-term reference = base frame, from frames 1..58
        assert 1 <= search - short_term <= 5
        assert 1 <= short_term <= 58
        long_gaps.add(short_term - long_term)
        search_gaps.add(search - short_term)
    assert long_gaps == set(range(1, 7)) and search_gaps == set(range(1, 6))  # the bounds are reached


def test_windows_widen_when_no_visible_frame_is_near(in_memory_dataset):
    # Two visible blocks 30 frames apart and max_gap 5: a base at frame 30 has no visible frame in
    # its window, so the window grows by 5 until it reaches the first block.
    visible = np.zeros(40, bool)
    visible[0:4] = True
    visible[30:34] = True
    sampler = TrackingSampler([in_memory_dataset("seq", [indexed_sequence(visible)])], [1], 300, 5,
                              frame_ids_processing, seed=2)
    pairs = set()
    for sample in draw(sampler, 300):
        ids = sample["ids"].tolist()
        assert all(visible[i] for i in ids) and ids[0] <= ids[1] < ids[2]
        pairs.add((ids[0] < 30, ids[2] >= 30))
    assert (True, True) in pairs  # references in the first block, search in the second


def test_short_sequences_and_few_visible_frames_are_skipped(in_memory_dataset):
    short = indexed_sequence(np.ones(19, bool), tag=4)  # too short
    hidden = indexed_sequence(np.r_[np.ones(6, bool), np.zeros(30, bool)], tag=5)  # 6 visible frames
    good = indexed_sequence(np.ones(25, bool), tag=6)
    sampler = TrackingSampler([in_memory_dataset("mix", [short, hidden, good])], [1], 50, 10,
                              frame_ids_processing, seed=3)
    assert {int(t) for sample in draw(sampler, 50) for t in sample["tag"]} == {6}


def test_image_dataset_repeats_its_frame(in_memory_dataset):
    images = in_memory_dataset("images", [indexed_sequence([False], tag=7)], is_video=False)
    sampler = TrackingSampler([images], [1], 5, 200, frame_ids_processing, seed=4)
    for sample in draw(sampler, 5):
        assert sample["ids"].tolist() == [0, 0, 0] and sample["tag"].tolist() == [7, 7, 7]


def test_datasets_mixed_by_ratio(in_memory_dataset):
    datasets = [in_memory_dataset(f"d{tag}", [indexed_sequence(np.ones(30, bool), tag=tag)]) for tag in (1, 2, 3)]
    sampler = TrackingSampler(datasets, [3, 1, 0], 2000, 10, frame_ids_processing, seed=5)
    tags = np.array([int(sample["tag"][0]) for sample in draw(sampler, 2000)])
    assert (tags == 3).sum() == 0
    assert abs((tags == 1).mean() - 0.75) < 0.04  # binomial sd 0.01


def test_ratios_default_to_dataset_sizes(in_memory_dataset):
    small = in_memory_dataset("small", [indexed_sequence(np.ones(30, bool), tag=1)])
    large = in_memory_dataset("large", [indexed_sequence(np.ones(30, bool), tag=2)] * 3)
    sampler = TrackingSampler([small, large], None, 1000, 10, frame_ids_processing, seed=6)
    tags = np.array([int(sample["tag"][0]) for sample in draw(sampler, 1000)])
    assert abs((tags == 1).mean() - 0.25) < 0.05  # binomial sd 0.014


def test_bad_ratios_rejected(in_memory_dataset):
    dataset = in_memory_dataset("d", [indexed_sequence(np.ones(30, bool))])
    with pytest.raises(ValueError, match="ratios"):
        TrackingSampler([dataset], [1, 1], 10, 10, frame_ids_processing)
    with pytest.raises(ValueError, match="without sequences"):
        TrackingSampler([in_memory_dataset("empty", [])], [1], 10, 10, frame_ids_processing)


@pytest.fixture
def synthetic_sampler(in_memory_dataset):
    """Real processing (small crops) over three short synthetic videos."""
    videos = [render_video(21, i, num_frames=24) for i in range(3)]
    dataset = in_memory_dataset("synthetic", [(v.frames, v.boxes_xywh, ~v.absent) for v in videos])

    def make(seed: int = 0) -> TrackingSampler:
        return TrackingSampler([dataset], [1], 16, 200, AiATrackProcessing(output_size=64), seed=seed)
    return make


def _equal(a: dict, b: dict) -> bool:
    return a.keys() == b.keys() and all(torch.equal(a[k], b[k]) for k in a)


def test_same_seed_identical_samples_whatever_the_global_rngs(synthetic_sampler):
    first = synthetic_sampler(seed=7)
    torch.manual_seed(1), np.random.seed(1), random.seed(1)
    run_a = draw(first, 6)
    torch.manual_seed(2), np.random.seed(2), random.seed(2)
    run_b = draw(synthetic_sampler(seed=7), 6)
    assert all(_equal(a, b) for a, b in zip(run_a, run_b))
    assert not _equal(run_a[0], run_a[1])


def test_different_seeds_and_epochs_differ(synthetic_sampler):
    reference = draw(synthetic_sampler(seed=7), 4)
    next_epoch = synthetic_sampler(seed=7)
    next_epoch.set_epoch(1)
    for other in (draw(synthetic_sampler(seed=8), 4), draw(next_epoch, 4)):
        assert not any(_equal(a, b) for a, b in zip(reference, other))


def test_data_loader_workers_reproducible_and_distinct(synthetic_sampler):
    def batches(seed):
        loader = DataLoader(synthetic_sampler(seed=seed), batch_size=2, num_workers=2,
                            worker_init_fn=worker_init_fn)
        return list(loader)

    first, second = batches(3), batches(3)
    assert len(first) == 8
    assert all(_equal(a, b) for a, b in zip(first, second))
    # batch 0 comes from worker 0 and batch 1 from worker 1: their streams differ
    assert not torch.equal(first[0]["search_box"], first[1]["search_box"])
    # worker 0's stream is the one the main process uses without workers
    in_process = list(DataLoader(synthetic_sampler(seed=3), batch_size=2))
    assert _equal(first[0], in_process[0]) and not _equal(first[1], in_process[1])
    assert first[0]["reference_images"].shape == (2, 2, 3, 64, 64)


def test_samples_from_a_synthetic_got10k_folder(tmp_path):
    from lib.trackers import load_config
    from lib.train.aiatrack import build_train_sampler
    from lib.train.dataset import Got10k
    from lib.datasets.storage import DirectorySource
    from lib.utils.synthetic import render_videos, write_got10k

    write_got10k(tmp_path, render_videos(4, 2, num_frames=24), "train")
    cfg = load_config("baseline_got", {"DATA": {"SEARCH": {"SIZE": 128}, "TRAIN": {"SAMPLE_PER_EPOCH": 3}}})
    sampler = build_train_sampler(cfg, [Got10k(DirectorySource(tmp_path), split="all")])
    assert len(sampler) == 3
    sample = sampler[0]
    assert sample["reference_images"].shape == (2, 3, 128, 128) and sample["reference_regions"].shape == (2, 8, 8)
    # the long-term reference is centred on its target: its region touches the middle 2x2 tokens only
    region = sample["reference_regions"][0]
    assert region[3:5, 3:5].any() and region.sum() >= 1
    assert not region[:2].any() and not region[6:].any() and not region[:, :2].any() and not region[:, 6:].any()
