"""Both trackers give the same outputs whatever the memory layout of the ops' results (the CUDA fault class).

On CUDA, ``scaled_dot_product_attention`` returns a non-contiguous tensor where the CPU kernel returns a
contiguous one; a ``.view`` on it crashed every fp32 AiATrack frame on a GPU while every CPU test passed.
Here every fresh op output is made non-contiguous (``tests/layout.py``) and the tracking must not change.
"""
from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from lib.test.evaluation import tracking_traits
from lib.trackers.weights import choose_weights, load_tracker_from_weights
from lib.utils.synthetic import render_video
from tests.layout import NonContiguousOutputs


def _track(factory, video, frames: int) -> tuple[np.ndarray, list]:
    tracker = factory(tracking_traits("lasot"))
    tracker.initialize(video.frames[0], {"init_bbox": video.boxes_xywh[0].tolist()})
    boxes, decisions = [], []
    for frame in video.frames[1:frames]:
        out = tracker.track(frame)
        boxes.append(out["target_bbox"])
        decisions.append(out.get("cache_updated", out.get("best_score")))
    return np.asarray(boxes), decisions


@pytest.fixture(scope="module")
def video():
    return render_video(seed=5, index=1, num_frames=8, height=240, width=320)


@pytest.mark.parametrize("tracker_name", ["aiatrack", "siamattn"])
def test_tracking_is_unchanged_when_every_op_returns_a_non_contiguous_tensor(tracker_name, video):
    factory = load_tracker_from_weights(choose_weights(tracker=tracker_name))
    plain_boxes, plain_decisions = _track(factory, video, 6)
    with NonContiguousOutputs() as mode:
        boxes, decisions = _track(factory, video, 6)
    assert mode.scrambled > 100  # the mode really reached the network's ops
    np.testing.assert_allclose(boxes, plain_boxes, atol=1e-3)
    if tracker_name == "aiatrack":
        assert decisions == plain_decisions
    else:  # best scores
        np.testing.assert_allclose(decisions, plain_decisions, atol=1e-5)


def test_aia_attention_accepts_the_cuda_layout_of_scaled_dot_product_attention(video):
    """The exact CUDA case: only SDPA's output is strided as the flash / memory-efficient kernels return it."""
    factory = load_tracker_from_weights(choose_weights(tracker="aiatrack"))
    plain_boxes, _ = _track(factory, video, 4)
    with NonContiguousOutputs([F.scaled_dot_product_attention]) as mode:
        boxes, _ = _track(factory, video, 4)
    assert mode.scrambled > 0
    np.testing.assert_allclose(boxes, plain_boxes, atol=1e-4)


def test_scramble_keeps_values_and_breaks_view():
    from tests.layout import scramble

    x = torch.arange(24.0).view(2, 3, 4)
    y = scramble(x)
    assert torch.equal(x, y) and not y.is_contiguous()
    with pytest.raises(RuntimeError, match="view size is not compatible"):
        y.view(2, 12)
