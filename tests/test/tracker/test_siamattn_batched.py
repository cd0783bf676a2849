"""SiamAttn's batched step (``PLUGIN.track_batch``) against the sequential ``track`` of each tracker."""
from __future__ import annotations

import functools

import numpy as np
import pytest

from lib.test.evaluation import tracking_traits
from lib.test.tracker.base import track_each
from lib.trackers import get_plugin, load_config, load_tracker
from lib.utils.device import InferencePlan
from lib.utils.synthetic import render_video
from tests.test.tracker.batch_driver import one_by_one, run_interleaved
from tests.test.tracker.test_siamattn_tracker import MASK_TOL, STATE_TOL, _compare_step

SMALL_WITH_MASK = {"MODEL": {"BACKBONE": {"TYPE": "resnet18"}, "CHANNELS": 16, "DEFORM_FC_CHANNELS": 16,
                             "FC_CHANNELS": 16, "MASK": True}}

# (height, width, frames, batch step at which the sequence joins, HYPER row)
SEQUENCES = [(120, 160, 5, 0, "vot18"), (96, 128, 3, 0, "otb"), (150, 110, 4, 1, "vot18"),
             (110, 180, 3, 3, "otb")]


@pytest.fixture(scope="module")
def factory():
    """A small SiamAttn with the mask branch and seeded random weights, prepared once by load_tracker."""
    cfg = load_config(overrides=SMALL_WITH_MASK, tracker="siamattn")
    with pytest.warns(UserWarning, match="RANDOMLY INITIALISED"):
        return load_tracker("siamattn", cfg, None)


def _run(step, factory, inspect=lambda i, tracker: (tracker.center_pos.copy(), tracker.size.copy())):
    rendered = [render_video(seed=11, index=i, num_frames=n, height=h, width=w, min_size=20, max_size=50)
                for i, (h, w, n, *_rest) in enumerate(SEQUENCES)]
    return run_interleaved(step, lambda i: factory(tracking_traits(SEQUENCES[i][4])), [v.frames for v in rendered],
                           [v.boxes_xywh[0].tolist() for v in rendered], [s[3] for s in SEQUENCES], inspect)


def _assert_same(out: dict, ref: dict, where: str) -> None:
    assert out.keys() == ref.keys(), where
    assert out["best_idx"] == ref["best_idx"], where
    assert out["best_score"] == pytest.approx(ref["best_score"], abs=1e-4), where
    np.testing.assert_allclose(out["target_bbox"], ref["target_bbox"], rtol=0, atol=STATE_TOL, err_msg=where)
    np.testing.assert_allclose(out["mask_prob"], ref["mask_prob"], rtol=0, atol=MASK_TOL, err_msg=where)
    assert abs(out["mask_area_px"] - ref["mask_area_px"]) <= 2, where
    np.testing.assert_allclose(out["target_polygon"], ref["target_polygon"], rtol=0, atol=STATE_TOL, err_msg=where)


# The torch crop (the plan's device_crop, forced here on CPU) differs from the OpenCV crop by up to one grey
# level (tests/utils/test_crop_torch.py), so its batches are compared with the same crop one tracker at a time.
@pytest.mark.parametrize("device_crop", [False, True], ids=["opencv-crop", "torch-crop"])
def test_batched_equals_sequential_with_sequences_joining_and_leaving(device_crop, factory, monkeypatch):
    plan = InferencePlan(onednn_prepack=True, windowed_iou_head=True, device_crop=device_crop)
    step = functools.partial(get_plugin("siamattn").track_batch, plan=plan)
    sequential = _run(one_by_one(step) if device_crop else track_each, factory)
    model = factory(tracking_traits("vot18")).model
    track_features, batch_sizes = model.track_features, []

    def counting(templates, crops):
        batch_sizes.append(crops.shape[0])
        return track_features(templates, crops)

    monkeypatch.setattr(model, "track_features", counting)
    batched = _run(step, factory)
    assert sum(batch_sizes) == sum(n - 1 for _, _, n, *_ in SEQUENCES) and max(batch_sizes) == 3
    for i, (got, want) in enumerate(zip(batched, sequential)):
        assert len(got) == len(want) == SEQUENCES[i][2] - 1
        for t, ((out, (center, size)), (ref, (ref_center, ref_size))) in enumerate(zip(got, want)):
            _assert_same(out, ref, f"sequence {i} frame {t + 1}")
            np.testing.assert_allclose(center, ref_center, rtol=0, atol=STATE_TOL)
            np.testing.assert_allclose(size, ref_size, rtol=0, atol=STATE_TOL)


def test_batch_of_one_equals_track_exactly(factory):
    frames = render_video(seed=11, index=0, num_frames=4, height=120, width=160, min_size=20, max_size=50)
    one, alone = factory(tracking_traits("vot18")), factory(tracking_traits("vot18"))
    for tracker in (one, alone):
        tracker.initialize(frames.frames[0], {"init_bbox": frames.boxes_xywh[0].tolist()})
    for frame in frames.frames[1:]:
        [got], want = get_plugin("siamattn").track_batch([one], [frame]), alone.track(frame)
        assert got.keys() == want.keys()
        for key in want:
            np.testing.assert_array_equal(got[key], want[key], err_msg=key)
    assert one.center_pos.tolist() == alone.center_pos.tolist() and one.size.tolist() == alone.size.tolist()


def test_without_mask_branch_and_refused_batches():
    cfg = load_config(overrides={"MODEL": {**SMALL_WITH_MASK["MODEL"], "MASK": False}}, tracker="siamattn")
    with pytest.warns(UserWarning, match="RANDOMLY INITIALISED"):
        make = load_tracker("siamattn", cfg, None)
    step = get_plugin("siamattn").track_batch
    frames = [np.random.default_rng(seed).integers(0, 256, (90 + seed, 120, 3), dtype=np.uint8) for seed in range(2)]
    batch, alone = [make(tracking_traits("otb")) for _ in frames], [make(tracking_traits("otb")) for _ in frames]
    for tracker, frame in zip(batch + alone, frames + frames):
        tracker.initialize(frame, {"init_bbox": [40, 30, 20, 16]})
    for got, want in zip(step(batch, frames), track_each(alone, frames)):
        assert got.keys() == want.keys() == {"target_bbox", "best_score", "best_idx"}
        np.testing.assert_allclose(got["target_bbox"], want["target_bbox"], rtol=0, atol=STATE_TOL)
    with pytest.warns(UserWarning, match="RANDOMLY INITIALISED"):
        other = load_tracker("siamattn", cfg, None)(tracking_traits("otb"))  # same weights, another network
    other.initialize(frames[1], {"init_bbox": [40, 30, 20, 16]})
    with pytest.raises(ValueError, match="share one prepared model"):
        step([batch[0], other], frames)
    with pytest.raises(RuntimeError, match="initialize"):
        step([make(tracking_traits("otb"))], frames[:1])


@pytest.mark.reference
@pytest.mark.slow
def test_batched_teacher_forced_official_video(siamattn_dir, test_device, tracker_fixture, siamattn_run):
    """Two trackers on video A, the second joining later, each frame from the official state: the batched
    step gives the official outputs within the fixture tolerances (tests/test/tracker/test_siamattn_tracker.py)."""
    cfg = load_config("vot2018", tracker="siamattn")
    make = load_tracker("siamattn", cfg, siamattn_dir / "siamattn_synthetic.pth", test_device)
    video = tracker_fixture["video_rgb_uint8"].numpy()
    starts, trackers, frame_of = [0, 4], {}, {}
    compared = 0
    for clock in range(starts[-1] + len(video) - 1):
        for i, start in enumerate(starts):
            if clock == start:
                trackers[i] = make(tracking_traits("vot18"))
                trackers[i].initialize(video[0], {"init_bbox": siamattn_run["init_bbox_xywh"].tolist()})
                frame_of[i] = 1
        live = [i for i in sorted(frame_of) if frame_of[i] < len(video)]
        for i in live:
            trackers[i].center_pos = siamattn_run["center_pos_before"][frame_of[i]].numpy().copy()
            trackers[i].size = siamattn_run["size_before"][frame_of[i]].numpy().copy()
        outputs = get_plugin("siamattn").track_batch([trackers[i] for i in live], [video[frame_of[i]] for i in live])
        for i, out in zip(live, outputs):
            compared += _compare_step(out, trackers[i], siamattn_run, frame_of[i], video.shape[1:3])
            frame_of[i] += 1
    assert compared >= 2 * 25  # as the sequential test: near ties may go either way, not most of them
