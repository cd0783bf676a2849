"""Depth-wise cross-correlation and the weighted multi-level RPN (pysot ``MultiRPN``).

Quirks R1-R2 of docs/quirks-siamattn.md:

* ``DepthwiseXCorr``: template and search each pass a 3×3 conv (no bias, no padding) + BN + ReLU
  (7 → 5 and 31 → 29); every channel of the search is correlated with the same channel of its own
  sample's template (25×25); then 1×1 conv (no bias) + BN + ReLU and a 1×1 conv with bias;
* ``MultiRPN``: per level a ``DepthwiseRPN`` (cls: 2·A channels, loc: 4·A), combined as
  ``((0 + c2·w0) + c3·w1) + c4·w2`` with ``w = softmax(cls_weight)`` (loc with its own weights).
"""
from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor, nn

__all__ = ["DepthwiseRPN", "DepthwiseXCorr", "MultiRPN", "xcorr_depthwise"]


def xcorr_depthwise(search: Tensor, kernel: Tensor) -> Tensor:
    """Correlate search (B, C, H, W) with kernel (B, C, h, w) channel by channel: (B, C, H−h+1, W−w+1)."""
    batch, channels = kernel.shape[:2]
    out = F.conv2d(search.reshape(1, batch * channels, *search.shape[2:]),
                   kernel.reshape(batch * channels, 1, *kernel.shape[2:]), groups=batch * channels)
    return out.view(batch, channels, *out.shape[2:])


def _conv_bn_relu(in_channels: int, out_channels: int, kernel_size: int) -> nn.Sequential:
    return nn.Sequential(nn.Conv2d(in_channels, out_channels, kernel_size, bias=False),
                         nn.BatchNorm2d(out_channels), nn.ReLU(inplace=True))


class DepthwiseXCorr(nn.Module):
    """Keys ``conv_kernel.{0,1}``, ``conv_search.{0,1}``, ``head.{0,1,3}``."""

    def __init__(self, in_channels: int, hidden: int, out_channels: int) -> None:
        super().__init__()
        self.conv_kernel = _conv_bn_relu(in_channels, hidden, 3)
        self.conv_search = _conv_bn_relu(in_channels, hidden, 3)
        self.head = nn.Sequential(nn.Conv2d(hidden, hidden, 1, bias=False), nn.BatchNorm2d(hidden),
                                  nn.ReLU(inplace=True), nn.Conv2d(hidden, out_channels, 1))

    def correlate(self, kernel: Tensor, search: Tensor) -> Tensor:
        """The correlation entering the head: (B, hidden, 25, 25) for 7×7 and 31×31 inputs."""
        return xcorr_depthwise(self.conv_search(search), self.conv_kernel(kernel))

    def forward(self, kernel: Tensor, search: Tensor) -> Tensor:
        return self.head(self.correlate(kernel, search))


class DepthwiseRPN(nn.Module):
    """Classification (2·A) and regression (4·A) correlations of one level (keys ``cls``, ``loc``)."""

    def __init__(self, anchor_num: int, channels: int) -> None:
        super().__init__()
        self.cls = DepthwiseXCorr(channels, channels, 2 * anchor_num)
        self.loc = DepthwiseXCorr(channels, channels, 4 * anchor_num)

    def forward(self, z: Tensor, x: Tensor) -> tuple[Tensor, Tensor]:
        return self.cls(z, x), self.loc(z, x)


class MultiRPN(nn.Module):
    """Per-level RPNs ``rpn2`` … ``rpn4`` and their softmax level weights ``cls_weight``, ``loc_weight``."""

    def __init__(self, anchor_num: int, channels: int, num_levels: int = 3) -> None:
        super().__init__()
        self.levels = [2 + i for i in range(num_levels)]
        for level in self.levels:
            self.add_module(f"rpn{level}", DepthwiseRPN(anchor_num, channels))
        self.cls_weight = nn.Parameter(torch.ones(num_levels))
        self.loc_weight = nn.Parameter(torch.ones(num_levels))

    def per_level(self, zs: list[Tensor], xs: list[Tensor]) -> list[tuple[Tensor, Tensor]]:
        """(cls (B, 2A, 25, 25), loc (B, 4A, 25, 25)) of every level."""
        return [getattr(self, f"rpn{level}")(z, x) for level, z, x in zip(self.levels, zs, xs)]

    def forward(self, zs: list[Tensor], xs: list[Tensor]) -> tuple[Tensor, Tensor]:
        """Softmax-weighted sums over levels: cls (B, 2A, 25, 25), loc (B, 4A, 25, 25)."""
        outputs = self.per_level(zs, xs)
        cls_w, loc_w = F.softmax(self.cls_weight, 0), F.softmax(self.loc_weight, 0)
        cls: Tensor | int = 0
        loc: Tensor | int = 0
        for i, (c, l) in enumerate(outputs):
            cls = cls + c * cls_w[i]
            loc = loc + l * loc_w[i]
        return cls, loc
