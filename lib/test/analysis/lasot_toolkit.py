"""The LaSOT MATLAB evaluation toolkit's rules (docs/benchmarks.md#lasot-matlab-toolkit), in NumPy.

Differences to the AiATrack analysis: predictions with NaN or non-positive size are replaced by the
previous row, absent frames are deleted before evaluation but still count in the denominator (all
frames of the sequence), a GT box is valid only when all four numbers are > 0 (invalid frames: IoU
-1 = miss, centre error -1 = hit), thresholds follow MATLAB's ``0:0.05:1`` and sequences whose
whole curve is zero are dropped from the dataset average.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from lib.test.analysis.metrics import MetricError, carry_forward, center_error, pixel_iou

MATLAB_EPS = float(np.finfo(np.float64).eps)


def matlab_colon(start: float, step: float, stop: float) -> np.ndarray:
    """Values of MATLAB's ``start:step:stop``: first half counted up from ``start``, second half down from the end."""
    n = int(np.floor((stop - start) / step + 1e-10))
    end = start + n * step
    values = np.empty(n + 1, dtype=np.float64)
    for k in range(n // 2 + 1):
        values[k] = start + k * step
        values[n - k] = end - k * step
    if n % 2 == 0:
        values[n // 2] = (start + values[n]) / 2.0
    return values


SUCCESS_THRESHOLDS = matlab_colon(0.0, 0.05, 1.0)
PRECISION_THRESHOLDS = np.arange(51, dtype=np.float64)
NORM_PRECISION_THRESHOLDS = np.arange(51, dtype=np.float64) / 100.0


@dataclass(frozen=True)
class LasotCurves:
    """Per-sequence curves of the toolkit (fractions of all frames)."""

    success: np.ndarray  # (21,)
    precision: np.ndarray  # (51,)
    norm_precision: np.ndarray  # (51,)


def repair_predictions(pred: np.ndarray, gt: np.ndarray) -> np.ndarray:
    """Rows 1.. with NaN or ``w <= 0`` or ``h <= 0`` take the previous row when the GT row has no NaN."""
    with np.errstate(invalid="ignore"):
        bad = np.isnan(pred).any(axis=1) | ~(pred[:, 2] > 0) | ~(pred[:, 3] > 0)
    return carry_forward(pred, bad & ~np.isnan(gt).any(axis=1))


def sequence_curves(pred_xywh: np.ndarray, gt_xywh: np.ndarray, absent: np.ndarray | None) -> LasotCurves:
    """``calc_seq_err_robust`` + ``eval_tracker`` for one sequence (``absent``: 1 = target absent)."""
    gt = np.array(gt_xywh, dtype=np.float64).reshape(-1, 4)
    pred = np.array(pred_xywh, dtype=np.float64).reshape(-1, 4)
    n_all = len(gt)
    if len(pred) < n_all:
        raise MetricError(f"prediction has {len(pred)} rows but the ground truth has {n_all}")
    pred = repair_predictions(pred[:n_all], gt)
    pred[0] = gt[0]
    keep = np.ones(n_all, dtype=bool) if absent is None else ~np.asarray(absent).astype(bool).reshape(-1)
    if len(keep) != n_all:
        raise MetricError(f"{len(keep)} absence flags for {n_all} ground-truth rows")
    pred, gt = pred[keep], gt[keep]

    with np.errstate(invalid="ignore"):
        box_valid = (gt > 0).all(axis=1)
    iou = np.full(len(gt), -1.0)
    iou[box_valid] = pixel_iou(pred[box_valid], gt[box_valid])
    center = center_error(pred, gt)
    norm_center = center_error(pred, gt, normalized=True)
    center[~box_valid] = -1.0
    norm_center[~box_valid] = -1.0

    denominator = n_all + MATLAB_EPS
    with np.errstate(invalid="ignore"):
        return LasotCurves(
            success=(iou[:, None] > SUCCESS_THRESHOLDS[None, :]).sum(axis=0) / denominator,
            precision=(center[:, None] <= PRECISION_THRESHOLDS[None, :]).sum(axis=0) / denominator,
            norm_precision=(norm_center[:, None] <= NORM_PRECISION_THRESHOLDS[None, :]).sum(axis=0) / denominator,
        )


def average_nonzero(curves: list[np.ndarray]) -> np.ndarray:
    """Mean over sequences of the curves whose sum exceeds eps (``plot_draw_save``); zeros if none."""
    stacked = np.asarray(curves, dtype=np.float64)
    kept = stacked[stacked.sum(axis=1) > MATLAB_EPS]
    return kept.mean(axis=0) if len(kept) else np.zeros(stacked.shape[1])
