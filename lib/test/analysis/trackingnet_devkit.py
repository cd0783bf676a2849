"""The TrackingNet devkit's rules (docs/benchmarks.md#trackingnet-devkit, the EvalAI evaluation), in NumPy.

All coordinates are rounded (half to even), row 0 := GT, no frame is excluded, the thresholds are
inclusive (``IoU >= t``, ``error <= t``) over 21 points each, and the reported numbers are
trapezoidal areas under the averaged curves (x = 0..1), so "precision" is an area, not a value at 20 px.
"""
from __future__ import annotations

import numpy as np

SUCCESS_THRESHOLDS = np.linspace(0.0, 1.0, 21)
PRECISION_THRESHOLDS = np.linspace(0.0, 50.0, 21)
NORM_PRECISION_THRESHOLDS = np.linspace(0.0, 0.5, 21)


def sequence_curves(pred_xywh: np.ndarray | None,
                    gt_xywh: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, float]:
    """Success, precision, normalised precision (21 points each) and coverage of one sequence.

    ``pred_xywh`` None = no submission file (scored as all-zero boxes). Rows are aligned with the GT
    by index: extra rows are ignored, missing rows are NaN (a miss at every threshold). Coverage =
    fraction of rows with ``x + y + w + h > 0`` after row 0 was replaced by the GT.
    """
    gt = np.round(np.array(gt_xywh, dtype=np.float64).reshape(-1, 4))
    n = len(gt)
    if pred_xywh is None:
        pred = np.zeros((n, 4))
    else:
        pred = np.round(np.array(pred_xywh, dtype=np.float64).reshape(-1, 4))[:n]
        pred = np.concatenate([pred, np.full((n - len(pred), 4), np.nan)])
    pred[0] = gt[0]

    tl = np.maximum(pred[:, :2], gt[:, :2])
    br = np.minimum(pred[:, :2] + pred[:, 2:] - 1.0, gt[:, :2] + gt[:, 2:] - 1.0)
    inter = np.clip(np.round(br - tl + 1.0), 0.0, None).prod(axis=1)
    diff = (pred[:, :2] + (pred[:, 2:] + 1.0) / 2.0) - (gt[:, :2] + (gt[:, 2:] + 1.0) / 2.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        iou = inter / (pred[:, 2] * pred[:, 3] + gt[:, 2] * gt[:, 3] - inter)
        distance = np.sqrt((diff ** 2).sum(axis=1))
        norm_distance = np.sqrt(((diff / gt[:, 2:]) ** 2).sum(axis=1))
        success = (iou[:, None] >= SUCCESS_THRESHOLDS[None, :]).mean(axis=0)
        precision = (distance[:, None] <= PRECISION_THRESHOLDS[None, :]).mean(axis=0)
        norm_precision = (norm_distance[:, None] <= NORM_PRECISION_THRESHOLDS[None, :]).mean(axis=0)
    with np.errstate(invalid="ignore"):
        coverage = float((pred.sum(axis=1) > 0).mean())
    return success, precision, norm_precision, coverage


def area(curve: np.ndarray) -> float:
    """Trapezoidal area under a 21-point curve on x = linspace(0, 1, 21), in percent."""
    curve = np.asarray(curve, dtype=np.float64)
    x = SUCCESS_THRESHOLDS
    return float(np.sum((curve[1:] + curve[:-1]) * np.diff(x)) / 2.0 * 100.0)
