"""Refinement RoIs of SiamAttn training and their box and mask targets (the official
``pysot/utils/mask_target_builder.py`` rules, on CPU numpy / torch).

1. Proposals: every anchor's RPN box (raw deltas on the anchor grid, centre ``search_size // 2``),
   clipped to cx, cy in [0, S-1] and w, h in [10, S-1], as corners ``cx -+ w/2``.
2. Candidates = proposals + the ground-truth box; foreground = IoU with the ground truth >= ``fg_thresh``
   (0.5; the ground truth itself always is). ``rois_per_image`` of them are drawn without replacement, or,
   when there are fewer, all of them repeated and the remainder drawn without replacement. (The official
   ``FG_FRACTION`` is 1: every RoI is foreground.)
3. Box targets: ``((gx - rx) / rw, (gy - ry) / rh, log(gw / rw), log(gh / rh)) / stds`` with centre and size
   of the corner boxes (width ``x2 - x1``), stds (0.1, 0.1, 0.2, 0.2).
4. Mask targets: the ground-truth mask (search-crop pixels) cut to the RoI's integer corners
   ``int(clip(v, 0, S-1))`` (rows y1..y2, columns x1..x2 inclusive) and resized to ``mask_size``
   squared, nearest neighbour.
"""
from __future__ import annotations

from typing import Sequence

import cv2
import numpy as np
import torch

from lib.train.siamattn.anchors import AnchorGrid

MIN_RPN_BOX_SIDE = 10.0


def decode_rpn_boxes(loc: torch.Tensor, grid: AnchorGrid, search_size: int) -> torch.Tensor:
    """loc (B, 4A, S, S) raw deltas -> (B, A*S*S, 4) clipped xyxy boxes in crop pixels (step 1), no grad."""
    batch = loc.shape[0]
    delta = loc.detach().float().reshape(batch, 4, -1)
    anchors = torch.from_numpy(grid.center.reshape(4, -1)).to(delta.device)
    cx = delta[:, 0] * anchors[2] + anchors[0]
    cy = delta[:, 1] * anchors[3] + anchors[1]
    w = torch.exp(delta[:, 2]) * anchors[2]
    h = torch.exp(delta[:, 3]) * anchors[3]
    high = float(search_size - 1)
    cx, cy = cx.clamp(0.0, high), cy.clamp(0.0, high)
    w, h = w.clamp(MIN_RPN_BOX_SIDE, high), h.clamp(MIN_RPN_BOX_SIDE, high)
    return torch.stack((cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2), dim=-1)


def iou_with_box(boxes: torch.Tensor, box: torch.Tensor) -> torch.Tensor:
    """IoU (N,) of xyxy boxes (N, 4) with one xyxy box (4,), areas without +1."""
    inter_w = (torch.minimum(boxes[:, 2], box[2]) - torch.maximum(boxes[:, 0], box[0])).clamp(min=0)
    inter_h = (torch.minimum(boxes[:, 3], box[3]) - torch.maximum(boxes[:, 1], box[1])).clamp(min=0)
    inter = inter_w * inter_h
    areas = (boxes[:, 2] - boxes[:, 0]) * (boxes[:, 3] - boxes[:, 1])
    return inter / (areas + (box[2] - box[0]) * (box[3] - box[1]) - inter)


def sample_foreground_rois(proposals: torch.Tensor, gt_box: torch.Tensor, count: int, fg_thresh: float,
                           rng: np.random.Generator) -> torch.Tensor:
    """(count, 4) RoIs drawn from the foreground candidates of one image (step 2)."""
    candidates = torch.cat((proposals, gt_box[None]), dim=0)
    foreground = torch.nonzero(iou_with_box(candidates, gt_box) >= fg_thresh).flatten().numpy()
    if foreground.size == 0:            # a degenerate ground-truth box: fall back to it alone
        foreground = np.array([candidates.shape[0] - 1])
    if foreground.size > count:
        chosen = rng.choice(foreground, count, replace=False)
    else:
        repeats, rest = divmod(count, foreground.size)
        chosen = np.concatenate((np.tile(foreground, repeats), rng.choice(foreground, rest, replace=False)))
    return candidates[torch.from_numpy(chosen)]


def box_deltas(rois: torch.Tensor, gt: torch.Tensor, stds: Sequence[float]) -> torch.Tensor:
    """Normalized regression targets (N, 4) of xyxy RoIs towards xyxy ground truths (step 3)."""
    rw, rh = rois[:, 2] - rois[:, 0], rois[:, 3] - rois[:, 1]
    rx, ry = (rois[:, 0] + rois[:, 2]) * 0.5, (rois[:, 1] + rois[:, 3]) * 0.5
    gw, gh = gt[:, 2] - gt[:, 0], gt[:, 3] - gt[:, 1]
    gx, gy = (gt[:, 0] + gt[:, 2]) * 0.5, (gt[:, 1] + gt[:, 3]) * 0.5
    deltas = torch.stack(((gx - rx) / rw, (gy - ry) / rh, torch.log(gw / rw), torch.log(gh / rh)), dim=1)
    return deltas / torch.as_tensor(stds, dtype=deltas.dtype)


def mask_targets(mask: np.ndarray, rois: np.ndarray, mask_size: int) -> np.ndarray:
    """(N, mask_size, mask_size) float32 targets of xyxy RoIs (N, 4) from one (H, W) mask (step 4)."""
    height, width = mask.shape
    targets = np.empty((len(rois), mask_size, mask_size), dtype=np.float32)
    for k, (x1, y1, x2, y2) in enumerate(rois):
        x1, x2 = (int(min(max(v, 0), width - 1)) for v in (x1, x2))
        y1, y2 = (int(min(max(v, 0), height - 1)) for v in (y1, y2))
        piece = np.ascontiguousarray(mask[y1:y2 + 1, x1:x2 + 1], dtype=np.float32)
        targets[k] = cv2.resize(piece, (mask_size, mask_size), interpolation=cv2.INTER_NEAREST)
    return targets
