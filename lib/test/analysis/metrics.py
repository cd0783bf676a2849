"""Success / precision / normalised precision exactly as the official AiATrack analysis computes them.

docs/benchmarks.md#the-aiatrack-analysis (``extract_results`` + ``plot_results``). Per sequence: invalid
predictions are rejected, zero-size predictions inherit the previous box, the first prediction is
replaced by the ground truth, frames whose ground truth has no positive size (and, on LaSOT, frames
where the target is absent) leave the denominator, and the curves use ``IoU > t`` (strict) over 21
thresholds, ``error <= t`` over 0..50 px and 0..0.5 (normalised). Curves and their averages are
float32 and reduced with torch, like the official code, so the scores match it bit for bit.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from lib.test.evaluation.traits import Absence

# The official thresholds come from torch.arange(0, 1.05, 0.05, float64), whose vectorised fill gives
# e.g. 0.6500000000000001 and 0.7500000000000001 (neither np.arange nor i * 0.05 reproduce all 21).
SUCCESS_THRESHOLDS = torch.arange(0.0, 1.05, 0.05, dtype=torch.float64).numpy()
PRECISION_THRESHOLDS = np.arange(51, dtype=np.float64)
NORM_PRECISION_THRESHOLDS = np.arange(51, dtype=np.float64) / 100.0
PRECISION_INDEX = 20  # 20 px, and 0.20 for the normalised curve


class MetricError(ValueError):
    """A result or annotation that the official analysis refuses to evaluate."""


@dataclass(frozen=True)
class FrameErrors:
    """Per-frame errors of one sequence, with the official sentinels on invalid frames."""

    iou: np.ndarray  # (N,) float64, -1 on invalid frames
    center: np.ndarray  # (N,) float64 pixels
    norm_center: np.ndarray  # (N,) float64
    valid: np.ndarray  # (N,) bool


@dataclass(frozen=True)
class SequenceCurves:
    """The three per-sequence curves (fractions, float32) and the mean IoU over valid frames."""

    success: np.ndarray  # (21,)
    precision: np.ndarray  # (51,)
    norm_precision: np.ndarray  # (51,)
    avg_overlap: float


def center_error(pred: np.ndarray, gt: np.ndarray, normalized: bool = False) -> np.ndarray:
    """Euclidean distance of the centres ``x + (w-1)/2``; with ``normalized`` divided per axis by GT w, h."""
    pred_center = pred[:, :2] + 0.5 * (pred[:, 2:] - 1.0)
    gt_center = gt[:, :2] + 0.5 * (gt[:, 2:] - 1.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        if normalized:
            pred_center = pred_center / gt[:, 2:]
            gt_center = gt_center / gt[:, 2:]
        return np.sqrt(((pred_center - gt_center) ** 2).sum(axis=1))


def pixel_iou(pred: np.ndarray, gt: np.ndarray) -> np.ndarray:
    """IoU with the inclusive-pixel convention (``x2 = x + w - 1``), no epsilon (NaN for 0/0)."""
    tl = np.maximum(pred[:, :2], gt[:, :2])
    br = np.minimum(pred[:, :2] + pred[:, 2:] - 1.0, gt[:, :2] + gt[:, 2:] - 1.0)
    inter = np.clip(br - tl + 1.0, 0.0, None).prod(axis=1)
    union = pred[:, 2:].prod(axis=1) + gt[:, 2:].prod(axis=1) - inter
    with np.errstate(divide="ignore", invalid="ignore"):
        return inter / union


def carry_forward(boxes: np.ndarray, replace: np.ndarray) -> np.ndarray:
    """Rows where ``replace`` is set take the nearest earlier row that is kept (row 0 is always kept).

    Equals replacing rows 1.. in order by the already-replaced previous row.
    """
    keep = ~np.asarray(replace, dtype=bool)
    keep[0] = True
    source = np.maximum.accumulate(np.where(keep, np.arange(len(boxes)), 0))
    return boxes[source]


def repair_zero_size(pred: np.ndarray, gt: np.ndarray) -> np.ndarray:
    """Rows 1.. with zero width or height take the (repaired) previous row, unless that frame's GT has NaN."""
    gt_has_nan = np.zeros(len(pred), dtype=bool)
    n = min(len(pred), len(gt))
    gt_has_nan[:n] = np.isnan(gt[:n]).any(axis=1)
    zero_size = (pred[:, 2] == 0.0) | (pred[:, 3] == 0.0)
    return carry_forward(pred, zero_size & ~gt_has_nan)


def sequence_errors(pred_xywh: np.ndarray, gt_xywh: np.ndarray, absence: Absence,
                    target_visible: np.ndarray | None = None) -> FrameErrors:
    """Rules 1-7 of docs/benchmarks.md#the-aiatrack-analysis: checks, repairs, first frame, valid frames,
    errors and sentinels.

    ``absence`` is the benchmark's declared way of marking absent targets: ``VISIBILITY_FLAGS`` (LaSOT)
    requires ``target_visible``, a full-length prediction, and gives invisible frames infinite centre
    errors; ``NAN_GROUND_TRUTH`` (UAV123) allows NaN ground truth and gives invalid frames the centre
    error -1; ``NONE`` allows neither. ``target_visible`` is used whenever given.
    """
    flags = absence is Absence.VISIBILITY_FLAGS
    nan_truth = absence is Absence.NAN_GROUND_TRUTH
    pred = np.array(pred_xywh, dtype=np.float64).reshape(-1, 4)
    gt = np.array(gt_xywh, dtype=np.float64).reshape(-1, 4)
    if np.isnan(pred).any():
        raise MetricError("prediction contains NaN")
    if (pred[:, 2:] < 0.0).any():
        raise MetricError("prediction has a negative width or height")
    if np.isnan(gt).any() and not nan_truth:
        raise MetricError("ground truth contains NaN (only allowed where absent targets are NaN rows, as on UAV123)")
    if flags and target_visible is None:
        raise MetricError("LaSOT evaluation needs the target visibility flags")

    if (pred[:, 2:] == 0.0).any():
        pred = repair_zero_size(pred, gt)
    n = len(gt)
    if len(pred) > n:
        pred = pred[:n]
    elif len(pred) < n:
        if flags:
            raise MetricError(f"prediction has {len(pred)} rows but the ground truth has {n}")
        pred = np.concatenate([pred, np.zeros((n - len(pred), 4))])
    pred[0] = gt[0]

    with np.errstate(invalid="ignore"):
        valid = (gt[:, 2] > 0.0) & (gt[:, 3] > 0.0)
    if target_visible is not None:
        visible = np.asarray(target_visible).astype(bool).reshape(-1)
        if len(visible) != n:
            raise MetricError(f"{len(visible)} visibility flags for {n} ground-truth rows")
        valid &= visible

    center = center_error(pred, gt)
    norm_center = center_error(pred, gt, normalized=True)
    iou = pixel_iou(pred, gt)
    center[~valid] = -1.0 if nan_truth else np.inf
    norm_center[~valid] = -1.0
    iou[~valid] = -1.0
    if flags:
        center[~visible] = np.inf
        norm_center[~visible] = np.inf
    if np.isnan(iou).any():
        raise MetricError("overlap is NaN on a valid frame")
    return FrameErrors(iou=iou, center=center, norm_center=norm_center, valid=valid)


def sequence_curves(errors: FrameErrors, all_frames: bool = False) -> SequenceCurves:
    """Rule 8: per-sequence curves over the valid frames (sentinel frames stay in the numerators); with
    ``all_frames`` over every frame, so invalid frames count as misses (pytracking's
    ``exclude_invalid_frames=False``, docs/benchmarks.md#avist-analysis)."""
    if not errors.valid.any():
        raise MetricError("no valid frame in the sequence")
    n = len(errors.valid) if all_frames else int(errors.valid.sum())

    def fraction(hits: np.ndarray) -> np.ndarray:
        return hits.sum(axis=0).astype(np.float32) / np.float32(n)

    return SequenceCurves(
        success=fraction(errors.iou[:, None] > SUCCESS_THRESHOLDS[None, :]),
        precision=fraction(errors.center[:, None] <= PRECISION_THRESHOLDS[None, :]),
        norm_precision=fraction(errors.norm_center[:, None] <= NORM_PRECISION_THRESHOLDS[None, :]),
        avg_overlap=float(errors.iou[errors.valid].mean()),
    )


def curve_scores(success: np.ndarray, precision: np.ndarray, norm_precision: np.ndarray) -> dict[str, float]:
    """Rule 9 on (averaged) curves given as fractions: AUC, OP50, OP75, P@20px, P_norm@0.2, in percent.

    Computed like ``plot_results``: the curves are scaled to percent in float32, AUC is their float32 mean.
    """
    success_pct = torch.as_tensor(np.asarray(success, dtype=np.float32)) * 100.0
    return {
        "AUC": float(success_pct.mean()),
        "OP50": float(success_pct[10]),
        "OP75": float(success_pct[15]),
        "P": float(torch.as_tensor(np.asarray(precision, dtype=np.float32))[PRECISION_INDEX] * 100.0),
        "P_norm": float(torch.as_tensor(np.asarray(norm_precision, dtype=np.float32))[PRECISION_INDEX] * 100.0),
    }


def average_curves(curves: list[SequenceCurves]) -> SequenceCurves:
    """Unweighted float32 mean of per-sequence curves over sequences (``plot_results``), rule 9."""
    if not curves:
        raise MetricError("no sequence to average")

    def mean(arrays: list[np.ndarray]) -> np.ndarray:
        return torch.from_numpy(np.stack(arrays).astype(np.float32)).mean(0).numpy()

    return SequenceCurves(
        success=mean([c.success for c in curves]),
        precision=mean([c.precision for c in curves]),
        norm_precision=mean([c.norm_precision for c in curves]),
        avg_overlap=float(np.mean([c.avg_overlap for c in curves])),
    )
