"""SiamAttn training losses (the official ``pysot/models/loss.py`` formulas).

* RPN classification: the (background, foreground) logits of anchor a are channels (a, a + A) of
  ``cls`` (B, 2A, S, S); log-softmax over the pair, then ``0.5 * NLL(positives) + 0.5 * NLL(negatives)``,
  each the mean over the labelled anchors of that class (a class without anchors adds 0).
* RPN regression: ``sum |loc - label_loc| * weight / B`` with ``loc`` (B, 4A, S, S) read as (B, 4, A, S, S)
  and the per-anchor weights (1 / #positives on positives).
* Box refinement: smooth L1 (beta 1), mean over the RoIs of the samples with ``bbox_weight`` 1.
* Mask: per-pixel binary cross-entropy with logits over the RoIs of the samples with ``mask_weight`` 1;
  only the ``ohem_fraction`` (0.7) largest pixel losses are kept (hard-pixel mining) and averaged.
Every function returns a 0-dim tensor that stays in the autograd graph (also when it is 0).
"""
from __future__ import annotations

import torch
import torch.nn.functional as F


def rpn_cls_loss(cls: torch.Tensor, label: torch.Tensor) -> torch.Tensor:
    """``cls`` (B, 2A, S, S) logits, ``label`` (B, A, S, S) int (1, 0, -1 ignored) -> 0-dim loss."""
    batch, channels, height, width = cls.shape
    log_prob = F.log_softmax(cls.view(batch, 2, channels // 2, height, width), dim=1)
    log_prob = log_prob.permute(0, 2, 3, 4, 1).reshape(-1, 2)
    label = label.reshape(-1)
    loss = cls.sum() * 0
    for value in (1, 0):
        selected = label == value
        if selected.any():
            loss = loss + 0.5 * F.nll_loss(log_prob[selected], label[selected].long())
    return loss


def rpn_loc_loss(loc: torch.Tensor, label_loc: torch.Tensor, weight: torch.Tensor) -> torch.Tensor:
    """``loc`` (B, 4A, S, S), ``label_loc`` (B, 4, A, S, S), ``weight`` (B, A, S, S) -> 0-dim loss."""
    batch, _, height, width = loc.shape
    diff = (loc.view(batch, 4, -1, height, width) - label_loc).abs().sum(dim=1)
    return (diff * weight).sum() / batch


def box_refine_loss(pred: torch.Tensor, target: torch.Tensor, selected: torch.Tensor) -> torch.Tensor:
    """``pred``, ``target`` (B, R, 4) normalized deltas, ``selected`` (B,) bool -> 0-dim loss."""
    if not selected.any():
        return pred.sum() * 0
    return F.smooth_l1_loss(pred[selected], target[selected])


def mask_loss(logits: torch.Tensor, target: torch.Tensor, selected: torch.Tensor,
              ohem_fraction: float = 0.7) -> torch.Tensor:
    """``logits``, ``target`` (B, R, M, M), ``selected`` (B,) bool -> 0-dim hard-pixel BCE."""
    if not selected.any():
        return logits.sum() * 0
    pixels = F.binary_cross_entropy_with_logits(logits[selected], target[selected], reduction="none").reshape(-1)
    keep = int(ohem_fraction * pixels.numel())
    return pixels.topk(keep).values.mean()


def mask_iou(logits: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """Mean IoU of the masks ``logits >= 0`` with binary targets, over RoIs (..., M, M) -> 0-dim."""
    pred = logits.detach() >= 0
    truth = target >= 1
    inter = (pred & truth).flatten(-2).sum(-1).float()
    union = (pred | truth).flatten(-2).sum(-1).float()
    return (inter / (union + 1e-5)).mean()
