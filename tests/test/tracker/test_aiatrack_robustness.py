"""The tracker stays finite and inside the image in degenerate situations (random small network)."""
import math

import numpy as np
import pytest
import torch

from lib.trackers import load_config
from lib.test.tracker.aiatrack import CLIP_MARGIN, AiATracker

@pytest.fixture(scope="module")
def small_tracker_parts():
    """The tiny configuration (ResNet-18 trunk, 128-pixel crops): fast, same tracker code path."""
    from lib.models.aiatrack import build_aiatrack

    cfg = load_config("tiny")
    torch.manual_seed(0)
    return cfg, build_aiatrack(cfg).eval()


def _frames(count: int, height: int, width: int, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).integers(0, 256, size=(count, height, width, 3), dtype=np.uint8)


def _assert_valid_state(box, height: int, width: int) -> None:
    x, y, w, h = box
    assert all(math.isfinite(v) for v in box), box
    assert w >= CLIP_MARGIN and h >= CLIP_MARGIN, box
    assert 0 <= x and x + w <= width and 0 <= y and y + h <= height, box


@pytest.mark.parametrize("init_box", [
    [0.0, 0.0, 2.0, 3.0],         # a few pixels in the corner
    [0.0, 0.0, 64.0, 48.0],       # the whole image
    [60.0, 40.0, 30.0, 20.0],     # mostly outside the image (bottom right)
    [-20.0, 10.0, 25.0, 25.0],    # starting left of the border
])
def test_degenerate_targets_give_finite_boxes_inside_the_image(small_tracker_parts, init_box):
    cfg, model = small_tracker_parts
    frames = _frames(6, 48, 64)
    tracker = AiATracker(model, cfg, "lasot")
    tracker.threshold = -math.inf  # exercise the memory update on every frame as well
    tracker.initialize(frames[0], {"init_bbox": init_box})
    for frame in frames[1:]:
        output = tracker.track(frame)
        _assert_valid_state(output["target_bbox"], 48, 64)
        assert math.isfinite(output["predicted_iou"])
    assert len(tracker.memory) == len(frames)


def test_target_leaving_the_frame(small_tracker_parts):
    """A state pushed against the border (as after the target left the frame) is searched and clipped."""
    cfg, model = small_tracker_parts
    frames = _frames(4, 120, 160, seed=1)
    tracker = AiATracker(model, cfg, "default")
    tracker.initialize(frames[0], {"init_bbox": [140.0, 100.0, 20.0, 20.0]})
    for frame, state in zip(frames[1:], ([150.0, 110.0, 10.0, 10.0], [-500.0, -500.0, 10.0, 10.0],
                                         [1e4, 1e4, 10.0, 10.0])):
        tracker.state = state
        _assert_valid_state(tracker.track(frame)["target_bbox"], 120, 160)


@pytest.mark.parametrize("box", [[1.0, 2.0, 0.0, 5.0], [1.0, 2.0, 5.0, -1.0], [float("nan"), 0.0, 5.0, 5.0],
                                 [1.0, 2.0, 3.0]])
def test_invalid_initial_box_is_a_clear_error(small_tracker_parts, box):
    cfg, model = small_tracker_parts
    tracker = AiATracker(model, cfg)
    with pytest.raises(ValueError, match="init_bbox"):
        tracker.initialize(_frames(1, 48, 64)[0], {"init_bbox": box})


def test_track_before_initialize_is_a_clear_error(small_tracker_parts):
    cfg, model = small_tracker_parts
    with pytest.raises(RuntimeError, match="initialize"):
        AiATracker(model, cfg).track(_frames(1, 48, 64)[0])


def test_hyper_parameters_come_from_the_config(small_tracker_parts):
    cfg, model = small_tracker_parts
    custom = cfg.replace({"TEST": {"HYPER": {"OTB": [7, 2, 0.25]}}})
    tracker = AiATracker(model, custom, "otb")
    assert (tracker.cache_size, tracker.num_short, tracker.threshold) == (7, 2, 0.25)
    unknown = AiATracker(model, cfg, "some_new_benchmark")
    assert (unknown.cache_size, unknown.num_short, unknown.threshold) == (100, 3, 0.7)


def test_non_finite_network_output_keeps_the_previous_state():
    """Weights broken to NaN (e.g. a diverged training run) must not turn the state into NaN."""
    from lib.models.aiatrack import build_aiatrack

    cfg = load_config("tiny")
    model = build_aiatrack(cfg).eval()
    with torch.no_grad():
        for parameter in model.corner_head.parameters():
            parameter.fill_(float("nan"))
    frames = _frames(3, 48, 64)
    tracker = AiATracker(model, cfg)
    tracker.initialize(frames[0], {"init_bbox": [10.0, 12.0, 20.0, 16.0]})
    for frame in frames[1:]:
        output = tracker.track(frame)
        assert output["target_bbox"] == [10.0, 12.0, 20.0, 16.0]
        assert not output["cache_updated"]
