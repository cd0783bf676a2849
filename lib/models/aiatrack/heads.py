"""Prediction heads on the decoder map (B, C, H, W): corner box head (Q22) and IoU head (Q24)."""
from __future__ import annotations

import torch
from torch import Tensor, nn

from lib.models.ops.prroi_pool import prroi_pool2d

__all__ = ["CornerHead", "IoUHead", "conv_bn_relu"]


def conv_bn_relu(in_channels: int, out_channels: int) -> nn.Sequential:
    """3x3 conv (with bias) -> BatchNorm2d -> ReLU, state-dict indices 0 (conv) and 1 (norm)."""
    return nn.Sequential(nn.Conv2d(in_channels, out_channels, kernel_size=3, padding=1),
                         nn.BatchNorm2d(out_channels), nn.ReLU(inplace=True))


class CornerHead(nn.Module):
    """Two conv towers score every token as top-left / bottom-right corner; soft-argmax gives the corners.

    Token k of the ``feat_side`` x ``feat_side`` map sits at pixel ``(stride*(k % side), stride*(k // side))``
    of the crop (its top-left pixel, no half-stride offset); corners are divided by the crop size, so
    they lie in [0, (side-1)/side].
    """

    def __init__(self, in_channels: int, feat_side: int, stride: int = 16, channels: int = 256):
        super().__init__()
        self.feat_side = feat_side
        self.crop_size = feat_side * stride
        widths = (in_channels, channels, channels // 2, channels // 4, channels // 8)
        for corner in ("tl", "br"):
            for i in range(4):
                setattr(self, f"conv{i + 1}_{corner}", conv_bn_relu(widths[i], widths[i + 1]))
            setattr(self, f"conv5_{corner}", nn.Conv2d(widths[4], 1, kernel_size=1))
        grid = torch.arange(feat_side, dtype=torch.float32) * stride
        self.register_buffer("coord_x", grid.repeat(feat_side), persistent=False)
        self.register_buffer("coord_y", grid.repeat_interleave(feat_side), persistent=False)

    def score_maps(self, x: Tensor) -> tuple[Tensor, Tensor]:
        """Top-left and bottom-right corner logits, each (B, 1, H, W)."""
        maps = []
        for corner in ("tl", "br"):
            y = x
            for i in range(1, 6):
                y = getattr(self, f"conv{i}_{corner}")(y)
            maps.append(y)
        return maps[0], maps[1]

    def soft_argmax(self, score_map: Tensor) -> tuple[Tensor, Tensor]:
        """Expected pixel coordinates (x, y), each (B,), under the softmax of a (B, 1, H, W) score map."""
        prob = torch.softmax(score_map.flatten(1), dim=1)
        return (self.coord_x * prob).sum(dim=1), (self.coord_y * prob).sum(dim=1)

    def forward(self, x: Tensor) -> Tensor:
        """(B, C, H, W) -> normalized corners (B, 4) as x1, y1, x2, y2."""
        score_tl, score_br = self.score_maps(x)
        x1, y1 = self.soft_argmax(score_tl)
        x2, y2 = self.soft_argmax(score_br)
        return torch.stack((x1, y1, x2, y2), dim=1) / self.crop_size


class LinearBlock(nn.Module):
    """Flatten -> Linear -> BatchNorm2d on (N, C, 1, 1) -> ReLU."""

    def __init__(self, in_features: int, out_features: int):
        super().__init__()
        self.linear = nn.Linear(in_features, out_features)
        self.bn = nn.BatchNorm2d(out_features)
        self.relu = nn.ReLU(inplace=True)

    def forward(self, x: Tensor) -> Tensor:
        x = self.linear(x.reshape(x.shape[0], -1))
        return self.relu(self.bn(x[:, :, None, None])).flatten(1)


class IoUHead(nn.Module):
    """Predicts the IoU (as 2*IoU - 1) of proposal boxes with the target from the decoder map.

    Three conv blocks, PrRoIPool (pool x pool bins) of each proposal, Linear + BN + ReLU, Linear -> 1.
    Normalized proposal coordinates are scaled by the map side, so feature pixel i sits at i / side.
    """

    windowed: bool = False

    def __init__(self, channels: int, feat_side: int, pool_size: int = 4):
        super().__init__()
        self.feat_side = feat_side
        self.pool_size = pool_size
        self.conv1 = conv_bn_relu(channels, channels)
        self.conv2 = conv_bn_relu(channels, channels)
        self.conv3 = conv_bn_relu(channels, channels)
        self.fc = LinearBlock(channels * pool_size * pool_size, channels)
        self.iou_predictor = nn.Linear(channels, 1)
        for module in self.modules():
            if isinstance(module, (nn.Conv2d, nn.Linear)):
                nn.init.kaiming_normal_(module.weight, mode="fan_in")
                nn.init.zeros_(module.bias)
            elif isinstance(module, nn.BatchNorm2d):
                nn.init.uniform_(module.weight)
                nn.init.zeros_(module.bias)

    def features(self, x: Tensor) -> Tensor:
        """(B, C, H, W) -> IoU features (B, C, H, W)."""
        return self.conv3(self.conv2(self.conv1(x)))

    @staticmethod
    def rois(proposals: Tensor) -> Tensor:
        """Normalized xywh proposals (B, N, 4) -> RoI rows (B*N, 5) ``[batch_index, x1, y1, x2, y2]``."""
        batch, num = proposals.shape[:2]
        index = torch.arange(batch, dtype=proposals.dtype, device=proposals.device)
        index = index.view(batch, 1, 1).expand(batch, num, 1)
        xy = proposals[..., :2]
        return torch.cat((index, xy, xy + proposals[..., 2:]), dim=2).reshape(-1, 5)

    def pool(self, features: Tensor, proposals: Tensor) -> Tensor:
        """Pooled features (B*N, C, pool, pool) of normalized xywh proposals (B, N, 4)."""
        return prroi_pool2d(features, self.rois(proposals), self.pool_size, self.pool_size, float(self.feat_side))

    def windowed_features(self, x: Tensor, proposals: Tensor) -> Tensor:
        """:meth:`features` where the pooling of ``proposals`` reads them, zeros elsewhere; (B, C, H, W).

        PrRoIPool gives feature pixel ``c`` a zero weight unless ``floor(x1) <= c <= ceil(x2)`` (its
        tent reaches one pixel), so only that window (the union over all proposals) is needed. The
        three 3x3 convolutions run on the window plus a 3-pixel margin, cut at the map border where
        their own zero padding is the original one; the margin absorbs the wrong zero padding at the
        window's inner sides. Exact up to float rounding; for one tracked box on CPU the convolutions
        cover a fraction of the map (one host read of the boxes, hence CPU only).
        """
        height, width = x.shape[-2:]
        corners = torch.cat((proposals[..., :2], proposals[..., :2] + proposals[..., 2:]), dim=-1)
        corners = corners.reshape(-1, 4).double() * self.feat_side
        if corners.numel() == 0 or not torch.isfinite(corners).all():
            return self.features(x)
        margin = 3  # one pixel per 3x3 convolution
        left, top = (int(v) - margin for v in corners[:, :2].min(dim=0).values.floor().tolist())
        right, bottom = (int(v) + margin for v in corners[:, 2:].max(dim=0).values.ceil().tolist())
        rows, cols = slice(max(top, 0), min(bottom, height - 1) + 1), slice(max(left, 0), min(right, width - 1) + 1)
        full = x.new_zeros(x.shape)
        if rows.start < rows.stop and cols.start < cols.stop:
            full[:, :, rows, cols] = self.features(x[:, :, rows, cols])
        return full

    def forward(self, x: Tensor, proposals: Tensor) -> Tensor:
        """Decoder map (B, C, H, W) and proposals (B, N, 4) normalized xywh -> predicted IoUs (B, N).

        With ``windowed`` set (the CPU inference form) the convolutions run only where the pooling
        reads (:meth:`windowed_features`).
        """
        features = self.windowed_features(x, proposals) if self.windowed else self.features(x)
        pooled = self.pool(features, proposals)
        return self.iou_predictor(self.fc(pooled)).view(proposals.shape[0], proposals.shape[1])
