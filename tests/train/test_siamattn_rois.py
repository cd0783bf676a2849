"""Refinement RoIs: decoding, foreground sampling, box and mask targets against hand-made cases."""
from __future__ import annotations

import math

import numpy as np
import torch

from lib.train.siamattn.anchors import AnchorGrid
from lib.train.siamattn.rois import (box_deltas, decode_rpn_boxes, iou_with_box, mask_targets,
                                     sample_foreground_rois)

GRID = AnchorGrid.build(8, [0.33, 0.5, 1, 2, 3], [8], 25, 255)


def test_zero_deltas_decode_to_the_clipped_anchors():
    boxes = decode_rpn_boxes(torch.zeros(1, 20, 25, 25), GRID, 255)
    assert boxes.shape == (1, 5 * 625, 4)
    # square anchor (index 2) at cell (12, 12): flattened a * 625 + y * 25 + x
    assert boxes[0, 2 * 625 + 12 * 25 + 12].tolist() == [95, 95, 159, 159]
    # a huge predicted size is clipped to 254, the centre to [0, 254]
    loc = torch.zeros(1, 20, 25, 25)
    loc[0, 15 + 2] = 10.0   # dh of the square anchors
    loc[0, 0 + 2] = -100.0  # dx
    box = decode_rpn_boxes(loc, GRID, 255)[0, 2 * 625]
    assert box.tolist() == [-32, 127 - 254 / 2 - 96, 32, 127 + 254 / 2 - 96]


def test_foreground_sampling_repeats_few_candidates_and_always_includes_the_truth():
    gt = torch.tensor([100.0, 100.0, 150.0, 150.0])
    proposals = torch.tensor([[100.0, 100.0, 150.0, 140.0],    # IoU 0.8: foreground
                              [0.0, 0.0, 20.0, 20.0],          # background
                              [125.0, 100.0, 175.0, 150.0]])   # IoU 1/3: background
    rois = sample_foreground_rois(proposals, gt, 5, 0.5, np.random.default_rng(0))
    rows = sorted(tuple(r) for r in rois.tolist())
    assert rows.count((100.0, 100.0, 150.0, 150.0)) + rows.count((100.0, 100.0, 150.0, 140.0)) == 5
    assert rows.count((100.0, 100.0, 150.0, 150.0)) in (2, 3)
    # more candidates than RoIs: drawn without replacement
    many = gt + torch.linspace(-2, 2, 30)[:, None]
    rois = sample_foreground_rois(many, gt, 15, 0.5, np.random.default_rng(0))
    assert len({tuple(r) for r in rois.tolist()}) == 15
    assert (iou_with_box(rois, gt) >= 0.5).all()


def test_box_deltas_hand_computed():
    rois = torch.tensor([[10.0, 20.0, 30.0, 60.0]])          # centre (20, 40), size 20 x 40
    gt = torch.tensor([[12.0, 20.0, 52.0, 80.0]])            # centre (32, 50), size 40 x 60
    expected = [(12 / 20) / 0.1, (10 / 40) / 0.1, math.log(2) / 0.2, math.log(1.5) / 0.2]
    assert torch.allclose(box_deltas(rois, gt, (0.1, 0.1, 0.2, 0.2))[0], torch.tensor(expected))


def test_mask_targets_crop_inclusive_integer_corners():
    mask = np.zeros((20, 20), dtype=np.float32)
    mask[5:10, 5:10] = 1
    # RoI covering columns/rows 5..12 (int of 5.7 and 12.9): the left 5 of 8 columns are object
    target = mask_targets(mask, np.array([[5.7, 5.2, 12.9, 12.4]]), 8)
    assert target.shape == (1, 8, 8)
    assert target[0].tolist() == mask[5:13, 5:13].tolist()
    # RoI partly outside: clipped to the mask
    target = mask_targets(mask, np.array([[-10.0, -10.0, 39.0, 39.0]]), 20)
    assert target[0].tolist() == mask.tolist()
