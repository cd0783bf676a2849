"""Deformable Siamese Attention (official ``FeatureEnhance``), one block per feature level.

Quirks D1-D6 of docs/quirks-siamattn.md, for a template map z (B, C, h, w) and
a search map x (B, C, H, W) of one level:

* D1  position (spatial) self-attention: ``q, k = conv1×1(C → C/8)``, ``v = conv1×1(C → C)``;
      ``A = softmax_j(q_i · k_j)`` over keys and ``out_i = Σ_j A[i, j] v_j``; result ``γ_p·out + input``;
* D2  channel attention map ``softmax(max_row(E) − E)`` with ``E = F Fᵀ`` (C×C, the DANet trick), no
      parameters, computed once for z (A_z) and once for x (A_x);
* D3  channel attention use ``γ_c·(A F) + F``, one ``γ_c`` per level shared by its four uses;
* D4  ``z' = PAM(z) + CAM(z, A_z) + CAM(z, A_x)`` and ``x' = PAM(x) + CAM(x, A_x) + CAM(x, A_z)``, summed
      left to right (the input appears three times);
* D5  one 3×3 deformable convolution (DCN v1, no bias, offsets from a 3×3 conv with bias) per level, shared
      by z' and x'. It uses ``torchvision.ops.deform_conv2d``, whose offset layout ((y, x) pairs per tap,
      tap-major) and out-of-range rule (a sample counts only when −1 < h < H and −1 < w < W, missing
      neighbours are 0) are those of docs/quirks-siamattn.md#deformable-convolution-dcn-v1. The inference
      form computes the same convolution
      with :func:`deform_conv2d_by_grid_sample` (``DeformConvPack.grid_sampled``).
"""
from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import Tensor, nn
from torchvision.ops import deform_conv2d

__all__ = ["ChannelAttentionUse", "DeformConvPack", "FeatureEnhance", "PositionAttention", "channel_attention",
           "deform_conv2d_by_grid_sample"]


class PositionAttention(nn.Module):
    """Spatial self-attention of one map (D1), keys ``query_conv``, ``key_conv``, ``value_conv``, ``gamma``."""

    def __init__(self, channels: int) -> None:
        super().__init__()
        self.query_conv = nn.Conv2d(channels, channels // 8, 1)
        self.key_conv = nn.Conv2d(channels, channels // 8, 1)
        self.value_conv = nn.Conv2d(channels, channels, 1)
        self.gamma = nn.Parameter(torch.zeros(1))
        for conv in (self.query_conv, self.key_conv, self.value_conv):
            nn.init.kaiming_normal_(conv.weight, mode="fan_out", nonlinearity="relu")
            nn.init.zeros_(conv.bias)

    def attention(self, x: Tensor) -> Tensor:
        """Attention map (B, N, N), N = H·W, rows = queries, softmax over keys (last axis)."""
        query = self.query_conv(x).flatten(2).transpose(1, 2)              # (B, N, C/8)
        key = self.key_conv(x).flatten(2)                                  # (B, C/8, N)
        return torch.softmax(torch.bmm(query, key), dim=-1)

    def forward(self, x: Tensor) -> Tensor:
        """(B, C, H, W) → ``γ_p · attended + x``, same shape."""
        value = self.value_conv(x).flatten(2)                              # (B, C, N)
        out = torch.bmm(value, self.attention(x).transpose(1, 2)).view_as(x)
        return self.gamma * out + x


def channel_attention(x: Tensor) -> Tensor:
    """Channel attention map (B, C, C) of x (B, C, H, W): ``softmax(max_row(E) − E)``, ``E = F Fᵀ`` (D2)."""
    flat = x.flatten(2)
    energy = torch.bmm(flat, flat.transpose(1, 2))
    return torch.softmax(energy.max(dim=-1, keepdim=True)[0].expand_as(energy) - energy, dim=-1)


class ChannelAttentionUse(nn.Module):
    """``γ_c · (A F) + F`` for x (B, C, H, W) and a channel map A (B, C, C) (D3); key ``gamma``."""

    def __init__(self) -> None:
        super().__init__()
        self.gamma = nn.Parameter(torch.zeros(1))

    def forward(self, x: Tensor, attention: Tensor) -> Tensor:
        return self.gamma * torch.bmm(attention, x.flatten(2)).view_as(x) + x


def deform_conv2d_by_grid_sample(x: Tensor, offset: Tensor, weight: Tensor, padding: int) -> Tensor:
    """DCN v1 (stride 1, dilation 1, no bias) as one bilinear ``grid_sample`` and one matrix product.

    x (B, C, H, W), offset (B, 2·k·k, H', W') ((y, x) pairs per tap, tap-major, in cells), weight (O, C, k, k)
    → (B, O, H', W'). Tap ``(i, j)`` of output cell ``(h, w)`` samples x at ``(h − p + i + Δy, w − p + j + Δx)``;
    ``grid_sample`` with ``align_corners=True`` and zero padding blends the four neighbours with a missing
    (out-of-map) neighbour counting 0, the rule of ``torchvision.ops.deform_conv2d``. Same result up to
    float rounding of the normalised grid (relative ~1e-6); about twice as fast on CPU (256 channels, 31×31).
    Raises ValueError for maps narrower than 2 cells (the normalisation divides by W − 1).
    """
    batch, channels, height, width = x.shape
    out_channels, _, kernel, _ = weight.shape
    out_h, out_w = offset.shape[-2:]
    if height < 2 or width < 2:
        raise ValueError(f"deform_conv2d_by_grid_sample needs maps of at least 2×2 cells, got {height}×{width}")
    taps = torch.arange(kernel, dtype=x.dtype, device=x.device)
    tap_y = taps.repeat_interleave(kernel).view(1, -1, 1, 1)               # (1, k·k, 1, 1), tap-major
    tap_x = taps.repeat(kernel).view(1, -1, 1, 1)
    rows = torch.arange(out_h, dtype=x.dtype, device=x.device).view(1, 1, -1, 1)
    cols = torch.arange(out_w, dtype=x.dtype, device=x.device).view(1, 1, 1, -1)
    y = rows - padding + tap_y + offset[:, 0::2]                           # (B, k·k, H', W')
    x_pos = cols - padding + tap_x + offset[:, 1::2]
    grid = torch.stack((x_pos * (2.0 / (width - 1)) - 1.0, y * (2.0 / (height - 1)) - 1.0), dim=-1)
    sampled = F.grid_sample(x, grid.reshape(batch, kernel * kernel * out_h, out_w, 2), mode="bilinear",
                            padding_mode="zeros", align_corners=True)      # (B, C, k·k·H', W')
    columns = sampled.reshape(batch, channels * kernel * kernel, out_h * out_w)
    return torch.matmul(weight.reshape(out_channels, -1), columns).reshape(batch, out_channels, out_h, out_w)


class DeformConvPack(nn.Module):
    """DCN v1 with its own offset conv: keys ``weight`` (O, C, k, k) and ``conv_offset.{weight,bias}``.

    ``offset = conv_offset(x)`` (B, 2·k·k, H', W'), then ``deform_conv2d(x, offset, weight)``, no bias;
    with ``grid_sampled`` set (inference form) by :func:`deform_conv2d_by_grid_sample` instead.
    """

    def __init__(self, in_channels: int, out_channels: int, kernel_size: int = 3, padding: int = 1) -> None:
        super().__init__()
        self.padding = padding
        self.weight = nn.Parameter(torch.empty(out_channels, in_channels, kernel_size, kernel_size))
        bound = 1.0 / math.sqrt(in_channels * kernel_size * kernel_size)
        nn.init.uniform_(self.weight, -bound, bound)
        self.conv_offset = nn.Conv2d(in_channels, 2 * kernel_size * kernel_size, kernel_size, padding=padding)
        nn.init.zeros_(self.conv_offset.weight)
        nn.init.zeros_(self.conv_offset.bias)
        self.grid_sampled = False

    def deform(self, x: Tensor, offset: Tensor) -> Tensor:
        """The deformable convolution of x with given offsets ((y, x) pairs per tap, in cells)."""
        if self.grid_sampled:
            return deform_conv2d_by_grid_sample(x, offset, self.weight, self.padding)
        # torchvision's kernel takes one dtype; under autocast x and offset arrive in bf16/fp16 while the
        # weight stays float32, so the deformable convolution runs in the widest of the three (float32 there)
        dtype = torch.promote_types(torch.promote_types(x.dtype, offset.dtype), self.weight.dtype)
        with torch.autocast(x.device.type, enabled=False):
            return deform_conv2d(x.to(dtype), offset.to(dtype), self.weight.to(dtype),
                                 padding=(self.padding, self.padding))

    def forward(self, x: Tensor) -> Tensor:
        return self.deform(x, self.conv_offset(x))


class FeatureEnhance(nn.Module):
    """DSA over levels 2-4 (keys ``pams.i``, ``cam_uses.i``, ``deform_convs.i``)."""

    def __init__(self, channels: int = 256, num_levels: int = 3) -> None:
        super().__init__()
        self.pams = nn.ModuleList(PositionAttention(channels) for _ in range(num_levels))
        self.cam_uses = nn.ModuleList(ChannelAttentionUse() for _ in range(num_levels))
        self.deform_convs = nn.ModuleList(DeformConvPack(channels, channels) for _ in range(num_levels))

    def attend(self, level: int, z: Tensor, x: Tensor) -> tuple[Tensor, Tensor]:
        """The DCN inputs (z', x') of one level: the D4 sums of self and cross attention."""
        pam, cam = self.pams[level], self.cam_uses[level]
        attention_z, attention_x = channel_attention(z), channel_attention(x)
        z_sum = pam(z) + cam(z, attention_z) + cam(z, attention_x)
        x_sum = pam(x) + cam(x, attention_x) + cam(x, attention_z)
        return z_sum, x_sum

    def forward(self, zs: list[Tensor], xs: list[Tensor]) -> tuple[list[Tensor], list[Tensor]]:
        """Enhance templates ``zs`` (B, C, 7, 7) and searches ``xs`` (B, C, 31, 31), level by level."""
        z_out, x_out = [], []
        for level, (z, x) in enumerate(zip(zs, xs)):
            z_sum, x_sum = self.attend(level, z, x)
            z_out.append(self.deform_convs[level](z_sum))
            x_out.append(self.deform_convs[level](x_sum))
        return z_out, x_out
