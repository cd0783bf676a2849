"""SiamAttn RPN anchors in search-crop pixels and their training targets (pysot ``Anchors`` /
``AnchorTarget`` rules, used unchanged by the official SiamAttn release).

Anchors: the tracker's anchors (``lib.models.siamattn.anchors.crop_anchors``) moved so that the middle
grid cell sits at ``search_size // 2`` (127 for a 255 crop), as pysot's ``AnchorTarget`` places them.
Layout (A, S, S) with A = ratios x scales, anchor-major, as the RPN's output channels.

Targets for a ground-truth box ``(x1, y1, x2, y2)`` in the same crop pixels:

* positive pair: IoU (corner boxes, no +1) > ``thr_high`` is positive, < ``thr_low`` negative; at most
  ``pos_num`` positives and ``total_num - pos_num`` negatives are kept, chosen at random; the rest are
  ignored (label -1). Deltas ``((tcx - cx) / w, (tcy - cy) / h, log(tw / w), log(th / h))`` for every
  anchor, weighted ``1 / (num_pos + 1e-6)`` on the kept positives;
* negative pair (template and search show different objects): the anchors of the 7 x 7 cells around
  the grid cell of the box centre are candidates, ``neg_num`` of them are kept as negatives, no
  positive and zero delta weights.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np

from lib.models.siamattn.anchors import crop_anchors

NEGATIVE_PAIR_HALF_WINDOW = 3


@dataclass(frozen=True)
class AnchorGrid:
    """All anchors of one search crop: ``center`` (4, A, S, S) cx, cy, w, h and ``corner`` (4, A, S, S)
    x1, y1, x2, y2, float32, in search-crop pixels."""

    center: np.ndarray
    corner: np.ndarray

    @classmethod
    def build(cls, stride: int, ratios: Sequence[float], scales: Sequence[float], output_size: int,
              search_size: int) -> "AnchorGrid":
        """The grid of ``output_size`` x ``output_size`` cells centred on ``search_size // 2``."""
        flat = crop_anchors(stride, list(ratios), list(scales), output_size).numpy()   # (A*S*S, 4)
        center = flat.T.reshape(4, -1, output_size, output_size).copy()
        center[:2] += search_size // 2
        cx, cy, w, h = center
        corner = np.stack((cx - w * 0.5, cy - h * 0.5, cx + w * 0.5, cy + h * 0.5)).astype(np.float32)
        return cls(center, corner)

    @property
    def output_size(self) -> int:
        return self.center.shape[2]


@dataclass(frozen=True)
class AnchorTargetRule:
    """Thresholds and sample counts of the anchor targets (pysot ``TRAIN`` defaults)."""

    thr_high: float = 0.6
    thr_low: float = 0.3
    pos_num: int = 16
    neg_num: int = 16
    total_num: int = 64


@dataclass
class AnchorTargets:
    """``label`` (A, S, S) int64 (1 positive, 0 negative, -1 ignored), ``delta`` (4, A, S, S) float32,
    ``delta_weight`` (A, S, S) float32, ``overlap`` (A, S, S) float32 IoU with the box."""

    label: np.ndarray
    delta: np.ndarray
    delta_weight: np.ndarray
    overlap: np.ndarray


def box_iou_with_anchors(corner: np.ndarray, box_xyxy: Sequence[float]) -> np.ndarray:
    """IoU of every anchor (corner (4, ...)) with one xyxy box, areas without +1 (pysot ``IoU``)."""
    x1, y1, x2, y2 = corner
    tx1, ty1, tx2, ty2 = (float(v) for v in box_xyxy)
    inter_w = np.maximum(0, np.minimum(tx2, x2) - np.maximum(tx1, x1))
    inter_h = np.maximum(0, np.minimum(ty2, y2) - np.maximum(ty1, y1))
    inter = inter_w * inter_h
    union = (x2 - x1) * (y2 - y1) + (tx2 - tx1) * (ty2 - ty1) - inter
    return (inter / union).astype(np.float32)


def _keep_random(mask: np.ndarray, keep: int, rng: np.random.Generator) -> tuple[np.ndarray, int]:
    """Flat indices of at most ``keep`` randomly chosen True entries of ``mask`` and their count."""
    index = np.flatnonzero(mask)
    if index.size > keep:
        index = index[rng.permutation(index.size)[:keep]]
    return index, int(index.size)


def anchor_targets(grid: AnchorGrid, box_xyxy: Sequence[float], negative: bool, rng: np.random.Generator,
                   rule: AnchorTargetRule = AnchorTargetRule()) -> AnchorTargets:
    """Labels, deltas and delta weights of every anchor for one search crop (module docstring)."""
    shape = grid.center.shape[1:]
    label = np.full(shape, -1, dtype=np.int64)
    delta = np.zeros((4,) + shape, dtype=np.float32)
    delta_weight = np.zeros(shape, dtype=np.float32)
    x1, y1, x2, y2 = (float(v) for v in box_xyxy)
    tcx, tcy, tw, th = (x1 + x2) * 0.5, (y1 + y2) * 0.5, x2 - x1, y2 - y1
    size = grid.output_size
    if negative:
        search_center = _search_center(grid)
        stride = _stride(grid)
        cx = size // 2 + int(np.ceil((tcx - search_center) / stride + 0.5))
        cy = size // 2 + int(np.ceil((tcy - search_center) / stride + 0.5))
        window = np.zeros(shape, dtype=bool)
        h = NEGATIVE_PAIR_HALF_WINDOW
        window[:, max(0, cy - h):min(size, cy + h + 1), max(0, cx - h):min(size, cx + h + 1)] = True
        keep, _ = _keep_random(window, rule.neg_num, rng)
        label.reshape(-1)[keep] = 0
        return AnchorTargets(label, delta, delta_weight, np.zeros(shape, dtype=np.float32))

    acx, acy, aw, ah = grid.center
    delta[0] = (tcx - acx) / aw
    delta[1] = (tcy - acy) / ah
    delta[2] = np.log(tw / aw)
    delta[3] = np.log(th / ah)
    overlap = box_iou_with_anchors(grid.corner, box_xyxy)
    positive, num_pos = _keep_random(overlap > rule.thr_high, rule.pos_num, rng)
    negative_ids, _ = _keep_random(overlap < rule.thr_low, rule.total_num - rule.pos_num, rng)
    label.reshape(-1)[positive] = 1
    delta_weight.reshape(-1)[positive] = 1.0 / (num_pos + 1e-6)
    label.reshape(-1)[negative_ids] = 0
    return AnchorTargets(label, delta, delta_weight, overlap)


def _stride(grid: AnchorGrid) -> float:
    """Distance between neighbouring anchor centres."""
    return float(grid.center[0, 0, 0, 1] - grid.center[0, 0, 0, 0])


def _search_center(grid: AnchorGrid) -> float:
    """Crop coordinate of the middle grid cell (``search_size // 2``)."""
    middle = grid.output_size // 2
    return float(grid.center[0, 0, 0, middle])
