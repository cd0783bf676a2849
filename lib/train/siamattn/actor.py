"""SiamAttn actor: the model's tracking path on a batch of training pairs, its targets and weighted losses.

Order (official ``ModelBuilder.forward``): template features and the search pass (backbone, neck, DSA,
RPN, fusion) through the model's public methods; RPN losses on the anchor targets of the batch; then
refinement RoIs sampled around the ground truth from the decoded (detached) RPN boxes
(``lib.train.siamattn.rois``), the box head and, with the mask branch, the mask head on those RoIs.

Loss = ``CLS_WEIGHT * cls + LOC_WEIGHT * loc + BBOX_WEIGHT * bbox + MASK_WEIGHT * mask`` (official yaml:
5, 1.2, 1, 0.5). The box loss covers the samples with ``bbox_weight`` 1 (positive pairs), the mask loss
those with ``mask_weight`` 1 (positive pairs from datasets with masks). RoIs are drawn with a numpy
generator seeded by the batch's ``roi_seed``, so a step is a function of its batch.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
from torch import nn

from lib.config import ConfigNode
from lib.train.siamattn.anchors import AnchorGrid
from lib.train.siamattn.losses import box_refine_loss, mask_iou, mask_loss, rpn_cls_loss, rpn_loc_loss
from lib.train.siamattn.optim import set_backbone_state
from lib.train.siamattn.rois import box_deltas, decode_rpn_boxes, mask_targets, sample_foreground_rois

BATCH_KEYS = ("template", "search", "label_cls", "label_loc", "label_loc_weight", "bbox", "search_mask",
              "mask_weight", "bbox_weight", "roi_seed")


@dataclass(frozen=True)
class SiamAttnLossConfig:
    """Loss weights, RoI sampling and target parameters (``TRAIN`` / ``MODEL`` / ``DATA`` keys)."""

    cls_weight: float = 5.0
    loc_weight: float = 1.2
    bbox_weight: float = 1.0
    mask_weight: float = 0.5
    rois_per_image: int = 15
    fg_thresh: float = 0.5
    bbox_stds: tuple[float, ...] = (0.1, 0.1, 0.2, 0.2)
    mask_ohem_fraction: float = 0.7
    mask_size: int = 64
    search_size: int = 255

    @classmethod
    def from_config(cls, cfg: ConfigNode) -> "SiamAttnLossConfig":
        train = cfg.TRAIN
        return cls(train.CLS_WEIGHT, train.LOC_WEIGHT, train.BBOX_WEIGHT, train.MASK_WEIGHT, train.ROI_PER_IMG,
                   train.FG_THRESH, tuple(cfg.MODEL.BBOX_NORMALIZE_STDS), train.MASK_OHEM_FRACTION,
                   cfg.MODEL.MASK_OUTSIZE, cfg.DATA.SEARCH_SIZE)


class SiamAttnActor(nn.Module):
    """``forward(batch) -> (total loss, detached statistics)``; what DistributedDataParallel wraps.

    Statistics: ``total``, ``cls``, ``loc``, ``bbox``, ``mask`` (0 without the mask branch) and the metric
    ``mask_iou`` (mean IoU of the thresholded masks on the RoIs of the masked samples).
    """

    metric_names = ("mask_iou",)

    def __init__(self, model: nn.Module, grid: AnchorGrid, losses: SiamAttnLossConfig) -> None:
        super().__init__()
        self.model = model
        self.grid = grid
        self.losses = losses
        self.frozen_norms: list[nn.Module] = []

    def freeze_backbone(self, cfg: ConfigNode, epoch: int) -> None:
        """Apply the backbone state of pysot epoch ``epoch`` (``siamattn_optim.set_backbone_state``)."""
        self.frozen_norms = set_backbone_state(self.model, cfg, epoch)
        self.train(self.training)

    def train(self, mode: bool = True) -> "SiamAttnActor":
        """Train/eval mode for everything except the frozen backbone norms, which stay in eval mode."""
        super().train(mode)
        for norm in self.frozen_norms:
            norm.eval()
        return self

    def forward(self, batch: dict[str, torch.Tensor]) -> tuple[torch.Tensor, dict[str, torch.Tensor]]:
        missing = [key for key in BATCH_KEYS if key not in batch]
        if missing:
            raise KeyError(f"SiamAttn training batch lacks {missing}; it has {sorted(batch)}")
        cfg = self.losses
        out = self.model.track_features(self.model.template_features(batch["template"]), batch["search"])
        cls_loss = rpn_cls_loss(out["cls"].float(), batch["label_cls"])
        loc_loss = rpn_loc_loss(out["loc"].float(), batch["label_loc"], batch["label_loc_weight"])

        gt = batch["bbox"].float()
        rois = self._sample_rois(out["loc"], gt, batch["roi_seed"])                         # (B, R, 4)
        batch_size, per_image = rois.shape[:2]
        index = torch.arange(batch_size, device=rois.device, dtype=rois.dtype).repeat_interleave(per_image)
        rois5 = torch.cat((index[:, None], rois.reshape(-1, 4)), dim=1)
        box_pred = self.model.refine_box(out["b_fused"], rois5).float().view(batch_size, per_image, 4)
        box_target = box_deltas(rois.reshape(-1, 4), gt.repeat_interleave(per_image, 0), cfg.bbox_stds)
        bbox_loss = box_refine_loss(box_pred, box_target.view(batch_size, per_image, 4), batch["bbox_weight"] > 0)

        total = cfg.cls_weight * cls_loss + cfg.loc_weight * loc_loss + cfg.bbox_weight * bbox_loss
        stats = {"cls": cls_loss.detach(), "loc": loc_loss.detach(), "bbox": bbox_loss.detach()}
        masked = batch["mask_weight"] > 0
        if self.model.mask_enabled:
            logits = self.model.refine_mask(out["m_fused"], rois5).float()
            logits = logits.view(batch_size, per_image, cfg.mask_size, cfg.mask_size)
            target = self._mask_targets(batch["search_mask"], rois).to(logits.device)
            m_loss = mask_loss(logits, target, masked, cfg.mask_ohem_fraction)
            total = total + cfg.mask_weight * m_loss
            stats["mask"] = m_loss.detach()
            stats["mask_iou"] = mask_iou(logits[masked], target[masked]) if masked.any() else m_loss.detach() * 0
        else:
            stats["mask"] = torch.zeros((), device=total.device)
            stats["mask_iou"] = torch.zeros((), device=total.device)
        stats["total"] = total.detach()
        return total, stats

    def _sample_rois(self, loc: torch.Tensor, gt: torch.Tensor, seeds: torch.Tensor) -> torch.Tensor:
        """(B, R, 4) foreground RoIs per image, on the device of ``loc``."""
        proposals = decode_rpn_boxes(loc, self.grid, self.losses.search_size).cpu()
        gt_cpu, seeds_cpu = gt.detach().cpu(), seeds.cpu().tolist()
        rois = [sample_foreground_rois(proposals[b], gt_cpu[b], self.losses.rois_per_image, self.losses.fg_thresh,
                                       np.random.default_rng(int(seeds_cpu[b]))) for b in range(len(seeds_cpu))]
        return torch.stack(rois).to(loc.device)

    def _mask_targets(self, masks: torch.Tensor, rois: torch.Tensor) -> torch.Tensor:
        """(B, R, M, M) mask targets from the (B, 1, S, S) search masks."""
        masks_np, rois_np = masks[:, 0].detach().cpu().numpy(), rois.detach().cpu().numpy()
        return torch.from_numpy(np.stack([mask_targets(masks_np[b], rois_np[b], self.losses.mask_size)
                                          for b in range(len(rois_np))]))
