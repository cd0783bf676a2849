"""Feature fusion for the refinement heads (official ``FeatureFusionNeck``), quirks F1-F2.

* Box branch (F1): for levels 2-4 a **separate** ``DepthwiseXCorr`` (``xcorr.i``) correlates the enhanced
  template with the enhanced search; each result passes ``convs.i`` (1×1 conv + BN + ReLU) and the three are
  summed in level order into one (B, C, 25, 25) map.
* Mask branch (F2): ``lateral_convs.1(level1)``, then ``+= lateral_convs.i(interp(level_i))`` for
  i = 0, 2, 3, 4, where ``interp`` resizes the **raw input** to level 1's size (63×63) with bilinear
  ``align_corners=True`` before the lateral 1×1 conv + BN + ReLU. The search levels 2-4 here are the
  enhanced ones; the template takes no part. Bilinear weights sum to 1, so the interpolation commutes with
  the per-pixel affine conv + BN: with ``project_first`` set (inference form) a map smaller than level 1
  (levels 2-4, 31×31) is projected before it is resized, four times fewer conv products; ReLU stays last.
"""
from __future__ import annotations

import torch.nn.functional as F
from torch import Tensor, nn

from lib.models.siamattn.rpn import DepthwiseXCorr

__all__ = ["ConvBNReLU", "FeatureFusion"]

FUSION_LEVEL = 1  # the mask branch is fused at the size of backbone level 1 (63×63 for a 255 crop)


class ConvBNReLU(nn.Module):
    """Conv (no bias) + BN + ReLU with mmdetection ``ConvModule`` keys: ``conv`` and ``BN<out_channels>``."""

    def __init__(self, in_channels: int, out_channels: int, kernel_size: int, padding: int = 0) -> None:
        super().__init__()
        self.conv = nn.Conv2d(in_channels, out_channels, kernel_size, padding=padding, bias=False)
        self.norm_name = f"BN{out_channels}"
        self.add_module(self.norm_name, nn.BatchNorm2d(out_channels))
        self.relu = nn.ReLU(inplace=True)
        nn.init.kaiming_normal_(self.conv.weight, mode="fan_out", nonlinearity="relu")

    def project(self, x: Tensor) -> Tensor:
        """Conv + BN, no ReLU."""
        return getattr(self, self.norm_name)(self.conv(x))

    def forward(self, x: Tensor) -> Tensor:
        return self.relu(self.project(x))


class FeatureFusion(nn.Module):
    """Box-branch (``xcorr``, ``convs``) and, when ``mask`` is set, mask-branch (``lateral_convs``) fusion."""

    def __init__(self, level_channels: list[int], channels: int = 256, mask: bool = True) -> None:
        super().__init__()
        if mask:
            self.lateral_convs = nn.ModuleList(ConvBNReLU(c, channels, 1) for c in level_channels)
        self.xcorr = nn.ModuleList(DepthwiseXCorr(channels, channels, channels) for _ in range(3))
        self.convs = nn.ModuleList(ConvBNReLU(channels, channels, 1) for _ in range(3))
        self.mask = mask
        self.project_first = False

    def fuse_box(self, zs: list[Tensor], xs: list[Tensor]) -> Tensor:
        """Enhanced templates (B, C, 7, 7) and searches (B, C, 31, 31) of levels 2-4 → (B, C, 25, 25)."""
        fused: Tensor | None = None
        for xcorr, conv, z, x in zip(self.xcorr, self.convs, zs, xs):
            out = conv(xcorr(z, x))
            fused = out if fused is None else fused + out
        return fused

    def fuse_mask(self, levels: list[Tensor]) -> Tensor:
        """Five search levels (raw 0-1, enhanced 2-4) → (B, C, H1, W1) at level 1's size."""
        fused = self.lateral_convs[FUSION_LEVEL](levels[FUSION_LEVEL])
        size = tuple(fused.shape[-2:])
        for i, feature in enumerate(levels):
            if i == FUSION_LEVEL:
                continue
            lateral = self.lateral_convs[i]
            if self.project_first and feature.shape[-2] * feature.shape[-1] < size[0] * size[1]:
                projected = F.interpolate(lateral.project(feature), size=size, mode="bilinear", align_corners=True)
                fused = fused + lateral.relu(projected)
            else:
                fused = fused + lateral(F.interpolate(feature, size=size, mode="bilinear", align_corners=True))
        return fused
