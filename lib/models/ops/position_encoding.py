"""Normalized sine position embeddings computed from a token padding mask (Q10).

For every token the number of valid tokens above it (inclusive) in its column and to its left
(inclusive) in its row are divided by the column's / row's total valid count (+1e-6) and scaled to
2*pi. Each of the two coordinates is encoded with ``num_freqs`` frequencies ``10000 ** (2*floor(i/2)/N)``,
sine at even and cosine at odd channel indices; the output stacks the y block before the x block.
"""
from __future__ import annotations

import math

import torch
from torch import Tensor, nn

__all__ = ["SinePositionEncoding"]


class SinePositionEncoding(nn.Module):
    """(B, H, W) bool padding mask (True = padded) -> (B, 2*num_freqs, H, W) embedding."""

    def __init__(self, num_freqs: int, temperature: float = 10000.0, eps: float = 1e-6):
        super().__init__()
        self.num_freqs = num_freqs
        self.temperature = temperature
        self.eps = eps
        self.scale = 2 * math.pi

    def forward(self, mask: Tensor) -> Tensor:
        valid = ~mask
        y = valid.cumsum(1, dtype=torch.float32)
        x = valid.cumsum(2, dtype=torch.float32)
        y = y / (y[:, -1:, :] + self.eps) * self.scale
        x = x / (x[:, :, -1:] + self.eps) * self.scale
        # Built per call on the mask's device, always in float32 (a buffer would follow .to(dtype)).
        exponent = 2 * (torch.arange(self.num_freqs, dtype=torch.float32, device=mask.device) // 2)
        divisor = self.temperature ** (exponent / self.num_freqs)
        return torch.cat((self._encode(y, divisor), self._encode(x, divisor)), dim=3).permute(0, 3, 1, 2)

    @staticmethod
    def _encode(coord: Tensor, divisor: Tensor) -> Tensor:
        """(B, H, W) -> (B, H, W, N) with sin/cos of the same frequency at channels 2k, 2k+1."""
        phase = coord[..., None] / divisor
        return torch.stack((phase[..., 0::2].sin(), phase[..., 1::2].cos()), dim=4).flatten(3)

    def extra_repr(self) -> str:
        return f"num_freqs={self.num_freqs}"
