"""Box conversions and overlap measures (the one box module of the project).

Formats: ``xywh`` = left, top, width, height; ``xyxy`` = corners; ``cxcywh`` = centre and size.
Tensor functions work on the last dimension and broadcast over leading ones. Format conversions and
box areas are ``torchvision.ops``; the element-wise IoU, the official clipping rule and the token
region map are this project's (torchvision has no equivalent with the official numerics).
"""
from __future__ import annotations

import torch
from torchvision.ops import box_area, box_convert


def box_xywh_to_xyxy(box: torch.Tensor) -> torch.Tensor:
    """(x, y, w, h) -> (x1, y1, x2, y2)."""
    return box_convert(box, "xywh", "xyxy")


def box_xyxy_to_xywh(box: torch.Tensor) -> torch.Tensor:
    """(x1, y1, x2, y2) -> (x, y, w, h)."""
    return box_convert(box, "xyxy", "xywh")


def box_cxcywh_to_xyxy(box: torch.Tensor) -> torch.Tensor:
    """(cx, cy, w, h) -> (x1, y1, x2, y2), as cx -/+ 0.5 * w."""
    return box_convert(box, "cxcywh", "xyxy")


def box_xyxy_to_cxcywh(box: torch.Tensor) -> torch.Tensor:
    """(x1, y1, x2, y2) -> (cx, cy, w, h), as (x1 + x2) / 2."""
    return box_convert(box, "xyxy", "cxcywh")


def paired_iou(boxes1: torch.Tensor, boxes2: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Element-wise IoU and union of two equally shaped sets of valid xyxy boxes."""
    lt = torch.maximum(boxes1[..., :2], boxes2[..., :2])
    rb = torch.minimum(boxes1[..., 2:], boxes2[..., 2:])
    inter = (rb - lt).clamp(min=0).prod(-1)
    union = box_area(boxes1) + box_area(boxes2) - inter
    return inter / union, union


def clip_box_xywh(box: list[float], height: int, width: int, margin: int = 0) -> list[float]:
    """Clip an image-space xywh box so at least ``margin`` pixels of it stay inside the image.

    Follows the official tracker: the right/bottom edge is computed from the unclamped left/top
    edge, and width/height never fall below ``margin``.
    """
    x1, y1, w, h = box
    x2, y2 = x1 + w, y1 + h
    x1 = min(max(0, x1), width - margin)
    x2 = min(max(margin, x2), width)
    y1 = min(max(0, y1), height - margin)
    y2 = min(max(margin, y2), height)
    return [x1, y1, max(margin, x2 - x1), max(margin, y2 - y1)]


def box_to_region_map(box_xywh_norm: torch.Tensor, feat_size: int) -> torch.Tensor:
    """Target region on a ``feat_size`` x ``feat_size`` token grid from normalized xywh boxes (..., 4).

    Each of x, y, w, h is scaled by ``feat_size`` and rounded separately (half to even), as the
    official code does; the region covers rows y..y+h-1 and columns x..x+w-1 clipped to the grid
    (empty for non-positive w or h). Returns float (..., feat_size, feat_size), 1 = target.
    """
    x, y, w, h = torch.round(box_xywh_norm * feat_size).long().unbind(-1)
    grid = torch.arange(feat_size, device=box_xywh_norm.device)
    rows = (grid >= y[..., None]) & (grid < (y + h)[..., None])
    cols = (grid >= x[..., None]) & (grid < (x + w)[..., None])
    return (rows[..., :, None] & cols[..., None, :]).float()
