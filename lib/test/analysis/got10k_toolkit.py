"""The got10k toolkit's rules, in NumPy (docs/benchmarks.md#got10k-toolkit-otb-style-experiments,
docs/benchmarks.md#got-10k-ao-and-sr).

* OTB-style experiments (``ExperimentOTB`` / ``ExperimentNfS`` / ``ExperimentUAV123``): first row
  := GT, continuous IoU with epsilon, no frame excluded except NaN-GT frames for UAV123, strict
  ``IoU > t`` over ``linspace(0, 1, 21)``, precision 0..50 px.
* GOT-10k (``ExperimentGOT10k``): frame 0 dropped, frames with ``cover == 0`` dropped, boxes bounded
  to the image, IoUs pooled over all frames of all sequences for AO and SR.
"""
from __future__ import annotations

import numpy as np

from lib.test.analysis.metrics import MetricError

EPS = float(np.finfo(np.float64).eps)
SUCCESS_THRESHOLDS = np.linspace(0.0, 1.0, 21)
PRECISION_THRESHOLDS = np.arange(51, dtype=np.float64)


def bound_boxes(boxes: np.ndarray, image_size: tuple[float, float]) -> np.ndarray:
    """Clip x to [0, W], y to [0, H], then w to [0, W - x], h to [0, H - y] (shifts boxes sticking out left/top)."""
    width, height = image_size
    boxes = boxes.copy()
    boxes[:, 0] = np.clip(boxes[:, 0], 0, width)
    boxes[:, 1] = np.clip(boxes[:, 1], 0, height)
    boxes[:, 2] = np.clip(boxes[:, 2], 0, width - boxes[:, 0])
    boxes[:, 3] = np.clip(boxes[:, 3], 0, height - boxes[:, 1])
    return boxes


def continuous_iou(pred: np.ndarray, gt: np.ndarray, image_size: tuple[float, float] | None = None) -> np.ndarray:
    """IoU of ``[x, x+w) x [y, y+h)`` boxes: ``inter / (union + eps)`` clipped to [0, 1] (NaN stays NaN)."""
    if image_size is not None:
        pred, gt = bound_boxes(pred, image_size), bound_boxes(gt, image_size)
    wh = np.minimum(pred[:, :2] + pred[:, 2:], gt[:, :2] + gt[:, 2:]) - np.maximum(pred[:, :2], gt[:, :2])
    inter = np.prod(np.maximum(wh, 0.0), axis=1)
    union = pred[:, 2] * pred[:, 3] + gt[:, 2] * gt[:, 3] - inter
    return np.clip(inter / (union + EPS), 0.0, 1.0)


def center_error(pred: np.ndarray, gt: np.ndarray) -> np.ndarray:
    """Distance of the centres ``x + (w-1)/2`` (NaN where the GT is NaN)."""
    diff = (pred[:, :2] + (pred[:, 2:] - 1) / 2) - (gt[:, :2] + (gt[:, 2:] - 1) / 2)
    return np.sqrt((diff ** 2).sum(axis=1))


def _check_lengths(pred: np.ndarray, gt: np.ndarray) -> None:
    if len(pred) != len(gt):
        raise MetricError(f"prediction has {len(pred)} rows but the ground truth has {len(gt)}")


def otb_sequence_curves(pred_xywh: np.ndarray, gt_xywh: np.ndarray,
                        drop_nan_gt: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """Success (21,) and precision (51,) curves of one sequence, fractions of the evaluated frames."""
    pred = np.array(pred_xywh, dtype=np.float64).reshape(-1, 4)
    gt = np.array(gt_xywh, dtype=np.float64).reshape(-1, 4)
    _check_lengths(pred, gt)
    pred[0] = gt[0]
    if drop_nan_gt:
        keep = ~np.isnan(gt).any(axis=1)
        pred, gt = pred[keep], gt[keep]
        if len(gt) == 0:
            raise MetricError("no frame with a ground-truth box")
    with np.errstate(invalid="ignore"):
        iou = continuous_iou(pred, gt)
        error = center_error(pred, gt)
        success = (iou[:, None] > SUCCESS_THRESHOLDS[None, :]).mean(axis=0)
        precision = (error[:, None] <= PRECISION_THRESHOLDS[None, :]).mean(axis=0)
    return success, precision


def sequence_speed(times: np.ndarray | None) -> float | None:
    """``mean(1 / t)`` over the frames with ``t > 0`` (OTB-style speed); ``None`` without usable times."""
    if times is None:
        return None
    times = np.asarray(times, dtype=np.float64)
    times = times[~np.isnan(times) & (times > 0)]
    return float(np.mean(1.0 / times)) if len(times) else None


def got10k_sequence_ious(pred_xywh: np.ndarray, gt_xywh: np.ndarray, cover: np.ndarray | None = None,
                         image_size: tuple[float, float] | None = None) -> np.ndarray:
    """IoUs of frames 1..N-1 whose ``cover > 0`` (all of them when ``cover`` is None), boxes bounded to the image."""
    pred = np.array(pred_xywh, dtype=np.float64).reshape(-1, 4)
    gt = np.array(gt_xywh, dtype=np.float64).reshape(-1, 4)
    _check_lengths(pred, gt)
    with np.errstate(invalid="ignore"):
        iou = continuous_iou(pred[1:], gt[1:], image_size)
    if cover is not None:
        cover = np.asarray(cover).reshape(-1)
        if len(cover) != len(gt):
            raise MetricError(f"{len(cover)} cover labels for {len(gt)} ground-truth rows")
        iou = iou[cover[1:] > 0]
    return iou


def ao_sr(ious: np.ndarray) -> dict[str, float]:
    """AO and SR at 0.5 / 0.75 (strict ``>``) of pooled IoUs, in percent."""
    if len(ious) == 0:
        raise MetricError("no frame to evaluate")
    with np.errstate(invalid="ignore"):
        return {"AO": float(np.mean(ious) * 100), "SR50": float(np.mean(ious > 0.5) * 100),
                "SR75": float(np.mean(ious > 0.75) * 100)}


def pooled_speed(times: list[np.ndarray]) -> float | None:
    """fps = ``mean(1 / t)`` over all frames of all sequences with finite ``t > 0``."""
    return sequence_speed(np.concatenate(times)) if times else None
