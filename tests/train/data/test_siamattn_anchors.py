"""SiamAttn anchors and anchor targets against hand-made boxes and brute-force IoUs."""
from __future__ import annotations

import numpy as np

from lib.train.siamattn.anchors import AnchorGrid, AnchorTargetRule, anchor_targets

RATIOS = [0.33, 0.5, 1, 2, 3]


def grid() -> AnchorGrid:
    return AnchorGrid.build(8, RATIOS, [8], output_size=25, search_size=255)


def brute_iou(a, b) -> float:
    w = max(0.0, min(a[2], b[2]) - max(a[0], b[0]))
    h = max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
    inter = w * h
    return inter / ((a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter)


def test_base_sizes_and_grid_positions():
    g = grid()
    # the five official anchor shapes (stride 8, scale 8)
    assert g.center[2:, :, 0, 0].T.tolist() == [[104, 32], [88, 40], [64, 64], [40, 80], [32, 96]]
    assert g.center.shape == (4, 5, 25, 25)
    assert g.center[0, 0, 0].tolist() == [31 + 8 * i for i in range(25)]     # cx along columns
    assert g.center[1, 0, :, 0].tolist() == [31 + 8 * i for i in range(25)]  # cy along rows
    assert g.center[0, 2, 12, 12] == 127 and g.center[1, 2, 12, 12] == 127
    assert g.corner[:, 2, 12, 12].tolist() == [95, 95, 159, 159]


def test_positive_pair_labels_a_box_equal_to_the_central_square_anchor():
    box = [95.0, 95.0, 159.0, 159.0]        # the 64 x 64 anchor at the grid centre
    t = anchor_targets(grid(), box, negative=False, rng=np.random.default_rng(0))
    # square anchors one cell away overlap 56 x 64 (IoU 0.778) or 56 x 56 (0.620): the 3 x 3 block is
    # positive; two cells away IoU is 0.6 at most, other shapes <= 0.54
    positive = np.argwhere(t.label == 1)
    assert sorted(map(tuple, positive)) == [(2, r, c) for r in (11, 12, 13) for c in (11, 12, 13)]
    assert np.allclose(t.delta_weight[t.label == 1], 1 / 9)
    assert t.delta_weight[t.label != 1].sum() == 0
    assert (t.label == 0).sum() == 48                                   # 64 - 16 negatives
    for a, r, c in np.argwhere(t.label == 0):
        assert brute_iou(grid().corner[:, a, r, c], box) < 0.3
    assert np.allclose(t.delta[:, 2, 12, 12], 0)
    # delta of a neighbour: centre 8 px left of the box centre, same size
    assert np.allclose(t.delta[:, 2, 12, 11], [8 / 64, 0, 0, 0])
    assert np.isclose(t.overlap[2, 12, 13], 56 * 64 / (2 * 4096 - 56 * 64))


def test_positives_are_capped_and_chosen_at_random():
    # 9 candidate positives, at most 4 kept; 10 - 4 negatives
    rule = AnchorTargetRule(pos_num=4, total_num=10)
    box = [95.0, 95.0, 159.0, 159.0]
    t = anchor_targets(grid(), box, negative=False, rng=np.random.default_rng(1), rule=rule)
    assert (t.label == 1).sum() == 4 and (t.label == 0).sum() == 6
    assert np.allclose(t.delta_weight[t.label == 1], 1 / 4)
    other = anchor_targets(grid(), box, negative=False, rng=np.random.default_rng(2), rule=rule)
    assert not np.array_equal(t.label, other.label)                     # a random choice


def test_negative_pair_samples_negatives_near_the_distractor():
    # box centred on (127 + 40, 127 - 16): grid cell 12 + ceil(5 + 0.5) = 18, 12 + ceil(-2 + 0.5) = 11
    box = [167 - 20, 111 - 20, 167 + 20, 111 + 20]
    t = anchor_targets(grid(), box, negative=True, rng=np.random.default_rng(0))
    assert (t.label == 1).sum() == 0 and (t.label == 0).sum() == 16
    rows, cols = np.nonzero((t.label == 0).any(axis=0))
    assert rows.min() >= 11 - 3 and rows.max() <= 11 + 3
    assert cols.min() >= 18 - 3 and cols.max() <= 18 + 3
    assert t.delta_weight.sum() == 0
