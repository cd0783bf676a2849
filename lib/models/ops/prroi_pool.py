"""Precise RoI Pooling (PrRoIPool) in pure PyTorch.

Each output bin is the exact integral of the bilinearly interpolated feature map over the bin, divided by
the bin area. Feature ``F[i, j]`` sits at the continuous point ``(y=i, x=j)``; the interpolated map is zero
outside the feature map (the tents of border pixels reach one unit beyond it). Because the bilinear kernel
is a product of two 1-d tents, the integral over a rectangle separates into a row weight per feature row
and a column weight per feature column, each a difference of the tent's antiderivative. Pooling is then a
single batched matrix product, differentiable with respect to both the features and the RoI coordinates.
"""
from __future__ import annotations

import torch
from torch import Tensor, nn

__all__ = ["prroi_pool2d", "PrRoIPool2D"]


def _tent_antiderivative(u: Tensor) -> Tensor:
    """Integral of ``max(0, 1 - |t|)`` from ``-inf`` to ``u`` (0 below -1, 1 above 1)."""
    u = u.clamp(-1.0, 1.0)
    return torch.where(u < 0, 0.5 * (u + 1.0) ** 2, 1.0 - 0.5 * (1.0 - u) ** 2)


def _axis_weights(start: Tensor, extent: Tensor, bins: int, size: int) -> Tensor:
    """Integral of each feature line's tent over each bin along one axis: ``(K, bins, size)``.

    ``start`` and ``extent`` are ``(K,)``: the RoI's first coordinate and its (non-negative) length.
    """
    steps = torch.arange(bins + 1, dtype=start.dtype, device=start.device) / bins
    edges = start[:, None] + extent[:, None] * steps                      # (K, bins + 1)
    centres = torch.arange(size, dtype=start.dtype, device=start.device)
    cumulative = _tent_antiderivative(edges[:, :, None] - centres)        # (K, bins + 1, size)
    return cumulative[:, 1:] - cumulative[:, :-1]


def prroi_pool2d(features: Tensor, rois: Tensor, pooled_height: int, pooled_width: int,
                 spatial_scale: float) -> Tensor:
    """Pool ``features`` (N, C, H, W) over ``rois`` (K, 5) rows ``[batch_index, x1, y1, x2, y2]``.

    Coordinates are multiplied by ``spatial_scale``; the batch index is truncated to an integer. A RoI
    with zero or negative width or height yields zeros. Returns ``(K, C, pooled_height, pooled_width)``.
    """
    if features.dim() != 4:
        raise ValueError(f"features must be (N, C, H, W), got shape {tuple(features.shape)}")
    if rois.dim() != 2 or rois.shape[1] != 5:
        raise ValueError(f"rois must be (K, 5) [batch_index, x1, y1, x2, y2], got shape {tuple(rois.shape)}")
    if pooled_height < 1 or pooled_width < 1:
        raise ValueError(f"pooled size must be positive, got {pooled_height}x{pooled_width}")
    num_images, channels, height, width = features.shape
    batch_index = rois[:, 0].detach().to(torch.long)
    if rois.shape[0] and (batch_index.min() < 0 or batch_index.max() >= num_images):
        raise IndexError(f"roi batch indices must lie in [0, {num_images}) for {num_images} feature map(s), "
                         f"got values from {batch_index.min().item()} to {batch_index.max().item()}")

    dtype = torch.promote_types(features.dtype, rois.dtype)
    x1, y1, x2, y2 = (rois[:, 1:].to(dtype) * spatial_scale).unbind(dim=1)
    roi_w = (x2 - x1).clamp(min=0)
    roi_h = (y2 - y1).clamp(min=0)
    rows = _axis_weights(y1, roi_h, pooled_height, height)               # (K, ph, H)
    cols = _axis_weights(x1, roi_w, pooled_width, width)                 # (K, pw, W)

    bin_area = (roi_h / pooled_height) * (roi_w / pooled_width)
    nonempty = bin_area > 0
    inverse_area = torch.where(nonempty, 1.0 / torch.where(nonempty, bin_area, torch.ones_like(bin_area)),
                               torch.zeros_like(bin_area))
    # (K, ph*pw, H*W): weight of every feature pixel in every bin, already divided by the bin area.
    weights = (rows[:, :, None, :, None] * cols[:, None, :, None, :]).reshape(
        rois.shape[0], pooled_height * pooled_width, height * width) * inverse_area[:, None, None]

    per_roi = features.reshape(num_images, channels, height * width).index_select(0, batch_index)
    pooled = torch.bmm(per_roi, weights.to(features.dtype).transpose(1, 2))  # (K, C, ph*pw)
    return pooled.reshape(rois.shape[0], channels, pooled_height, pooled_width)


class PrRoIPool2D(nn.Module):
    """Module wrapper of :func:`prroi_pool2d` with a fixed output size and spatial scale."""

    def __init__(self, pooled_height: int, pooled_width: int, spatial_scale: float) -> None:
        super().__init__()
        self.pooled_height = int(pooled_height)
        self.pooled_width = int(pooled_width)
        self.spatial_scale = float(spatial_scale)

    def forward(self, features: Tensor, rois: Tensor) -> Tensor:
        """Pool ``features`` (N, C, H, W) over ``rois`` (K, 5); see :func:`prroi_pool2d`."""
        return prroi_pool2d(features, rois, self.pooled_height, self.pooled_width, self.spatial_scale)

    def extra_repr(self) -> str:
        return (f"pooled_height={self.pooled_height}, pooled_width={self.pooled_width}, "
                f"spatial_scale={self.spatial_scale}")
