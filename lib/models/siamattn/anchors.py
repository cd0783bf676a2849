"""RPN anchors of the tracker's score map, in search-crop pixels relative to the crop centre (quirk R3).

Per ratio r (then per scale s): ``w = int(sqrt(stride² / r))``, ``h = int(w·r)``, both times s. Centres run
over ``(k − size // 2)·stride`` for k = 0 … size−1 on both axes. Row ``a·size² + y·size + x`` holds anchor
shape a at grid cell (y, x), as ``(cx, cy, w, h)`` in float32 (pysot ``SiamRPNTracker.generate_anchor``).
"""
from __future__ import annotations

import math

import torch
from torch import Tensor

__all__ = ["anchor_shapes", "crop_anchors"]


def anchor_shapes(stride: int, ratios: list[float], scales: list[float]) -> list[tuple[float, float]]:
    """(w, h) in pixels of each anchor shape, ratio-major then scale."""
    shapes = []
    for ratio in ratios:
        base_w = int(math.sqrt(stride * stride * 1.0 / ratio))
        base_h = int(base_w * ratio)
        shapes += [(base_w * scale, base_h * scale) for scale in scales]
    return shapes


def crop_anchors(stride: int, ratios: list[float], scales: list[float], size: int) -> Tensor:
    """All anchors of a ``size``×``size`` score map: (A·size², 4) float32 ``(cx, cy, w, h)``, crop-centred."""
    shapes = torch.tensor(anchor_shapes(stride, ratios, scales), dtype=torch.float32)       # (A, 2)
    offsets = (torch.arange(size, dtype=torch.float32) - size // 2) * stride
    cy, cx = torch.meshgrid(offsets, offsets, indexing="ij")
    centres = torch.stack([cx.flatten(), cy.flatten()], dim=1)                             # (size², 2)
    num = shapes.shape[0]
    return torch.cat([centres.repeat(num, 1), shapes.repeat_interleave(size * size, dim=0)], dim=1)
