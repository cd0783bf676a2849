"""Deformable RoI pooling (DCN v1, class-agnostic, ``group_size`` 1) in pure PyTorch.

Semantics of the mmdetection-v1 CUDA kernel ``DeformablePSROIPoolForwardKernel`` used by the official
SiamAttn, as described in docs/quirks-siamattn.md#deformable-roi-pooling (quirks P1-P7). For a RoI
``(batch_index, x1, y1, x2, y2)`` in input pixels, ``s = float32(spatial_scale)``:

* P1  the batch index is truncated to an integer;
* P2  corners are rounded with C ``roundf`` (half away from zero, not half to even);
* P3  ``x_s = round(x1)·s − 0.5`` and ``x_e = (round(x2) + 1)·s − 0.5`` (likewise y);
* P4  ``rw = max(x_e − x_s, 0.1)``, ``bin = rw / out``, ``sub = bin / samples``; the start of bin
      ``(ph, pw)`` is ``pw·bin + x_s + (offset_x·trans_std)·rw`` (offset channel 0 = x, 1 = y);
* P5  samples sit at ``start + i·sub``, ``i = 0 .. samples−1``: aligned to the bin start, not centred;
* P6  a sample with ``w < −0.5`` or ``w > W − 0.5`` (or the same for h) is dropped; a kept sample is clamped
      to ``[0, W−1] × [0, H−1]`` and blended from its floor/ceil neighbours;
* P7  the bin value is the mean over its kept samples, 0 when none is kept.

The geometry is computed in the dtype of the features (float32 like the kernel, float64 for gradient
checks; half-precision features are pooled in float32 and the result cast back). The implementation gathers the four neighbours of every sample at once, so it runs unchanged on
any device and is differentiable with respect to the features and the offsets (the true derivative: a
clamped coordinate has zero derivative, where the CUDA backward kernel uses the slope at the border).
RoI coordinates are not differentiated (the rounding makes them piecewise constant).
"""
from __future__ import annotations

import torch
from torch import Tensor, nn

__all__ = ["DeformRoIPoolPack", "deform_roi_pool", "round_half_away_from_zero"]


def round_half_away_from_zero(x: Tensor) -> Tensor:
    """C ``roundf``: nearest integer, ties away from zero (``torch.round`` rounds ties to even)."""
    whole = torch.sign(x) * torch.floor(x.abs())  # trunc(x), in operators ONNX has (it has no Trunc)
    return whole + torch.where((x - whole).abs() >= 0.5, torch.sign(x), torch.zeros_like(x))


def _check_inputs(features: Tensor, rois: Tensor, offsets: Tensor | None, out_size: int) -> None:
    if features.dim() != 4:
        raise ValueError(f"features must be (N, C, H, W), got shape {tuple(features.shape)}")
    if rois.dim() != 2 or rois.shape[1] != 5:
        raise ValueError(f"rois must be (K, 5) [batch_index, x1, y1, x2, y2], got shape {tuple(rois.shape)}")
    if out_size < 1:
        raise ValueError(f"out_size must be positive, got {out_size}")
    if offsets is not None and tuple(offsets.shape) != (rois.shape[0], 2, out_size, out_size):
        raise ValueError(f"offsets must be (K, 2, {out_size}, {out_size}) for {rois.shape[0]} RoIs, "
                         f"got shape {tuple(offsets.shape)}")


def deform_roi_pool(features: Tensor, rois: Tensor, offsets: Tensor | None, spatial_scale: float,
                    out_size: int, sample_per_part: int = 4, trans_std: float = 0.1) -> Tensor:
    """Pool ``features`` (N, C, H, W) over ``rois`` (K, 5), shifted by ``offsets`` (K, 2, out, out) or None.

    ``rois`` rows are ``[batch_index, x1, y1, x2, y2]`` in input pixels (multiplied by ``spatial_scale``
    to reach feature cells); ``offsets[:, 0]`` shifts bins along x and ``offsets[:, 1]`` along y, in units
    of ``trans_std`` times the RoI size. Returns ``(K, C, out_size, out_size)`` in the features' dtype.
    Raises ``ValueError`` for malformed shapes and ``IndexError`` for a batch index outside ``[0, N)``.
    """
    _check_inputs(features, rois, offsets, out_size)
    num_images, channels, height, width = features.shape
    num_rois = rois.shape[0]
    out_dtype, device = features.dtype, features.device
    dtype = torch.promote_types(out_dtype, torch.float32)                  # no half-precision geometry
    features = features.to(dtype)
    boxes = rois.detach().to(dtype)
    batch_index = boxes[:, 0].to(torch.long)                               # P1: truncation
    if num_rois and (batch_index.min() < 0 or batch_index.max() >= num_images):
        raise IndexError(f"roi batch indices must lie in [0, {num_images}), got values from "
                         f"{batch_index.min().item()} to {batch_index.max().item()}")

    scale = torch.tensor(spatial_scale, dtype=dtype, device=device)
    corners = round_half_away_from_zero(boxes[:, 1:])                      # P2
    start = corners[:, :2] * scale - 0.5                                   # P3: (K, 2) = (x_s, y_s)
    end = (corners[:, 2:] + 1.0) * scale - 0.5
    extent = (end - start).clamp(min=0.1)                                  # P4: (K, 2) = (rw, rh)
    bin_size = extent / out_size
    sub_size = bin_size / sample_per_part

    bins = torch.arange(out_size, dtype=dtype, device=device)
    # Bin starts (K, out_h, out_w): x varies with pw (last axis), y with ph (middle axis).
    x_start = (bins * bin_size[:, 0:1] + start[:, 0:1])[:, None, :].expand(num_rois, out_size, out_size)
    y_start = (bins * bin_size[:, 1:2] + start[:, 1:2])[:, :, None].expand(num_rois, out_size, out_size)
    if offsets is not None:
        x_start = x_start + (offsets[:, 0].to(dtype) * trans_std) * extent[:, 0, None, None]
        y_start = y_start + (offsets[:, 1].to(dtype) * trans_std) * extent[:, 1, None, None]

    steps = torch.arange(sample_per_part, dtype=dtype, device=device)
    # Samples (K, out_h, out_w, S_h, S_w): P5, bin-start aligned.
    x = x_start[..., None, None] + (steps * sub_size[:, 0, None])[:, None, None, None, :]
    y = y_start[..., None, None] + (steps * sub_size[:, 1, None])[:, None, None, :, None]
    x, y = torch.broadcast_tensors(x, y)
    keep = (x >= -0.5) & (x <= width - 0.5) & (y >= -0.5) & (y <= height - 0.5)   # P6: drop, then clamp
    x = x.clamp(0, width - 1)
    y = y.clamp(0, height - 1)
    x0, y0 = torch.floor(x), torch.floor(y)
    x1, y1 = torch.ceil(x), torch.ceil(y)
    dx, dy = x - x0, y - y0

    # One row per (image, y, x); gather the 4 neighbours of every sample for all channels at once.
    table = features.permute(0, 2, 3, 1).reshape(num_images * height * width, channels)
    base = (batch_index * (height * width))[:, None, None, None, None]

    def corner(yy: Tensor, xx: Tensor) -> Tensor:
        rows = base + yy.to(torch.long) * width + xx.to(torch.long)
        return table.index_select(0, rows.reshape(-1)).reshape(*rows.shape, channels)

    w00 = ((1 - dx) * (1 - dy))[..., None]
    w01 = ((1 - dx) * dy)[..., None]
    w10 = (dx * (1 - dy))[..., None]
    w11 = (dx * dy)[..., None]
    value = w00 * corner(y0, x0) + w01 * corner(y1, x0) + w10 * corner(y0, x1) + w11 * corner(y1, x1)
    value = torch.where(keep[..., None], value, torch.zeros((), dtype=dtype, device=device))

    total = value.flatten(3, 4).sum(dim=3)                                 # (K, out_h, out_w, C)
    count = keep.flatten(3, 4).sum(dim=3).to(dtype)[..., None]
    pooled = torch.where(count > 0, total / count.clamp(min=1), torch.zeros((), dtype=dtype, device=device))
    return pooled.permute(0, 3, 1, 2).contiguous().to(out_dtype)          # P7


class DeformRoIPoolPack(nn.Module):
    """Deformable RoI pooling that predicts its own offsets (mmdetection-v1 ``DeformRoIPoolingPack``).

    Pool once without offsets, feed the pooled ``(K, C·out·out)`` features (channel-major) to
    ``offset_fc`` = Linear(C·out² → F), ReLU, Linear(F → F), ReLU, Linear(F → 2·out²), view the result as
    offsets ``(K, 2, out, out)`` (channel 0 = x) and pool again with them. The last linear layer starts at
    zero, so an untrained module pools without offsets.
    """

    def __init__(self, channels: int, out_size: int, spatial_scale: float, trans_std: float = 0.1,
                 fc_channels: int = 1024, sample_per_part: int = 4) -> None:
        super().__init__()
        self.channels, self.out_size = channels, out_size
        self.spatial_scale, self.trans_std, self.sample_per_part = spatial_scale, trans_std, sample_per_part
        self.offset_fc = nn.Sequential(
            nn.Linear(channels * out_size * out_size, fc_channels), nn.ReLU(inplace=True),
            nn.Linear(fc_channels, fc_channels), nn.ReLU(inplace=True),
            nn.Linear(fc_channels, out_size * out_size * 2),
        )
        nn.init.zeros_(self.offset_fc[-1].weight)
        nn.init.zeros_(self.offset_fc[-1].bias)

    def pool(self, features: Tensor, rois: Tensor, offsets: Tensor | None = None) -> Tensor:
        """:func:`deform_roi_pool` with this module's geometry: ``(K, C, out, out)``."""
        return deform_roi_pool(features, rois, offsets, self.spatial_scale, self.out_size,
                               self.sample_per_part, self.trans_std)

    def offsets(self, pooled: Tensor) -> Tensor:
        """Offsets ``(K, 2, out, out)`` predicted from offset-free pooled features ``(K, C, out, out)``."""
        return self.offset_fc(pooled.flatten(1)).view(-1, 2, self.out_size, self.out_size)

    def forward(self, features: Tensor, rois: Tensor) -> Tensor:
        """Two-pass pooling of ``features`` (N, C, H, W) over ``rois`` (K, 5): ``(K, C, out, out)``."""
        if features.shape[1] != self.channels:
            raise ValueError(f"features have {features.shape[1]} channels, the pooling expects {self.channels}")
        return self.pool(features, rois, self.offsets(self.pool(features, rois)))
