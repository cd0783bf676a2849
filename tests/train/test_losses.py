"""Loss formulas checked against hand-computed boxes and an independent transcription of the official GIoU."""
from __future__ import annotations

import math

import pytest
import torch

from lib.train.aiatrack.losses import generalized_iou, giou_loss, tracking_loss_terms


def official_giou(b1: torch.Tensor, b2: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """The official paired GIoU for valid xyxy boxes, written out from its formula."""
    a1 = (b1[:, 2] - b1[:, 0]) * (b1[:, 3] - b1[:, 1])
    a2 = (b2[:, 2] - b2[:, 0]) * (b2[:, 3] - b2[:, 1])
    wh = (torch.min(b1[:, 2:], b2[:, 2:]) - torch.max(b1[:, :2], b2[:, :2])).clamp(min=0)
    inter = wh[:, 0] * wh[:, 1]
    union = a1 + a2 - inter
    iou = inter / union
    wh_c = (torch.max(b1[:, 2:], b2[:, 2:]) - torch.min(b1[:, :2], b2[:, :2])).clamp(min=0)
    area_c = wh_c[:, 0] * wh_c[:, 1]
    return iou - (area_c - union) / area_c, iou


def test_hand_computed_valid_boxes():
    pred = torch.tensor([[0.0, 0.0, 2.0, 2.0], [0.0, 0.0, 1.0, 1.0], [1.0, 1.0, 3.0, 4.0]])
    target = torch.tensor([[1.0, 1.0, 3.0, 3.0], [2.0, 0.0, 3.0, 1.0], [1.0, 1.0, 3.0, 4.0]])
    giou, iou = generalized_iou(pred, target)
    # overlap 1, union 7, enclosing 9 | disjoint: union 2, enclosing 3 | identical
    assert torch.allclose(iou, torch.tensor([1 / 7, 0.0, 1.0]))
    assert torch.allclose(giou, torch.tensor([1 / 7 - 2 / 9, -1 / 3, 1.0]))
    loss, _ = giou_loss(pred, target)
    assert math.isclose(loss.item(), ((1 - (1 / 7 - 2 / 9)) + (1 + 1 / 3) + 0) / 3, rel_tol=1e-6)


def test_half_overlapping_squares():
    # inter 0.5, union 1.5, enclosing 1.5 -> IoU = GIoU = 1/3
    giou, iou = generalized_iou(torch.tensor([[0.0, 0.0, 1.0, 1.0]]), torch.tensor([[0.5, 0.0, 1.5, 1.0]]))
    assert abs(iou.item() - 1 / 3) < 1e-7 and abs(giou.item() - 1 / 3) < 1e-7


def test_equals_official_formula_on_random_valid_boxes():
    gen = torch.Generator().manual_seed(0)
    xy = torch.rand(200, 2, generator=gen)
    pred = torch.cat((xy, xy + torch.rand(200, 2, generator=gen) * 0.5), dim=1)
    xy = torch.rand(200, 2, generator=gen)
    target = torch.cat((xy, xy + 0.01 + torch.rand(200, 2, generator=gen) * 0.5), dim=1)
    giou, iou = generalized_iou(pred, target)
    ref_giou, ref_iou = official_giou(pred, target)
    assert torch.equal(iou, ref_iou)
    assert torch.allclose(giou, ref_giou, rtol=0, atol=1e-7)


def test_inverted_box_has_defined_loss_and_gradient():
    # x1 > x2: area clamped to 0; enclosing x 0..4, y 0..2 -> C = 8, U = 4, GIoU = U/C - 1 = -0.5
    pred = torch.tensor([[4.0, 1.0, 3.0, 1.5]], requires_grad=True)
    target = torch.tensor([[0.0, 0.0, 2.0, 2.0]])
    loss, iou = giou_loss(pred, target)
    assert iou.item() == 0.0
    assert math.isclose(loss.item(), 1.5, rel_tol=1e-6)
    loss.backward()
    # d(1 - U/C)/d x1 = U/C^2 * dC/dx1 = 4/64 * 2 (x1 is the right end of the enclosing box)
    assert torch.allclose(pred.grad, torch.tensor([[0.125, 0.0, 0.0, 0.0]]))


def test_continuous_where_a_box_becomes_inverted():
    target = torch.tensor([[0.2, 0.2, 0.6, 0.7]])
    values = []
    for x2 in (0.8 + 1e-4, 0.8, 0.8 - 1e-4):   # width +1e-4, 0, -1e-4 (inverted)
        values.append(giou_loss(torch.tensor([[0.8, 0.3, x2, 0.5]]), target)[0].item())
    assert abs(values[0] - values[1]) < 1e-3 and abs(values[1] - values[2]) < 1e-3
    assert values[2] >= values[1]


def test_tracking_loss_terms_by_hand():
    pred_cxcywh = torch.tensor([[0.5, 0.5, 0.2, 0.4], [0.1, 0.1, 0.4, 0.2]])
    gt_xywh = torch.tensor([[0.4, 0.3, 0.2, 0.4], [-0.1, 0.9, 0.3, 0.3]])
    # pred xyxy: [0.4,0.3,0.6,0.7], [-0.1,0.0,0.3,0.2]; gt xyxy clamped: [0.4,0.3,0.6,0.7], [0,0.9,0.2,1]
    pred_iou = torch.tensor([[0.5, -0.5], [0.0, 1.0]])
    targets = torch.tensor([[1.0, -1.0], [0.5, 0.0]])
    terms = tracking_loss_terms(pred_cxcywh, gt_xywh, pred_iou, targets)
    l1 = (0 + 0 + 0 + 0 + 0.1 + 0.9 + 0.1 + 0.8) / 8
    # second pair disjoint: union 0.08 + 0.02, enclosing x -0.1..0.3, y 0..1 -> 0.4
    giou2 = -(0.4 - 0.1) / 0.4
    assert math.isclose(terms["l1"].item(), l1, rel_tol=1e-6)
    assert math.isclose(terms["giou"].item(), (0.0 + 1 - giou2) / 2, rel_tol=1e-6)
    assert math.isclose(terms["iou"].item(), (0.25 + 0.25 + 0.25 + 1.0) / 4, rel_tol=1e-6)
    assert math.isclose(terms["mean_iou"].item(), 0.5, rel_tol=1e-6)


def test_non_finite_prediction_is_an_error():
    with pytest.raises(FloatingPointError):
        tracking_loss_terms(torch.tensor([[float("nan"), 0.5, 0.1, 0.1]]), torch.tensor([[0.4, 0.4, 0.2, 0.2]]),
                            torch.zeros(1, 2), torch.zeros(1, 2))
