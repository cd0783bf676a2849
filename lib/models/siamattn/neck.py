"""Adjust layers (pysot ``AdjustAllLayer``): levels 2-4 to a common width, template centre crop.

Quirk K3 of docs/quirks-siamattn.md: per level a 1×1 conv (no bias) + BN; when the map is
narrower than 20 cells (the 15×15 template maps) the centre ``center_size``×``center_size`` window
(``[4:11, 4:11]`` for 7) is kept **after** the BN. Levels 0 and 1 are not adjusted.
"""
from __future__ import annotations

from torch import Tensor, nn

__all__ = ["AdjustAllLayer", "AdjustLayer"]


class AdjustLayer(nn.Module):
    """1×1 conv + BN, then the centre crop for maps narrower than 20 cells."""

    def __init__(self, in_channels: int, out_channels: int, center_size: int = 7) -> None:
        super().__init__()
        self.downsample = nn.Sequential(nn.Conv2d(in_channels, out_channels, 1, bias=False),
                                        nn.BatchNorm2d(out_channels))
        self.center_size = center_size

    def project(self, x: Tensor) -> Tensor:
        """The conv + BN alone (no crop): (B, C_in, H, W) → (B, C_out, H, W)."""
        return self.downsample(x)

    def forward(self, x: Tensor) -> Tensor:
        """(B, C_in, H, W) → (B, C_out, H, W), or the centre crop (B, C_out, c, c) when W < 20."""
        x = self.project(x)
        if x.shape[3] < 20:
            left = (x.shape[3] - self.center_size) // 2
            x = x[:, :, left:left + self.center_size, left:left + self.center_size]
        return x


class AdjustAllLayer(nn.Module):
    """One :class:`AdjustLayer` per level 2, 3, 4 (attributes ``downsample2`` … ``downsample4``)."""

    def __init__(self, in_channels: list[int], out_channels: int, center_size: int = 7) -> None:
        super().__init__()
        self.levels = [2 + i for i in range(len(in_channels))]
        for level, channels in zip(self.levels, in_channels):
            self.add_module(f"downsample{level}", AdjustLayer(channels, out_channels, center_size))

    def forward(self, features: list[Tensor]) -> list[Tensor]:
        """Adjust ``features`` (levels 2-4, in order); returns a new list."""
        return [getattr(self, f"downsample{level}")(f) for level, f in zip(self.levels, features)]
