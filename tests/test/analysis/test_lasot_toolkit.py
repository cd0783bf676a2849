"""Worked examples for the LaSOT MATLAB toolkit rules (BENCHMARKS.md section 6.2)."""
from __future__ import annotations

import numpy as np
import pytest

from lib.test.analysis import lasot_toolkit
from lib.test.evaluation.traits import Absence
from lib.test.analysis.metrics import MetricError, sequence_curves as aiatrack_curves, sequence_errors

EPS = np.finfo(np.float64).eps


def test_matlab_colon_thresholds() -> None:
    thr = lasot_toolkit.SUCCESS_THRESHOLDS
    # MATLAB counts the upper half down from the end: 1 - 7 * 0.05 = 0.6499999999999999.
    assert len(thr) == 21 and thr[0] == 0.0 and thr[10] == 0.5 and thr[20] == 1.0
    assert thr[13] == 1.0 - 7 * 0.05 and thr[13] < 0.65
    assert thr[3] == 3 * 0.05
    np.testing.assert_array_equal(lasot_toolkit.matlab_colon(0, 1, 50), np.arange(51))


def test_iou_equal_to_065_is_a_success_at_065_unlike_aiatrack() -> None:
    gt = np.array([[1, 1, 20, 10]] * 2, dtype=float)
    pred = np.array([[1, 1, 20, 10], [1, 1, 13, 10]], dtype=float)  # IoU 0.65
    curves = lasot_toolkit.sequence_curves(pred, gt, None)
    assert curves.success[13] == pytest.approx(1.0)
    assert aiatrack_curves(sequence_errors(pred, gt, Absence.VISIBILITY_FLAGS, np.ones(2, bool))).success[13] == 0.5


def test_absent_frames_count_in_the_denominator() -> None:
    gt = np.array([[1, 1, 10, 10]] * 4, dtype=float)
    pred = np.array([[1, 1, 10, 10], [6, 1, 10, 10], [90, 90, 5, 5], [90, 90, 5, 5]], dtype=float)
    absent = np.array([0, 0, 1, 1])
    curves = lasot_toolkit.sequence_curves(pred, gt, absent)
    # Two visible frames (IoU 1 and 1/3) over 4 frames: at t = 0 -> 2/4, t = 0.35 -> 1/4; precision 2/4.
    assert curves.success[0] == pytest.approx(2 / (4 + EPS))
    assert curves.success[7] == pytest.approx(1 / 4)
    assert curves.precision[20] == pytest.approx(0.5)
    # AiATrack on the same data divides by the 2 visible frames.
    aia = aiatrack_curves(sequence_errors(pred, gt, Absence.VISIBILITY_FLAGS, absent == 0))
    assert aia.success[0] == 1.0 and aia.success[7] == 0.5


def test_gt_touching_the_border_is_invalid_and_a_precision_hit() -> None:
    gt = np.array([[1, 1, 10, 10], [0, 5, 10, 10], [1, 1, 10, 10]], dtype=float)
    pred = np.array([[1, 1, 10, 10], [200, 200, 10, 10], [200, 200, 10, 10]], dtype=float)
    curves = lasot_toolkit.sequence_curves(pred, gt, None)
    assert curves.success[0] == pytest.approx(1 / 3)  # only frame 0 overlaps; frame 1 is IoU -1
    assert curves.precision[0] == pytest.approx(2 / 3)  # frame 0 (error 0) and frame 1 (sentinel -1)
    # AiATrack keeps x = 0 boxes valid: frame 1 is an ordinary miss there.
    assert sequence_errors(pred, gt, Absence.VISIBILITY_FLAGS, np.ones(3, bool)).valid.all()


def test_nan_and_non_positive_predictions_take_the_previous_row() -> None:
    gt = np.array([[1, 1, 10, 10]] * 4, dtype=float)
    pred = np.array([[1, 1, 10, 10], [6, 1, 10, 10], [np.nan, 1, 1, 1], [3, 3, -2, 5]])
    curves = lasot_toolkit.sequence_curves(pred, gt, None)
    # Rows 2 and 3 become row 1 (IoU 1/3): IoUs [1, 1/3, 1/3, 1/3].
    assert curves.success[7] == pytest.approx(1 / 4) and curves.success[6] == pytest.approx(1.0)


def test_length_rules() -> None:
    gt = np.array([[1, 1, 10, 10]] * 3, dtype=float)
    with pytest.raises(MetricError, match="2 rows"):
        lasot_toolkit.sequence_curves(gt[:2], gt, None)
    longer = np.concatenate([gt, [[500, 500, 1, 1]]])
    assert lasot_toolkit.sequence_curves(longer, gt, None).success[19] == pytest.approx(1.0)


def test_normalised_precision_divides_by_gt_size() -> None:
    gt = np.array([[10, 20, 40, 20]] * 2, dtype=float)
    pred = np.array([[10, 20, 40, 20], [14, 23, 40, 20]], dtype=float)  # normalised error 0.1803
    curves = lasot_toolkit.sequence_curves(pred, gt, None)
    assert curves.norm_precision[18] == pytest.approx(0.5) and curves.norm_precision[19] == pytest.approx(1.0)


def test_all_zero_curves_are_dropped_from_the_average() -> None:
    good = np.full(21, 0.8)
    zero = np.zeros(21)
    np.testing.assert_allclose(lasot_toolkit.average_nonzero([good, zero]), good)
    np.testing.assert_allclose(lasot_toolkit.average_nonzero([zero]), zero)
