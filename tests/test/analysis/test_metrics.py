"""Worked examples (computed by hand) for the official AiATrack analysis rules (BENCHMARKS.md section 4)."""
from __future__ import annotations

import numpy as np
import pytest

from lib.test.analysis import metrics
from lib.test.evaluation.traits import Absence
from lib.test.analysis.metrics import MetricError, sequence_curves, sequence_errors

GT4 = np.array([[0, 0, 10, 10]] * 4, dtype=float)
# Frame 0 is garbage (replaced by the GT); frame 1 IoU 50/150 = 1/3, centre error 5 px (0.5 normalised);
# frame 2 IoU 100/200 = 0.5, centre error 5 px (0.5); frame 3 IoU 0, centre error sqrt(800) (2.83).
PRED4 = np.array([[50, 50, 3, 3], [5, 0, 10, 10], [0, 0, 10, 20], [20, 20, 10, 10]], dtype=float)


def test_thresholds_are_the_official_float64_values() -> None:
    assert len(metrics.SUCCESS_THRESHOLDS) == 21
    # torch.arange(0, 1.05, 0.05, float64) yields these two values one ulp above the decimal.
    assert metrics.SUCCESS_THRESHOLDS[13] == 0.6500000000000001
    assert metrics.SUCCESS_THRESHOLDS[15] == 0.7500000000000001
    assert metrics.PRECISION_THRESHOLDS[20] == 20.0 and metrics.NORM_PRECISION_THRESHOLDS[20] == 0.2


def test_worked_example_per_frame_errors() -> None:
    err = sequence_errors(PRED4, GT4, Absence.NONE)
    np.testing.assert_allclose(err.iou, [1.0, 1 / 3, 0.5, 0.0])
    np.testing.assert_allclose(err.center, [0.0, 5.0, 5.0, np.sqrt(800.0)])
    np.testing.assert_allclose(err.norm_center, [0.0, 0.5, 0.5, np.sqrt(8.0)])
    assert err.valid.all()


def test_worked_example_curves_and_scores() -> None:
    curves = sequence_curves(sequence_errors(PRED4, GT4, Absence.NONE))
    # IoUs [1, 1/3, 0.5, 0]: > t for t <= 0.30 -> 3/4, 0.35..0.45 -> 2/4, 0.5..0.95 -> 1/4 (0.5 is not > 0.5), 1.0 -> 0.
    expected = [0.75] * 7 + [0.5] * 3 + [0.25] * 10 + [0.0]
    np.testing.assert_array_equal(curves.success, np.array(expected, dtype=np.float32))
    assert curves.success.dtype == np.float32
    scores = metrics.curve_scores(curves.success, curves.precision, curves.norm_precision)
    assert scores["AUC"] == pytest.approx(9.25 / 21 * 100, abs=1e-5)
    assert scores["OP50"] == pytest.approx(25.0) and scores["OP75"] == pytest.approx(25.0)
    # Centre errors [0, 5, 5, 28.3]: inclusive, so 3/4 at 5 px and at 20 px, 1/4 at 4 px.
    assert curves.precision[4] == pytest.approx(0.25) and curves.precision[5] == pytest.approx(0.75)
    assert scores["P"] == pytest.approx(75.0)
    # Normalised errors [0, 0.5, 0.5, 2.83]: 1/4 at 0.20, 3/4 at 0.50 (inclusive).
    assert scores["P_norm"] == pytest.approx(25.0)
    assert curves.norm_precision[50] == pytest.approx(0.75)
    assert curves.avg_overlap == pytest.approx((1 + 1 / 3 + 0.5) / 4)


def test_perfect_tracker_tops_out_at_20_of_21() -> None:
    curves = sequence_curves(sequence_errors(GT4, GT4, Absence.NONE))
    assert metrics.curve_scores(curves.success, curves.precision, curves.norm_precision)["AUC"] == \
        pytest.approx(100 * 20 / 21, abs=1e-5)


def test_normalised_centre_error_by_hand() -> None:
    gt = np.array([[10, 20, 40, 20]] * 2, dtype=float)
    pred = np.array([[0, 0, 1, 1], [14, 23, 40, 20]], dtype=float)
    err = sequence_errors(pred, gt, Absence.NONE)
    assert err.center[1] == pytest.approx(5.0)
    assert err.norm_center[1] == pytest.approx(np.sqrt((4 / 40) ** 2 + (3 / 20) ** 2))  # 0.1803


def test_strict_greater_at_an_exact_threshold() -> None:
    gt = np.array([[0, 0, 20, 10]] * 2, dtype=float)
    pred = np.array([[0, 0, 20, 10], [0, 0, 13, 10]], dtype=float)  # IoU 130 / 200 = 0.65 exactly
    curves = sequence_curves(sequence_errors(pred, gt, Absence.NONE))
    assert curves.success[12] == 1.0  # 0.65 > 0.60
    assert curves.success[13] == 0.5  # 0.65 is not > 0.65


def test_lasot_absent_frames_leave_the_denominator() -> None:
    gt = np.array([[0, 0, 10, 10]] * 4, dtype=float)  # absent frames repeat the last box, as in LaSOT
    pred = np.array([[0, 0, 10, 10], [5, 0, 10, 10], [90, 90, 5, 5], [90, 90, 5, 5]], dtype=float)
    visible = np.array([1, 1, 0, 0], dtype=bool)
    err = sequence_errors(pred, gt, Absence.VISIBILITY_FLAGS, visible)
    np.testing.assert_array_equal(err.valid, visible)
    assert np.isinf(err.center[2:]).all() and np.isinf(err.norm_center[2:]).all()
    curves = sequence_curves(err)
    assert curves.success[0] == 1.0 and curves.success[10] == 0.5  # n = 2 visible frames
    assert curves.precision[20] == 1.0  # absent frames are neither hits nor counted
    with pytest.raises(MetricError, match="visibility"):
        sequence_errors(pred, gt, Absence.VISIBILITY_FLAGS, None)


def test_non_lasot_visibility_is_used_when_given() -> None:
    gt = np.array([[0, 0, 10, 10]] * 2, dtype=float)
    err = sequence_errors(gt, gt, Absence.NONE, np.array([1, 0]))
    assert err.valid.tolist() == [True, False]
    assert err.center[1] == np.inf and err.norm_center[1] == -1.0


def test_zero_size_predictions_inherit_the_repaired_previous_box() -> None:
    pred = np.array([[0, 0, 10, 10], [5, 0, 10, 10], [3, 3, 0, 0], [1, 1, 0, 5]], dtype=float)
    np.testing.assert_allclose(sequence_errors(pred, GT4, Absence.NONE).iou, [1, 1 / 3, 1 / 3, 1 / 3])


def test_all_zero_result_stays_zero_because_row_0_is_never_repaired() -> None:
    err = sequence_errors(np.zeros((4, 4)), GT4, Absence.NONE)
    np.testing.assert_allclose(err.iou, [1, 0, 0, 0])


def test_zero_size_repair_is_skipped_where_the_gt_is_nan() -> None:
    gt = np.array([[0, 0, 10, 10], [0, 0, 10, 10], [np.nan] * 4, [0, 0, 10, 10]])
    pred = np.array([[0, 0, 10, 10], [5, 0, 10, 10], [0, 0, 0, 0], [2, 2, 0, 0]], dtype=float)
    # Row 2 keeps its zero box (NaN GT); row 3 copies the (unrepaired) zero row 2 -> IoU 0.
    err = sequence_errors(pred, gt, Absence.NAN_GROUND_TRUTH)
    assert err.iou[3] == 0.0 and err.iou[1] == pytest.approx(1 / 3)


def test_invalid_inputs_are_rejected() -> None:
    with pytest.raises(MetricError, match="NaN"):
        sequence_errors(np.array([[0, 0, 10, 10], [np.nan, 0, 1, 1]]), GT4[:2], Absence.NONE)
    with pytest.raises(MetricError, match="negative"):
        sequence_errors(np.array([[0, 0, 10, 10], [0, 0, -1, 1]]), GT4[:2], Absence.NONE)
    with pytest.raises(MetricError, match="ground truth contains NaN"):
        sequence_errors(GT4[:2], np.array([[0, 0, 10, 10], [np.nan] * 4]), Absence.NONE)
    with pytest.raises(MetricError, match="no valid frame"):
        sequence_curves(sequence_errors(np.ones((2, 4)), np.zeros((2, 4)), Absence.NONE))


def test_uav_nan_frames_are_precision_hits_and_can_exceed_100_percent() -> None:
    gt = np.array([[0, 0, 10, 10], [0, 0, 10, 10], [np.nan] * 4, [np.nan] * 4])
    pred = np.array([[0, 0, 10, 10]] * 4, dtype=float)
    err = sequence_errors(pred, gt, Absence.NAN_GROUND_TRUTH)
    assert err.valid.tolist() == [True, True, False, False]
    assert err.center[2:].tolist() == [-1.0, -1.0]
    curves = sequence_curves(err)
    assert curves.precision[20] == 2.0 and curves.norm_precision[20] == 2.0  # 4 hits / 2 valid frames
    assert curves.success[0] == 1.0


def test_zero_size_gt_is_invalid_but_a_normalised_precision_hit() -> None:
    gt = np.array([[0, 0, 10, 10], [0, 0, 10, 10], [5, 5, 0, 7]], dtype=float)
    pred = np.array([[0, 0, 10, 10], [0, 0, 10, 10], [50, 50, 10, 10]], dtype=float)
    err = sequence_errors(pred, gt, Absence.NONE)
    assert err.valid.tolist() == [True, True, False]
    assert err.iou[2] == -1 and err.center[2] == np.inf and err.norm_center[2] == -1
    curves = sequence_curves(err)
    assert curves.precision[20] == 1.0 and curves.norm_precision[20] == 1.5


def test_gt_x_or_y_zero_stays_valid() -> None:
    gt = np.array([[0, 0, 10, 10], [0, 5, 10, 10]], dtype=float)
    assert sequence_errors(gt, gt, Absence.NONE).valid.all()


def test_length_mismatch_rules() -> None:
    # Shorter: padded with zero rows (not repaired) on non-LaSOT datasets, an error on LaSOT.
    err = sequence_errors(np.array([[0, 0, 10, 10], [5, 0, 10, 10]], dtype=float), GT4, Absence.NONE)
    np.testing.assert_allclose(err.iou, [1, 1 / 3, 0, 0])
    with pytest.raises(MetricError, match="2 rows but the ground truth has 4"):
        sequence_errors(GT4[:2], GT4, Absence.VISIBILITY_FLAGS, np.ones(4, bool))
    # Longer: truncated everywhere.
    longer = np.concatenate([PRED4, [[1, 1, 1, 1]]])
    np.testing.assert_allclose(sequence_errors(longer, GT4, Absence.VISIBILITY_FLAGS, np.ones(4, bool)).iou, [1, 1 / 3, 0.5, 0])


def test_first_frame_is_always_the_ground_truth() -> None:
    pred = np.array([[500, 500, 1, 1], [0, 0, 10, 10]], dtype=float)
    err = sequence_errors(pred, GT4[:2], Absence.NONE)
    assert err.iou[0] == 1.0 and err.center[0] == 0.0


def test_dataset_average_is_unweighted_over_sequences() -> None:
    long_seq = sequence_curves(sequence_errors(np.tile(GT4[:1], (10, 1)), np.tile(GT4[:1], (10, 1)), Absence.NONE))
    short_seq = sequence_curves(sequence_errors(PRED4, GT4, Absence.NONE))
    mean = metrics.average_curves([long_seq, short_seq])
    auc = metrics.curve_scores(mean.success, mean.precision, mean.norm_precision)["AUC"]
    assert auc == pytest.approx((20 / 21 + 9.25 / 21) / 2 * 100, abs=1e-5)


def test_vectorised_repair_equals_the_sequential_rule() -> None:
    rng = np.random.default_rng(0)
    for _ in range(20):
        n = int(rng.integers(2, 30))
        pred = rng.integers(0, 3, (n, 4)).astype(float)  # many zero widths/heights, also in row 0
        gt = rng.integers(1, 5, (n, 4)).astype(float)
        gt[rng.random(n) < 0.3] = np.nan
        expected = pred.copy()
        for i in range(1, n):  # the rule as stated: in order, from the already repaired previous row
            if (expected[i, 2] == 0 or expected[i, 3] == 0) and not np.isnan(gt[i]).any():
                expected[i] = expected[i - 1]
        np.testing.assert_array_equal(metrics.repair_zero_size(pred, gt), expected)


def test_iou_formulas_equal_pixel_counting_on_integer_boxes() -> None:
    from lib.test.analysis.got10k_toolkit import continuous_iou

    rng = np.random.default_rng(1)
    boxes = np.column_stack([rng.integers(0, 30, (200, 2)), rng.integers(1, 25, (200, 2))]).astype(float)
    pred, gt = boxes[:100], boxes[100:]

    def mask(box: np.ndarray) -> np.ndarray:
        grid = np.zeros((60, 60), dtype=bool)
        x, y, w, h = box.astype(int)
        grid[y:y + h, x:x + w] = True
        return grid

    counted = np.array([(mask(p) & mask(g)).sum() / (mask(p) | mask(g)).sum() for p, g in zip(pred, gt)])
    np.testing.assert_allclose(metrics.pixel_iou(pred, gt), counted, rtol=1e-12)
    np.testing.assert_allclose(continuous_iou(pred, gt), counted, rtol=1e-12)
