"""Training losses of AiATrack: GIoU and L1 on corner boxes, MSE for the IoU head."""
from __future__ import annotations

import torch
import torch.nn.functional as F

from lib.utils.box_ops import box_cxcywh_to_xyxy, box_xywh_to_xyxy

_EPS = 1e-7


def generalized_iou(pred_xyxy: torch.Tensor, target_xyxy: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Element-wise GIoU and IoU of predicted and target xyxy boxes, defined for any predicted box.

    For valid boxes (x2 >= x1, y2 >= y1) this is the usual GIoU (Rezatofighi et al. 2019), exactly
    the official formula. An inverted predicted box is not rejected (the official code asserts and
    then silently replaces the whole batch's GIoU loss by 0 without gradient) but handled this way:

    * its width and height are clamped at zero, so its area, the intersection and hence the IoU
      are 0, and the union is the target's area;
    * the enclosing box spans all four corner coordinates of both boxes (min of every x, max of
      every x, likewise y), so it is never smaller than the target box.

    Hence an inverted box gets GIoU = -(C - U) / C in [-1, 0] (loss 1 - GIoU in [1, 2], never below
    the loss of a valid box with zero area), the value is continuous where a box becomes
    degenerate, and its gradient (through C) pulls the corners inside the target's extent while
    the L1 term restores their order. Denominators are clamped at 1e-7 so degenerate targets give
    finite values; for non-degenerate boxes the clamp changes nothing.
    """
    px1, py1, px2, py2 = pred_xyxy.unbind(-1)
    tx1, ty1, tx2, ty2 = target_xyxy.unbind(-1)
    pred_area = (px2 - px1).clamp(min=0) * (py2 - py1).clamp(min=0)
    target_area = (tx2 - tx1).clamp(min=0) * (ty2 - ty1).clamp(min=0)
    inter_w = (torch.minimum(px2, tx2) - torch.maximum(px1, tx1)).clamp(min=0)
    inter_h = (torch.minimum(py2, ty2) - torch.maximum(py1, ty1)).clamp(min=0)
    inter = inter_w * inter_h
    union = pred_area + target_area - inter
    iou = inter / union.clamp(min=_EPS)
    xs = torch.stack((px1, px2, tx1, tx2), dim=-1)
    ys = torch.stack((py1, py2, ty1, ty2), dim=-1)
    enclosing = (xs.amax(-1) - xs.amin(-1)) * (ys.amax(-1) - ys.amin(-1))
    giou = iou - (enclosing - union) / enclosing.clamp(min=_EPS)
    return giou, iou


def giou_loss(pred_xyxy: torch.Tensor, target_xyxy: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Mean of 1 - GIoU over all boxes (see :func:`generalized_iou`) and the per-box IoU."""
    giou, iou = generalized_iou(pred_xyxy, target_xyxy)
    return (1.0 - giou).mean(), iou


def tracking_loss_terms(pred_boxes_cxcywh: torch.Tensor, gt_boxes_xywh: torch.Tensor,
                        pred_iou: torch.Tensor, iou_targets: torch.Tensor) -> dict[str, torch.Tensor]:
    """Unweighted loss terms of one batch, as the official actor defines them.

    ``pred_boxes_cxcywh`` (B, 4) normalized corner-head boxes; ``gt_boxes_xywh`` (B, 4) normalized
    ground truth in the search crop, converted to xyxy and clamped to [0, 1]; ``pred_iou`` and
    ``iou_targets`` (B, P) IoU-head outputs and their targets 2*IoU-1. Returns ``giou`` (mean
    1-GIoU), ``l1`` (mean absolute error over all xyxy coordinates), ``iou`` (MSE of the IoU head)
    and ``mean_iou`` (mean IoU of the predicted boxes, detached, for logging).
    """
    if not torch.isfinite(pred_boxes_cxcywh).all():
        raise FloatingPointError("the network predicted non-finite boxes; training diverged")
    pred_xyxy = box_cxcywh_to_xyxy(pred_boxes_cxcywh)
    gt_xyxy = box_xywh_to_xyxy(gt_boxes_xywh).clamp(min=0.0, max=1.0)
    giou, iou = giou_loss(pred_xyxy, gt_xyxy)
    return {
        "giou": giou,
        "l1": F.l1_loss(pred_xyxy, gt_xyxy),
        "iou": F.mse_loss(pred_iou, iou_targets),
        "mean_iou": iou.detach().mean(),
    }
