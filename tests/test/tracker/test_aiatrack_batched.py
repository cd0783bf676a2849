"""AiATrack's batched step (``PLUGIN.track_batch``) against the sequential ``track`` of each tracker."""
from __future__ import annotations

import math

import functools

import numpy as np
import pytest
import torch

from lib.models.aiatrack import build_aiatrack, prepare_for_tracking
from lib.test.tracker.aiatrack import AiATracker
from lib.test.tracker.base import track_each
from lib.trackers import get_plugin, load_config
from lib.utils.device import InferencePlan
from lib.utils.synthetic import render_video
from tests.test.tracker.batch_driver import one_by_one, run_interleaved
from tests.test.tracker.test_aiatrack_official import FREE_RUN_ATOL_PX

# The free-running predicted-IoU tolerance of tests/test/tracker/test_aiatrack_official.py (its boxes: FREE_RUN_ATOL_PX).
IOU_ATOL = 1e-4


@pytest.fixture(scope="module")
def tiny():
    """The tiny configuration with seeded random weights, prepared once (as load_tracker does)."""
    cfg = load_config("tiny")
    torch.manual_seed(0)
    return cfg, prepare_for_tracking(build_aiatrack(cfg), cfg.TEST.PRECISION)


# (height, width, frames, batch step at which the sequence joins, num_short, threshold)
SEQUENCES = [(120, 160, 7, 0, 3, 0.0), (96, 128, 4, 0, 2, -math.inf), (150, 110, 6, 1, 3, -math.inf),
             (128, 128, 3, 3, 1, 0.5), (110, 180, 5, 4, 3, 0.3)]


def _videos():
    rendered = [render_video(seed=7, index=i, num_frames=n, height=h, width=w, min_size=20, max_size=50)
                for i, (h, w, n, *_rest) in enumerate(SEQUENCES)]
    return [v.frames for v in rendered], [v.boxes_xywh[0].tolist() for v in rendered]


def _run(step, cfg, model):
    videos, boxes = _videos()

    def make(i: int) -> AiATracker:
        tracker = AiATracker(model, cfg, "default")
        tracker.num_short, tracker.threshold = SEQUENCES[i][4], SEQUENCES[i][5]
        tracker.cache_size = 4
        return tracker

    inspect = lambda i, tracker: (tracker.memory.frame_indices(), list(tracker.state))
    return run_interleaved(step, make, videos, boxes, [s[3] for s in SEQUENCES], inspect)


# The torch crop (the plan's device_crop, forced here on CPU) differs from the OpenCV crop by up to one grey
# level (tests/utils/test_crop_torch.py), so its batches are compared with the same crop one tracker at a time.
@pytest.mark.parametrize("device_crop", [False, True], ids=["opencv-crop", "torch-crop"])
def test_batched_equals_sequential_with_sequences_joining_and_leaving(device_crop, tiny, monkeypatch):
    cfg, model = tiny
    plan = InferencePlan(onednn_prepack=True, windowed_iou_head=True, device_crop=device_crop)
    step = functools.partial(get_plugin("aiatrack").track_batch, plan=plan)
    sequential = _run(one_by_one(step) if device_crop else track_each, cfg, model)
    encode, batch_sizes = model.encode, []

    def counting_encode(images, masks):
        batch_sizes.append(images.shape[0])
        return encode(images, masks)

    monkeypatch.setattr(model, "encode", counting_encode)
    batched = _run(step, cfg, model)
    # one encoder call per reference-count group per step: several searches share a call
    initializations = len(SEQUENCES)
    assert sum(batch_sizes) == initializations + sum(n - 1 for _, _, n, *_ in SEQUENCES)
    assert max(batch_sizes) == 3 and len(batch_sizes) < sum(batch_sizes)
    decisions = set()
    for i, (got, want) in enumerate(zip(batched, sequential)):
        assert len(got) == len(want) == SEQUENCES[i][2] - 1
        for t, ((out, (cache, state)), (ref, (ref_cache, ref_state))) in enumerate(zip(got, want)):
            assert out.keys() == ref.keys()
            np.testing.assert_allclose(out["target_bbox"], ref["target_bbox"], rtol=0, atol=FREE_RUN_ATOL_PX,
                                       err_msg=f"sequence {i} frame {t + 1}")
            assert abs(out["predicted_iou"] - ref["predicted_iou"]) < IOU_ATOL
            assert out["cache_updated"] == ref["cache_updated"] and cache == ref_cache, f"sequence {i} frame {t + 1}"
            assert state == out["target_bbox"]
            decisions.add(out["cache_updated"])
    assert decisions == {True, False}  # both memory paths were exercised


def test_batch_of_one_equals_track_exactly(tiny):
    cfg, model = tiny
    videos, boxes = _videos()
    step = get_plugin("aiatrack").track_batch
    one, alone = AiATracker(model, cfg, "default"), AiATracker(model, cfg, "default")
    for tracker in (one, alone):
        tracker.threshold = -math.inf
        tracker.initialize(videos[0][0], {"init_bbox": boxes[0]})
    for frame in videos[0][1:]:
        assert step([one], [frame]) == [alone.track(frame)]
    assert one.memory.frame_indices() == alone.memory.frame_indices()


def test_unequal_lengths_foreign_models_and_uninitialised_trackers_are_refused(tiny):
    cfg, model = tiny
    videos, boxes = _videos()
    step = get_plugin("aiatrack").track_batch
    with pytest.raises(ValueError, match="2 trackers but 1 frames"):
        step([AiATracker(model, cfg), AiATracker(model, cfg)], [videos[0][1]])
    other = prepare_for_tracking(build_aiatrack(cfg), cfg.TEST.PRECISION)
    with pytest.raises(ValueError, match="share one prepared model"):
        step([AiATracker(model, cfg), AiATracker(other, cfg)], [videos[0][1], videos[0][1]])
    with pytest.raises(RuntimeError, match="initialize"):
        step([AiATracker(model, cfg)], [videos[0][1]])


@pytest.mark.reference
@pytest.mark.slow
def test_batched_official_runs_match_the_recorded_outputs(reference_checkpoint, tracker_fixture):
    """The three recorded runs of the official tracker (different HYPER rows and reference counts), joining
    the batch at different steps, give the recorded outputs within the free-running fidelity tolerance."""
    from lib.models.aiatrack import load_checkpoint

    cfg = load_config("baseline")
    model = build_aiatrack(cfg)
    load_checkpoint(model, reference_checkpoint)
    model = prepare_for_tracking(model, cfg.TEST.PRECISION)
    names = ["lasot", "default", "lasot_cache5_thr0.58"]
    runs = [tracker_fixture["runs"][name] for name in names]
    video = tracker_fixture["video_rgb_uint8"].numpy()
    assert len({run["refer_cap"] for run in runs}) > 1  # several reference counts in one batch

    def make(i: int) -> AiATracker:
        tracker = AiATracker(model, cfg, runs[i]["dataset_name"])
        tracker.cache_size, tracker.threshold = runs[i]["cache_siz"], runs[i]["threshold"]
        return tracker

    init = tracker_fixture["init_bbox_xywh"].tolist()
    outputs = run_interleaved(get_plugin("aiatrack").track_batch, make, [video] * 3, [init] * 3, [0, 2, 5],
                              lambda i, tracker: tracker.memory.frame_indices())
    for run, produced in zip(runs, outputs):
        for t, (output, _) in enumerate(produced, start=1):
            assert output["cache_updated"] == bool(run["cache_updated"][t]), f"frame {t}"
            assert abs(output["predicted_iou"] - run["predicted_iou"][t].item()) < IOU_ATOL, f"frame {t}"
            np.testing.assert_allclose(output["target_bbox"], run["target_bbox_xywh"][t], rtol=0,
                                       atol=FREE_RUN_ATOL_PX, err_msg=f"frame {t}")
        assert produced[-1][1] == [f for f in run["cache_frames_after"][-1].tolist() if f >= 0]
