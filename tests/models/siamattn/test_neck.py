"""Adjust layers (K3): 1×1 conv + BN on levels 2-4, centre 7×7 of the template after the BN."""
from __future__ import annotations

import pytest
import torch


@pytest.mark.reference
def test_template_neck_before_and_after_crop(official_model, siam_step: dict, check) -> None:
    """From the stored template backbone levels, so the neck is tested alone."""
    init = siam_step["init"]
    with torch.no_grad():
        for i, (level, pre_ref, crop_ref) in enumerate(zip(init["backbone_levels_2_3_4"], init["neck_pre_crop_15x15"],
                                                           init["zf_neck_7x7"]), start=2):
            layer = getattr(official_model.neck, f"downsample{i}")
            projected = layer.project(level)
            check(projected, pre_ref, check.BACKBONE, f"neck {i} before the crop")
            cropped = layer(level)
            assert torch.equal(cropped, projected[:, :, 4:11, 4:11])
            check(cropped, crop_ref, check.BACKBONE, f"neck {i} 7x7")


@pytest.mark.reference
def test_search_neck_keeps_the_full_map(official_model, search_levels: dict, siam_step: dict, check) -> None:
    with torch.no_grad():
        out = official_model.neck(search_levels["step1"][2:])
    for i, (ours, ref) in enumerate(zip(out, siam_step["step1"]["net"]["neck_out"]), start=2):
        check(ours, ref, check.BACKBONE, f"search neck {i}")


@pytest.mark.reference
def test_template_features_is_backbone_then_neck(official_model, siam_step: dict, check) -> None:
    with torch.no_grad():
        features = official_model.template_features(siam_step["init"]["z_crop_uint8"].float())
    for i, (ours, ref) in enumerate(zip(features, siam_step["init"]["zf_neck_7x7"]), start=2):
        check(ours, ref, check.BACKBONE, f"template feature {i}")
