"""SiamAttn (Yu et al., CVPR 2020): atrous ResNet, adjust layers, DSA, weighted RPN, box and mask refinement.

Attribute names follow the official ``ModelBuilder`` (``backbone``, ``neck``, ``rpn_head``,
``feature_enhance``, ``feature_fusion``, ``mask_head``, ``bbox_head``), so the official state dict maps
1:1 onto :meth:`SiamAttn.state_dict` (645 keys, 140,242,881 parameters for the official configuration).
Tracking and training call the same four stages:

1. :meth:`SiamAttn.template_features` once per template;
2. :meth:`SiamAttn.track_features` per search crop: backbone, neck, DSA on (template, search) (the template
   is re-enhanced with every search, quirk D6), RPN and fusion;
3. :meth:`SiamAttn.refine_box` and :meth:`SiamAttn.refine_mask` on RoIs in search-crop pixels.

Inputs are float32 BGR images with values 0..255 and no normalisation, as in pysot.
"""
from __future__ import annotations

from torch import Tensor, nn

from lib.config.node import ConfigNode
from lib.models.siamattn.backbone import build_backbone, level_sizes
from lib.models.siamattn.dsa import FeatureEnhance
from lib.models.siamattn.fusion import FeatureFusion
from lib.models.siamattn.heads import BoxHead, MaskHead
from lib.models.siamattn.neck import AdjustAllLayer
from lib.models.siamattn.rpn import MultiRPN

__all__ = ["SiamAttn", "build_siamattn"]


class SiamAttn(nn.Module):
    """The SiamAttn network; see the module docstring for the stages and their order."""

    def __init__(self, backbone: str = "resnet50", channels: int = 256, center_size: int = 7, anchor_num: int = 5,
                 mask: bool = True, search_size: int = 255, roi_pool_size: int = 16, mask_size: int = 64,
                 trans_std: float = 0.1, deform_fc_channels: int = 1024, fc_channels: int = 512) -> None:
        super().__init__()
        self.backbone = build_backbone(backbone)
        level_channels = self.backbone.channels
        sizes = level_sizes(search_size)
        box_map = sizes[2] - center_size + 1                              # 31 − 7 + 1 = 25 for a 255 crop
        self.neck = AdjustAllLayer(level_channels[2:], channels, center_size)
        self.rpn_head = MultiRPN(anchor_num, channels)
        self.feature_enhance = FeatureEnhance(channels)
        self.feature_fusion = FeatureFusion(level_channels[:2] + [channels] * 3, channels, mask)
        if mask:
            self.mask_head = MaskHead(channels, roi_pool_size, mask_size, search_size, sizes[1],
                                      deform_fc_channels=deform_fc_channels, trans_std=trans_std)
        self.bbox_head = BoxHead(channels, roi_pool_size // 4, search_size, box_map, fc_channels,
                                 deform_fc_channels, trans_std)
        self.mask_enabled = mask
        # The inference form (``lib.models.siamattn.inference``) sets a traced search stage here.
        self.search_stage: nn.Module | None = None

    def template_features(self, z: Tensor) -> list[Tensor]:
        """z (B, 3, 127, 127) → the un-enhanced neck features of levels 2-4, each (B, C, 7, 7)."""
        return self.neck(self.backbone(z)[2:])

    def track_features(self, zf: list[Tensor], x: Tensor) -> dict[str, Tensor]:
        """Template features ``zf`` (from :meth:`template_features`) and search x (B, 3, 255, 255) →

        ``cls`` (B, 2A, 25, 25), ``loc`` (B, 4A, 25, 25), ``b_fused`` (B, C, 25, 25) and, with the mask
        branch, ``m_fused`` (B, C, 63, 63).
        """
        levels = self.search_features(x)
        searches = levels[2:]
        templates, searches = self.feature_enhance(zf, searches)
        cls, loc = self.rpn_head(templates, searches)
        out = {"cls": cls, "loc": loc, "b_fused": self.feature_fusion.fuse_box(templates, searches)}
        if self.mask_enabled:
            out["m_fused"] = self.feature_fusion.fuse_mask(levels[:2] + searches)
        return out

    def search_features(self, x: Tensor) -> list[Tensor]:
        """x (B, 3, 255, 255) → raw backbone levels 0, 1 and the neck features of levels 2-4 (B, C, 31, 31),
        through ``search_stage`` when the inference form set one."""
        if self.search_stage is not None:
            return list(self.search_stage(x))
        levels = self.backbone(x)
        return levels[:2] + self.neck(levels[2:])

    def refine_box(self, b_fused: Tensor, rois: Tensor) -> Tensor:
        """``b_fused`` (B, C, 25, 25), rois (N, 5) = (batch_idx, x1, y1, x2, y2) in crop pixels → (N, 4) raw
        deltas (multiply by ``MODEL.BBOX_NORMALIZE_STDS`` before decoding)."""
        return self.bbox_head(b_fused, rois)

    def refine_mask(self, m_fused: Tensor, rois: Tensor) -> Tensor:
        """``m_fused`` (B, C, 63, 63), rois (N, 5) in crop pixels → mask logits (N, 1, 64, 64).

        Raises ``RuntimeError`` when the model was built without the mask branch.
        """
        if not self.mask_enabled:
            raise RuntimeError("this SiamAttn model was built with MODEL.MASK False: it has no mask head")
        return self.mask_head(m_fused, rois)


def build_siamattn(cfg: ConfigNode) -> SiamAttn:
    """Build the network from a config of ``load_config(name, tracker="siamattn")`` (its MODEL section)."""
    model_cfg = cfg.MODEL
    anchor_num = len(model_cfg.ANCHOR.RATIOS) * len(model_cfg.ANCHOR.SCALES)
    return SiamAttn(
        backbone=model_cfg.BACKBONE.TYPE, channels=model_cfg.CHANNELS, center_size=model_cfg.CENTER_SIZE,
        anchor_num=anchor_num, mask=model_cfg.MASK, search_size=model_cfg.SEARCH_SIZE,
        roi_pool_size=model_cfg.ROIPOOL_OUTSIZE, mask_size=model_cfg.MASK_OUTSIZE, trans_std=model_cfg.TRANS_STD,
        deform_fc_channels=model_cfg.DEFORM_FC_CHANNELS, fc_channels=model_cfg.FC_CHANNELS)
