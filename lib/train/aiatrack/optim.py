"""Optimizer and learning-rate schedule of the official training recipe.

Freezing is done where the model is built (``build_aiatrack``: ``TRAIN.FREEZE_LAYERS`` get
``requires_grad=False`` and, with ``TRAIN.FREEZE_BACKBONE_BN``, the backbone norms are
FrozenBatchNorm2d with buffers only); frozen parameters never enter the optimizer.
"""
from __future__ import annotations

import torch
from torch import nn

from lib.config import ConfigNode


def parameter_groups(model: nn.Module, cfg: ConfigNode) -> list[dict]:
    """Two AdamW groups: trainable non-backbone parameters at ``TRAIN.LR`` and trainable
    ``model.backbone`` parameters at ``TRAIN.LR * TRAIN.BACKBONE_MULTIPLIER``."""
    backbone = getattr(model, "backbone", None)
    if not isinstance(backbone, nn.Module):
        raise AttributeError(f"{type(model).__name__} has no 'backbone' submodule")
    backbone_ids = {id(p) for p in backbone.parameters()}
    trainable = [p for p in model.parameters() if p.requires_grad]
    return [
        {"params": [p for p in trainable if id(p) not in backbone_ids], "lr": cfg.TRAIN.LR},
        {"params": [p for p in trainable if id(p) in backbone_ids],
         "lr": cfg.TRAIN.LR * cfg.TRAIN.BACKBONE_MULTIPLIER},
    ]


def build_optimizer(model: nn.Module, cfg: ConfigNode) -> torch.optim.Optimizer:
    """AdamW over :func:`parameter_groups` with ``TRAIN.WEIGHT_DECAY``."""
    if cfg.TRAIN.OPTIMIZER.upper() != "ADAMW":
        raise ValueError(f"TRAIN.OPTIMIZER {cfg.TRAIN.OPTIMIZER!r} is not supported (only ADAMW)")
    return torch.optim.AdamW(parameter_groups(model, cfg), lr=cfg.TRAIN.LR, weight_decay=cfg.TRAIN.WEIGHT_DECAY)


def build_scheduler(optimizer: torch.optim.Optimizer, cfg: ConfigNode) -> torch.optim.lr_scheduler.LRScheduler:
    """Stepped once per epoch: learning rates times ``TRAIN.SCHEDULER.DECAY_RATE`` every
    ``TRAIN.LR_DROP_EPOCH`` epochs (official: x0.1 from epoch 401 of 500)."""
    if cfg.TRAIN.SCHEDULER.TYPE != "step":
        raise ValueError(f"TRAIN.SCHEDULER.TYPE {cfg.TRAIN.SCHEDULER.TYPE!r} is not supported (only 'step')")
    return torch.optim.lr_scheduler.StepLR(optimizer, step_size=cfg.TRAIN.LR_DROP_EPOCH,
                                           gamma=cfg.TRAIN.SCHEDULER.DECAY_RATE)
