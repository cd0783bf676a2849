"""SiamAttn losses against element-by-element computations written out in the tests."""
from __future__ import annotations

import math

import torch

from lib.train.siamattn.losses import box_refine_loss, mask_iou, mask_loss, rpn_cls_loss, rpn_loc_loss


def test_rpn_cls_loss_averages_positives_and_negatives_separately():
    gen = torch.Generator().manual_seed(0)
    cls = torch.randn(2, 10, 3, 3, generator=gen)
    label = torch.full((2, 5, 3, 3), -1, dtype=torch.long)
    label[0, 1, 0, 2] = 1
    label[1, 4, 2, 2] = 1
    label[0, 0, 1, 1] = 0
    label[1, 3, 0, 0] = 0
    label[1, 2, 2, 1] = 0
    pos, neg = [], []
    for b, a, y, x in torch.nonzero(label >= 0).tolist():
        bg, fg = cls[b, a, y, x].item(), cls[b, a + 5, y, x].item()
        log_norm = math.log(math.exp(bg) + math.exp(fg))
        if label[b, a, y, x] == 1:
            pos.append(log_norm - fg)
        else:
            neg.append(log_norm - bg)
    expected = 0.5 * sum(pos) / len(pos) + 0.5 * sum(neg) / len(neg)
    assert math.isclose(rpn_cls_loss(cls, label).item(), expected, rel_tol=1e-5)


def test_rpn_cls_loss_without_positives_is_half_the_negative_term():
    cls = torch.zeros(1, 10, 2, 2, requires_grad=True)
    label = torch.full((1, 5, 2, 2), -1, dtype=torch.long)
    label[0, 0, 0, 0] = 0
    loss = rpn_cls_loss(cls, label)
    assert math.isclose(loss.item(), 0.5 * math.log(2), rel_tol=1e-6)
    loss.backward()
    assert cls.grad is not None


def test_rpn_loc_loss_is_weighted_l1_per_image():
    gen = torch.Generator().manual_seed(1)
    loc = torch.randn(2, 20, 3, 3, generator=gen)
    target = torch.randn(2, 4, 5, 3, 3, generator=gen)
    weight = torch.zeros(2, 5, 3, 3)
    weight[0, 2, 1, 1] = 0.5
    weight[1, 0, 2, 0] = 0.25
    expected = 0.0
    for b, a, y, x in torch.nonzero(weight).tolist():
        l1 = sum(abs(loc[b, k * 5 + a, y, x].item() - target[b, k, a, y, x].item()) for k in range(4))
        expected += weight[b, a, y, x].item() * l1
    assert math.isclose(rpn_loc_loss(loc, target, weight).item(), expected / 2, rel_tol=1e-5)


def test_box_refine_loss_smooth_l1_over_selected_samples():
    pred = torch.tensor([[[0.0, 0.5, 2.0, -3.0]], [[9.0, 9.0, 9.0, 9.0]]])
    target = torch.zeros(2, 1, 4)
    # |d| < 1: 0.5 d^2, else |d| - 0.5: (0 + 0.125 + 1.5 + 2.5) / 4
    assert math.isclose(box_refine_loss(pred, target, torch.tensor([True, False])).item(), 4.125 / 4)
    zero = box_refine_loss(pred.requires_grad_(), target, torch.tensor([False, False]))
    assert zero.item() == 0 and zero.requires_grad


def test_mask_loss_keeps_the_hardest_70_percent_of_pixels():
    gen = torch.Generator().manual_seed(2)
    logits = torch.randn(3, 2, 4, 4, generator=gen)
    target = (torch.rand(3, 2, 4, 4, generator=gen) > 0.5).float()
    selected = torch.tensor([True, False, True])
    losses = []
    for b in (0, 2):
        for value, truth in zip(logits[b].flatten().tolist(), target[b].flatten().tolist()):
            p = 1 / (1 + math.exp(-value))
            losses.append(-(truth * math.log(p) + (1 - truth) * math.log(1 - p)))
    losses.sort(reverse=True)
    keep = int(0.7 * len(losses))                          # 44 of 64
    expected = sum(losses[:keep]) / keep
    assert math.isclose(mask_loss(logits, target, selected).item(), expected, rel_tol=1e-5)
    assert mask_loss(logits, target, torch.tensor([False] * 3)).item() == 0


def test_mask_iou_counts_pixels():
    logits = torch.tensor([[1.0, 1.0], [-1.0, -1.0]])
    target = torch.tensor([[1.0, 0.0], [1.0, 0.0]])
    assert math.isclose(mask_iou(logits, target).item(), 1 / 3, rel_tol=1e-4)
