"""AiATrack actor: runs the model on a training batch and computes the weighted loss."""
from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn

from lib.config import ConfigNode
from lib.train.aiatrack.losses import tracking_loss_terms

# Keys of a collated training batch (see lib/train/aiatrack/processing.py).
BATCH_KEYS = ("reference_images", "reference_masks", "reference_regions", "search_image", "search_mask",
              "search_box", "proposals", "proposal_iou_targets")


@dataclass(frozen=True)
class LossWeights:
    """Weights of the three loss terms (official: GIoU 2, L1 5, IoU head 2)."""

    giou: float = 2.0
    l1: float = 5.0
    iou: float = 2.0

    @classmethod
    def from_config(cls, cfg: ConfigNode) -> "LossWeights":
        """Weights from ``TRAIN.{GIOU,L1,IOU}_WEIGHT``."""
        return cls(giou=cfg.TRAIN.GIOU_WEIGHT, l1=cfg.TRAIN.L1_WEIGHT, iou=cfg.TRAIN.IOU_WEIGHT)


class AiATrackActor(nn.Module):
    """Model forward on a batch plus losses; ``forward(batch) -> (total loss, detached statistics)``.

    The model's training forward encodes the search frame and the R references (0 = long-term,
    1.. = short-term), decodes, predicts the search box (corner head) and scores the jittered
    proposals (IoU head). The actor is what DistributedDataParallel wraps.
    """

    #: statistics logged as metrics (the trainer logs the others as losses)
    metric_names = ("mean_iou",)

    def __init__(self, model: nn.Module, weights: LossWeights) -> None:
        super().__init__()
        self.model = model
        self.weights = weights

    def forward(self, batch: dict[str, torch.Tensor]) -> tuple[torch.Tensor, dict[str, torch.Tensor]]:
        """Total weighted loss and the detached terms ``giou``, ``l1``, ``iou``, ``mean_iou``, ``total``."""
        missing = [key for key in BATCH_KEYS if key not in batch]
        if missing:
            raise KeyError(f"training batch lacks {missing}; it has {sorted(batch)}")
        out = self.model(batch)
        terms = tracking_loss_terms(out["pred_boxes"].float(), batch["search_box"].float(),
                                    out["pred_iou"].float(), batch["proposal_iou_targets"].float())
        total = self.weights.giou * terms["giou"] + self.weights.l1 * terms["l1"] + self.weights.iou * terms["iou"]
        stats = {name: value.detach() for name, value in terms.items()}
        stats["total"] = total.detach()
        return total, stats
