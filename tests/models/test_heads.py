"""Corner head soft-argmax (Q22) and IoU head RoI construction (Q24) on hand-computed examples."""
from __future__ import annotations

import torch

from lib.models.aiatrack.heads import CornerHead, IoUHead


def test_soft_argmax_of_one_hot_map():
    head = CornerHead(in_channels=8, feat_side=8, stride=16)
    score = torch.zeros(2, 1, 8, 8)
    score[0, 0, 3, 5] = 1e4      # row 3, column 5 -> pixel (x=80, y=48), no half-stride offset
    score[1, 0, 7, 0] = 1e4      # row 7, column 0 -> (0, 112)
    x, y = head.soft_argmax(score)
    assert x.tolist() == [80.0, 0.0] and y.tolist() == [48.0, 112.0]


def test_soft_argmax_of_two_equal_peaks_is_their_midpoint():
    head = CornerHead(in_channels=8, feat_side=4, stride=16)
    score = torch.full((1, 1, 4, 4), -1e4)
    score[0, 0, 0, 0] = score[0, 0, 2, 2] = 0.0
    x, y = head.soft_argmax(score)
    assert x.item() == 16.0 and y.item() == 16.0


def test_corners_are_normalized_by_the_crop_size():
    head = CornerHead(in_channels=8, feat_side=4, stride=16).eval()
    feat = torch.randn(3, 8, 4, 4)
    with torch.no_grad():
        corners = head(feat)
        tl, br = head.score_maps(feat)
        x1, y1 = head.soft_argmax(tl)
        x2, y2 = head.soft_argmax(br)
    assert torch.equal(corners, torch.stack((x1, y1, x2, y2), dim=1) / 64)
    assert corners.min() >= 0 and corners.max() <= 48 / 64


def test_rois_from_xywh_proposals():
    proposals = torch.tensor([[[0.1, 0.2, 0.3, 0.4], [0.5, 0.5, -0.1, 0.0]],
                              [[0.0, 0.0, 1.0, 1.0], [0.25, 0.5, 0.25, 0.25]]])
    expected = torch.tensor([[0, 0.1, 0.2, 0.1 + 0.3, 0.2 + 0.4], [0, 0.5, 0.5, 0.5 - 0.1, 0.5],
                             [1, 0.0, 0.0, 1.0, 1.0], [1, 0.25, 0.5, 0.5, 0.75]])
    assert torch.equal(IoUHead.rois(proposals), expected)


def test_iou_head_shapes_and_degenerate_boxes():
    head = IoUHead(channels=16, feat_side=6).eval()
    feat = torch.randn(2, 16, 6, 6)
    proposals = torch.tensor([[[0.1, 0.1, 0.5, 0.5], [0.3, 0.3, 0.0, 0.2]],
                              [[0.2, 0.2, -0.1, 0.3], [0.0, 0.0, 1.0, 1.0]]])
    with torch.no_grad():
        ious = head(feat, proposals)
        pooled = head.pool(head.features(feat), proposals)
        zero_response = head.iou_predictor(head.fc(torch.zeros(1, 16, 4, 4)))
    assert ious.shape == (2, 2)
    # zero-width and inverted boxes pool to zeros, so they get the head's response to zeros
    assert torch.equal(pooled[1], torch.zeros(16, 4, 4)) and torch.equal(pooled[2], torch.zeros(16, 4, 4))
    assert torch.allclose(ious[0, 1], zero_response[0, 0]) and torch.allclose(ious[1, 0], zero_response[0, 0])


def test_windowed_iou_head_equals_the_full_map_computation():
    """Windowed, the head convolves only where PrRoIPool reads; the IoUs equal the full-map ones (float64)."""
    torch.manual_seed(0)
    head = IoUHead(channels=8, feat_side=20).double().eval()
    head.windowed = True
    for norm in (m for m in head.modules() if isinstance(m, torch.nn.BatchNorm2d)):
        norm.running_mean.uniform_(-0.05, 0.05)
        norm.running_var.uniform_(0.5, 1.5)
        norm.bias.data.uniform_(0.1, 0.3)  # keeps most ReLUs open, so every pooled value matters
    x = torch.randn(2, 8, 20, 20, dtype=torch.float64)
    proposals = torch.tensor([[[0.31, 0.42, 0.12, 0.2], [0.0, 0.0, 0.05, 0.07]],        # inner; top-left corner
                              [[0.9, 0.85, 0.3, 0.4], [0.47, 0.5, 0.0, 0.1]]],           # past the border; empty
                             dtype=torch.float64)
    with torch.no_grad():
        full = head.iou_predictor(head.fc(head.pool(head.features(x), proposals))).view(2, 2)
        assert full.std() > 0.01
        torch.testing.assert_close(head(x, proposals), full, rtol=0, atol=1e-12)
        for b, n in ((0, 0), (0, 1), (1, 0), (1, 1)):  # one box alone: the smallest windows
            one = head(x[b:b + 1], proposals[b:b + 1, n:n + 1])
            torch.testing.assert_close(one, full[b:b + 1, n:n + 1], rtol=0, atol=1e-12)
        # one small box: the convolutions ran on a window, zeros elsewhere; the pooled features are equal
        features = head.windowed_features(x[:1], proposals[:1, :1])
        assert (features[0, :, 0] == 0).all() and (features[0, :, -1] == 0).all()
        torch.testing.assert_close(head.pool(features, proposals[:1, :1]),
                                   head.pool(head.features(x[:1]), proposals[:1, :1]), rtol=0, atol=1e-12)
