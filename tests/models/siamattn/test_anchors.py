"""Crop-centred RPN anchors (R3) against hand values and the official tracker constants."""
from __future__ import annotations

import pytest
import torch

from lib.models.siamattn import crop_anchors
from lib.models.siamattn.anchors import anchor_shapes

RATIOS = [0.33, 0.5, 1, 2, 3]


def test_anchor_shapes_by_hand() -> None:
    """int(sqrt(64/r)) and int(w·r), times 8: README R3."""
    assert anchor_shapes(8, RATIOS, [8]) == [(104, 32), (88, 40), (64, 64), (40, 80), (32, 96)]


def test_grid_layout() -> None:
    anchors = crop_anchors(8, RATIOS, [8], 25)
    assert anchors.shape == (3125, 4) and anchors.dtype == torch.float32
    # Row a·625 + y·25 + x: anchor 2 (64×64) at cell (y 13, x 12) is centred at ((12 − 12)·8, (13 − 12)·8).
    assert anchors[2 * 625 + 13 * 25 + 12].tolist() == [(12 - 12) * 8, (13 - 12) * 8, 64, 64]
    assert anchors[0].tolist() == [-96, -96, 104, 32]
    assert anchors[-1].tolist() == [96, 96, 32, 96]


@pytest.mark.reference
def test_matches_official_tracker_anchors(siam_step: dict) -> None:
    assert torch.equal(crop_anchors(8, RATIOS, [8], 25), siam_step["constants"]["anchors_cxcywh_crop_centered"])
