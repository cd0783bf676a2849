"""Region refinement heads on the fused maps (official ``FCx2DetHead`` and ``FusedSemanticHead``), F3-F5.

Both pool in search-crop pixel coordinates with :class:`~lib.models.ops.deform_roi_pool.DeformRoIPoolPack`
(quirks P1-P7), spatial scale ``1 / (search_size / map_size)`` as the official code writes it (map sizes
25 and 63 for a 255 crop).

* Box head: pool 4×4 on the 25×25 map, flatten channel-major (c·16 + ph·4 + pw), Linear → 512, ReLU,
  Linear → 512, ReLU (``tail_det``), Linear → 4 raw deltas (``tail_det_box``).
* Mask head: pool 16×16 on the 63×63 map, 4 × (3×3 conv + BN + ReLU), ``ConvTranspose2d`` (kernel and
  stride 4, with bias) + ReLU to 64×64, 1×1 conv to one channel of logits.
"""
from __future__ import annotations

from torch import Tensor, nn

from lib.models.ops.deform_roi_pool import DeformRoIPoolPack
from lib.models.siamattn.fusion import ConvBNReLU

__all__ = ["BoxHead", "MaskHead"]


class BoxHead(nn.Module):
    """Keys ``tail_det.{0,2}``, ``tail_det_box``, ``roi_pool_b.offset_fc.{0,2,4}``."""

    def __init__(self, channels: int = 256, pool_size: int = 4, search_size: int = 255, map_size: int = 25,
                 fc_channels: int = 512, deform_fc_channels: int = 1024, trans_std: float = 0.1) -> None:
        super().__init__()
        in_features = channels * pool_size * pool_size
        self.tail_det = nn.Sequential(nn.Linear(in_features, fc_channels), nn.ReLU(inplace=True),
                                      nn.Linear(fc_channels, fc_channels), nn.ReLU(inplace=True))
        self.tail_det_box = nn.Linear(fc_channels, 4)
        self.roi_pool_b = DeformRoIPoolPack(channels, pool_size, 1 / (search_size / map_size), trans_std,
                                            deform_fc_channels)
        for layer in (self.tail_det[0], self.tail_det[2]):
            nn.init.xavier_uniform_(layer.weight)
            nn.init.zeros_(layer.bias)
        nn.init.normal_(self.tail_det_box.weight, std=0.001)
        nn.init.zeros_(self.tail_det_box.bias)

    def predict(self, pooled: Tensor) -> Tensor:
        """Pooled features (K, C, 4, 4) → raw deltas (K, 4)."""
        return self.tail_det_box(self.tail_det(pooled.flatten(1)))

    def forward(self, features: Tensor, rois: Tensor) -> Tensor:
        """Fused map (B, C, 25, 25) and RoIs (K, 5) in crop pixels → raw deltas (K, 4)."""
        return self.predict(self.roi_pool_b(features, rois))


class MaskHead(nn.Module):
    """Keys ``convs.i.{conv,BN<C>}``, ``upsample``, ``conv_logits``, ``roi_pool_m.offset_fc.{0,2,4}``."""

    def __init__(self, channels: int = 256, pool_size: int = 16, mask_size: int = 64, search_size: int = 255,
                 map_size: int = 63, num_convs: int = 4, deform_fc_channels: int = 1024,
                 trans_std: float = 0.1) -> None:
        super().__init__()
        if mask_size % pool_size:
            raise ValueError(f"mask size {mask_size} is not a multiple of the pooled size {pool_size}")
        ratio = mask_size // pool_size
        self.convs = nn.ModuleList(ConvBNReLU(channels, channels, 3, padding=1) for _ in range(num_convs))
        self.conv_logits = nn.Conv2d(channels, 1, 1)
        self.relu = nn.ReLU(inplace=True)
        self.upsample = nn.ConvTranspose2d(channels, channels, ratio, stride=ratio)
        self.roi_pool_m = DeformRoIPoolPack(channels, pool_size, 1 / (search_size / map_size), trans_std,
                                            deform_fc_channels)
        nn.init.kaiming_normal_(self.conv_logits.weight, mode="fan_out", nonlinearity="relu")
        nn.init.zeros_(self.conv_logits.bias)

    def predict(self, pooled: Tensor) -> Tensor:
        """Pooled features (K, C, 16, 16) → mask logits (K, 1, 64, 64)."""
        x = pooled
        for conv in self.convs:
            x = conv(x)
        return self.conv_logits(self.relu(self.upsample(x)))

    def forward(self, features: Tensor, rois: Tensor) -> Tensor:
        """Fused map (B, C, 63, 63) and RoIs (K, 5) in crop pixels → mask logits (K, 1, 64, 64)."""
        return self.predict(self.roi_pool_m(features, rois))
