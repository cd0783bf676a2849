"""Worked examples for the got10k toolkit rules (BENCHMARKS.md sections 6.1 and 6.3)."""
from __future__ import annotations

import numpy as np
import pytest

from lib.test.analysis import got10k_toolkit as gt10
from lib.test.analysis.metrics import MetricError

GT = np.array([[0, 0, 10, 10]] * 4, dtype=float)


def test_continuous_iou_by_hand() -> None:
    pred = np.array([[5, 0, 10, 10], [0, 0, 10, 20], [20, 20, 10, 10], [2.5, 2.5, 5, 5]])
    np.testing.assert_allclose(gt10.continuous_iou(pred, GT), [1 / 3, 0.5, 0.0, 0.25])


def test_otb_style_no_repair_and_no_exclusion() -> None:
    pred = np.array([[9, 9, 9, 9], [5, 0, 10, 10], [3, 3, 0, 0], [0, 0, 10, 10]], dtype=float)
    success, precision = gt10.otb_sequence_curves(pred, GT)
    # IoUs [1 (row 0 := GT), 1/3, 0 (zero-size prediction is not repaired), 1].
    assert success[0] == pytest.approx(3 / 4) and success[10] == pytest.approx(2 / 4)
    assert success[20] == 0.0  # strict > at 1.0
    # Centre errors [0, 5, |(3-0.5)-(4.5)|*sqrt(2)=2.83, 0]: all within 20 px.
    assert precision[20] == 1.0 and precision[2] == pytest.approx(2 / 4)


def test_otb_nan_gt_counts_as_miss_but_uav_drops_it() -> None:
    gt = np.array([[0, 0, 10, 10], [0, 0, 10, 10], [np.nan] * 4, [np.nan] * 4])
    pred = np.array([[0, 0, 10, 10]] * 4, dtype=float)
    success, precision = gt10.otb_sequence_curves(pred, gt)
    assert success[0] == 0.5 and precision[20] == 0.5
    success, precision = gt10.otb_sequence_curves(pred, gt, drop_nan_gt=True)
    assert success[0] == 1.0 and precision[20] == 1.0


def test_zero_size_gt_is_not_excluded() -> None:
    gt = np.array([[0, 0, 10, 10], [0, 0, 0, 10]], dtype=float)
    success, _ = gt10.otb_sequence_curves(gt, gt)
    assert success[0] == 0.5  # IoU 0 on the zero-size GT frame


def test_otb_length_mismatch_is_an_error() -> None:
    with pytest.raises(MetricError, match="3 rows"):
        gt10.otb_sequence_curves(GT[:3], GT)


def test_speed() -> None:
    assert gt10.sequence_speed(np.array([0.0, 0.1, 0.2, np.nan])) == pytest.approx((10 + 5) / 2)
    assert gt10.sequence_speed(None) is None
    assert gt10.pooled_speed([np.array([0.5, 0.1, 0.2]), np.array([0.0, 0.25])]) == pytest.approx(5.25)


def test_got10k_drops_frame_0_and_cover_0_and_pools_frames() -> None:
    gt_a = np.array([[0, 0, 10, 10]] * 4, dtype=float)
    pred_a = np.array([[50, 50, 1, 1], [0, 0, 10, 10], [20, 20, 5, 5], [0, 0, 10, 10]], dtype=float)
    ious_a = gt10.got10k_sequence_ious(pred_a, gt_a, cover=np.array([8, 8, 8, 0]))
    np.testing.assert_allclose(ious_a, [1.0, 0.0])  # frame 0 (a miss) and frame 3 (cover 0) are excluded
    ious_b = gt10.got10k_sequence_ious(gt_a[:2], gt_a[:2])
    np.testing.assert_allclose(ious_b, [1.0])
    scores = gt10.ao_sr(np.concatenate([ious_a, ious_b]))
    assert scores["AO"] == pytest.approx(200 / 3)  # pooled 2/3, not the per-sequence mean 75 %
    assert scores["SR50"] == pytest.approx(200 / 3)


def test_got10k_bounds_boxes_to_the_image() -> None:
    gt = np.array([[0, 0, 10, 10]] * 2, dtype=float)
    pred = np.array([[0, 0, 10, 10], [-5, 0, 10, 10]], dtype=float)
    # Bounded: x -> 0, w stays 10 (shifted, not cropped) -> IoU 1; unbounded 50 / 150.
    np.testing.assert_allclose(gt10.got10k_sequence_ious(pred, gt, image_size=(100, 100)), [1.0])
    np.testing.assert_allclose(gt10.got10k_sequence_ious(pred, gt), [1 / 3])
    np.testing.assert_allclose(gt10.bound_boxes(np.array([[95.0, 5, 10, 10]]), (100, 100)), [[95, 5, 5, 10]])


def test_sr_is_strict() -> None:
    scores = gt10.ao_sr(np.array([0.5, 0.75, 0.8]))
    assert scores["SR50"] == pytest.approx(200 / 3) and scores["SR75"] == pytest.approx(100 / 3)
