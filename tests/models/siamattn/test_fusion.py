"""Box- and mask-branch fusion (F1-F2) from the stored step-1 features."""
from __future__ import annotations

import pytest
import torch


@pytest.mark.reference
def test_box_fusion(official_model, siam_step: dict, check) -> None:
    net = siam_step["step1"]["net"]
    zs = [d["dcn_out_z"] for d in net["dsa"]]
    xs = [d["dcn_out_x"] for d in net["dsa"]]
    fusion = official_model.feature_fusion
    with torch.no_grad():
        check(fusion.xcorr[0](zs[0], xs[0]), net["fusion"]["xcorr0_out"], check.HEADS, "box xcorr level 2")
        check(fusion.fuse_box(zs, xs), net["fusion"]["b_fused"], check.HEADS, "b_fused")


@pytest.mark.reference
def test_mask_fusion(official_model, siam_step: dict, check) -> None:
    net = siam_step["step1"]["net"]
    levels = list(net["backbone_levels_0_1"]) + [d["dcn_out_x"] for d in net["dsa"]]
    with torch.no_grad():
        fused = official_model.feature_fusion.fuse_mask(levels)
    assert fused.shape == (1, 256, 63, 63)
    check(fused, net["fusion"]["m_fused"], check.HEADS, "m_fused")
