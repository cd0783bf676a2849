"""Worked examples for the TrackingNet devkit rules (BENCHMARKS.md section 6.4)."""
from __future__ import annotations

import numpy as np
import pytest

from lib.test.analysis import trackingnet_devkit as tn

GT = np.array([[0, 0, 10, 10]] * 4, dtype=float)


def test_perfect_tracker_scores_100() -> None:
    success, precision, norm, coverage = tn.sequence_curves(GT, GT)
    assert tn.area(success) == pytest.approx(100.0)  # inclusive: IoU 1 >= 1.0
    assert tn.area(precision) == pytest.approx(100.0) and tn.area(norm) == pytest.approx(100.0)
    assert coverage == 1.0


def test_missing_submission_is_all_zero_boxes() -> None:
    success, precision, _, coverage = tn.sequence_curves(None, GT)
    # Row 0 := GT (IoU 1); rows 1..3 zero boxes (IoU 0 >= 0 still counts at threshold 0).
    assert success[0] == 1.0 and success[1] == pytest.approx(0.25)
    assert coverage == pytest.approx(0.25)
    # Area: trapezoid of [1, 0.25, ..., 0.25, 0.25 (IoU 1 >= 1)] on a 0.05 grid.
    assert tn.area(success) == pytest.approx(100 * (0.05 * (1 + 0.25) / 2 + 0.05 * 19 * 0.25))
    assert precision[0] == pytest.approx(0.25)


def test_rounding_half_to_even() -> None:
    gt = np.array([[0, 0, 10, 10]] * 2, dtype=float)
    pred = np.array([[0, 0, 10, 10], [0.5, 0, 10, 10]])  # rounds to x = 0 -> perfect
    assert tn.sequence_curves(pred, gt)[0][20] == 1.0
    pred = np.array([[0, 0, 10, 10], [1.5, 0, 10, 10]])  # rounds to x = 2 -> IoU 80 / 120
    success = tn.sequence_curves(pred, gt)[0]
    assert success[13] == 1.0 and success[14] == 0.5  # 2/3 >= 0.65, < 0.70


def test_precision_score_is_an_area_not_the_value_at_20px() -> None:
    gt = np.array([[0, 0, 10, 10]] * 2, dtype=float)
    pred = np.array([[0, 0, 10, 10], [10, 0, 10, 10]], dtype=float)  # centre error 10 px
    _, precision, _, _ = tn.sequence_curves(pred, gt)
    # Thresholds 0, 2.5, ..., 50: frame 1 is a hit from 10 px on (index 4).
    assert precision[3] == 0.5 and precision[4] == 1.0
    assert tn.area(precision) == pytest.approx(100 * (0.05 * 3 * 0.5 + 0.05 * 0.75 + 0.05 * 16))


def test_rows_are_aligned_by_index() -> None:
    longer = np.concatenate([GT, [[0, 0, 1, 1]]])
    assert tn.sequence_curves(longer, GT)[0][20] == 1.0  # extra rows ignored
    success, precision, _, coverage = tn.sequence_curves(GT[:2], GT)
    # Missing rows 2-3 are misses everywhere, even at threshold 0, and not covered.
    assert success[0] == 0.5 and precision[20] == 0.5 and coverage == 0.5
