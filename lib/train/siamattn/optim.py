"""SiamAttn optimizer and learning-rate schedule (pysot ``build_opt_lr`` and ``lr_scheduler`` semantics),
with every head in the optimizer (the official release left out the attention, fusion and box head).

* Epochs are counted from 0 here, as in pysot; the trainer's epoch ``e`` (from 1) is pysot epoch ``e - 1``.
* Before ``TRAIN.BACKBONE_TRAIN_EPOCH`` the backbone is frozen: no gradients, BatchNorm in eval mode.
  From that epoch on, ``TRAIN.BACKBONE_TRAIN_LAYERS`` train (their BatchNorm in train mode, the other
  backbone layers stay frozen) at ``BASE_LR * BACKBONE_LAYERS_LR``; every other module at ``BASE_LR``.
  The optimizer and schedule are rebuilt at the switch (fresh momentum), as pysot does.
* SGD with ``TRAIN.MOMENTUM`` and ``TRAIN.WEIGHT_DECAY``.
* Per-epoch learning rates: with warm-up, ``LR_WARMUP.EPOCH`` epochs of the warm-up schedule followed by
  ``EPOCH - LR_WARMUP.EPOCH`` epochs of the main one; a parameter group's rate is its base rate times
  ``rate[epoch] / rate of the main schedule's first epoch``. Schedules: ``log`` =
  ``logspace(log10(START_LR), log10(END_LR), n)``; ``step`` = ``START_LR * mult ** (i // STEP)`` with
  ``mult = (END_LR / START_LR) ** (1 / (n // STEP))``.
"""
from __future__ import annotations

import math
from typing import Any

import torch
from torch import nn

from lib.config import ConfigNode


def schedule_rates(node: Any, epochs: int) -> list[float]:
    """The per-epoch rates of one schedule section (``TYPE`` log | step, ``START_LR``, ``END_LR``, ``STEP``)."""
    start, end = float(node.START_LR), float(node.END_LR)
    if node.TYPE == "log":
        if epochs == 1:
            return [start]
        return [10 ** (math.log10(start) + (math.log10(end) - math.log10(start)) * i / (epochs - 1))
                for i in range(epochs)]
    if node.TYPE == "step":
        step = int(node.STEP)
        if not 1 <= step <= epochs:
            raise ValueError(f"step schedule: STEP {step} must be between 1 and its {epochs} epochs")
        mult = (end / start) ** (1.0 / (epochs // step))
        return [start * mult ** (i // step) for i in range(epochs)]
    raise ValueError(f"learning-rate schedule TYPE {node.TYPE!r} is not supported (log, step)")


def epoch_rates(cfg: ConfigNode) -> tuple[list[float], float]:
    """(rate of every epoch, reference rate = first rate of the main schedule) of ``TRAIN``."""
    train = cfg.TRAIN
    warmup = train.LR_WARMUP
    if warmup.WARMUP:
        if train.EPOCH <= warmup.EPOCH:
            raise ValueError(f"TRAIN.EPOCH ({train.EPOCH}) must exceed TRAIN.LR_WARMUP.EPOCH ({warmup.EPOCH}) "
                             "(or set TRAIN.LR_WARMUP.WARMUP false)")
        head = schedule_rates(warmup, warmup.EPOCH)
        main = schedule_rates(train.LR, train.EPOCH - warmup.EPOCH)
        return head + main, main[0]
    main = schedule_rates(train.LR, train.EPOCH)
    return main, main[0]


class EpochRateSchedule(torch.optim.lr_scheduler.LRScheduler):
    """Sets each group's rate to ``initial_lr * rates[last_epoch] / reference`` (pysot ``LRScheduler``)."""

    def __init__(self, optimizer: torch.optim.Optimizer, rates: list[float], reference: float,
                 last_epoch: int = -1) -> None:
        self.rates = [float(r) for r in rates]
        self.reference = float(reference)
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        epoch = min(self.last_epoch, len(self.rates) - 1)
        return [self.rates[epoch] * group["initial_lr"] / self.reference for group in self.optimizer.param_groups]


def backbone_trains(cfg: ConfigNode, epoch: int) -> bool:
    """Whether the backbone layers train in pysot epoch ``epoch`` (from 0)."""
    return epoch >= cfg.TRAIN.BACKBONE_TRAIN_EPOCH


def set_backbone_state(model: nn.Module, cfg: ConfigNode, epoch: int) -> list[nn.Module]:
    """Freeze or unfreeze ``model.backbone`` for pysot epoch ``epoch``; returns the backbone BatchNorm
    modules that must stay in eval mode (re-apply after every ``model.train()``)."""
    backbone = model.backbone
    trained = set(cfg.TRAIN.BACKBONE_TRAIN_LAYERS) if backbone_trains(cfg, epoch) else set()
    unknown = trained - {name for name, _ in backbone.named_children()}
    if unknown:
        raise ValueError(f"TRAIN.BACKBONE_TRAIN_LAYERS names {sorted(unknown)}, not children of the backbone")
    frozen_norms: list[nn.Module] = []
    for name, child in backbone.named_children():
        for param in child.parameters():
            param.requires_grad = name in trained
        if name not in trained:
            frozen_norms += [m for m in child.modules() if isinstance(m, nn.modules.batchnorm._BatchNorm)]
    for param in backbone.parameters(recurse=False):
        param.requires_grad = False
    return frozen_norms


def build_optimizer(model: nn.Module, cfg: ConfigNode) -> torch.optim.Optimizer:
    """SGD over the trainable backbone parameters (rate ``BASE_LR * BACKBONE_LAYERS_LR``) and every other
    parameter of the model (``BASE_LR``). Call :func:`set_backbone_state` first."""
    train = cfg.TRAIN
    backbone_ids = {id(p) for p in model.backbone.parameters()}
    groups = [{"params": [p for p in model.backbone.parameters() if p.requires_grad],
               "lr": train.BASE_LR * train.BACKBONE_LAYERS_LR},
              {"params": [p for p in model.parameters() if id(p) not in backbone_ids], "lr": train.BASE_LR}]
    groups = [g for g in groups if g["params"]]
    return torch.optim.SGD(groups, lr=train.BASE_LR, momentum=train.MOMENTUM, weight_decay=train.WEIGHT_DECAY)


def build_scheduler(optimizer: torch.optim.Optimizer, cfg: ConfigNode, epoch: int = 0) -> EpochRateSchedule:
    """The per-epoch schedule positioned at pysot epoch ``epoch`` (the groups' current rates become their
    base rates)."""
    rates, reference = epoch_rates(cfg)
    for group in optimizer.param_groups:
        group["initial_lr"] = group["lr"]
    return EpochRateSchedule(optimizer, rates, reference, last_epoch=epoch - 1)
