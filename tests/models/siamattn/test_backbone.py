"""Atrous ResNet (quirks K1-K2): structure, level sizes, and the official template/search levels."""
from __future__ import annotations

import pytest
import torch

from lib.models.siamattn.backbone import build_backbone, level_sizes


def test_light_resnet18_level_sizes() -> None:
    """K2 sizes for the light variant: search 255 → 125, 63, 31, 31, 31; template 127 → 61, 31, 15, 15, 15.

    (ResNet-50's sizes are checked against the official shapes below.)
    """
    net = build_backbone("resnet18").eval()
    channels = [64, 64, 128, 256, 512]
    assert net.channels == channels
    with torch.no_grad():
        for side, sizes in ((127, [61, 31, 15, 15, 15]), (255, [125, 63, 31, 31, 31])):
            levels = net(torch.zeros(1, 3, side, side))
            assert [tuple(t.shape[1:]) for t in levels] == [(c, s, s) for c, s in zip(channels, sizes)]
            assert level_sizes(side) == sizes


def test_resnet50_geometry_follows_k1() -> None:
    net = build_backbone("resnet50")
    geometry = lambda conv: (conv.kernel_size[0], conv.stride[0], conv.padding[0], conv.dilation[0])  # noqa: E731
    assert geometry(net.conv1) == (7, 2, 0, 1)
    assert geometry(net.layer1[0].conv2) == (3, 1, 1, 1)
    assert geometry(net.layer1[0].downsample[0]) == (1, 1, 0, 1)
    assert geometry(net.layer2[0].conv2) == (3, 2, 0, 1)
    assert geometry(net.layer2[0].downsample[0]) == (3, 2, 0, 1)
    assert geometry(net.layer2[1].conv2) == (3, 1, 1, 1)
    assert geometry(net.layer3[0].conv2) == (3, 1, 1, 1)
    assert geometry(net.layer3[0].downsample[0]) == (3, 1, 1, 1)
    assert geometry(net.layer3[1].conv2) == (3, 1, 2, 2)
    assert geometry(net.layer4[0].conv2) == (3, 1, 2, 2)
    assert geometry(net.layer4[0].downsample[0]) == (3, 1, 2, 2)
    assert geometry(net.layer4[2].conv2) == (3, 1, 4, 4)


def test_unknown_backbone_is_rejected() -> None:
    with pytest.raises(ValueError, match="unknown SiamAttn backbone 'resnet101'"):
        build_backbone("resnet101")


@pytest.mark.reference
def test_template_levels_match_official(official_model, siam_step: dict, check) -> None:
    with torch.no_grad():
        levels = official_model.backbone(siam_step["init"]["z_crop_uint8"].float())
    assert [list(t.shape) for t in levels] == siam_step["init"]["backbone_shapes_all_levels"]
    for level, (ours, ref) in enumerate(zip(levels[2:], siam_step["init"]["backbone_levels_2_3_4"]), start=2):
        check(ours, ref, check.BACKBONE, f"template level {level}")


@pytest.mark.reference
def test_search_levels_match_official(search_levels: dict, siam_step: dict, check) -> None:
    """Levels 0-1 in full, levels 2-4 on their first 64 channels (all that the fixture stores)."""
    net = siam_step["step1"]["net"]
    levels = search_levels["step1"]
    assert [tuple(t.shape) for t in levels[2:]] == [(1, 512, 31, 31), (1, 1024, 31, 31), (1, 2048, 31, 31)]
    for level, (ours, ref) in enumerate(zip(levels[:2], net["backbone_levels_0_1"])):
        check(ours, ref, check.BACKBONE, f"search level {level}")
    for level, (ours, ref) in enumerate(zip(levels[2:], net["backbone_levels_2_3_4_first_64_channels"]), start=2):
        check(ours[:, :64], ref, check.BACKBONE, f"search level {level}")
