"""What a tracker brings to a training run (its plug-in's ``training()``); the rest is the shared trainer."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Sequence

import torch.utils.data
from torch import nn

from lib.config import ConfigNode
from lib.train.dataset.base import TrackingDataset
from lib.train.trainer import TrainingParts

__all__ = ["TrainingRecipe"]


@dataclass(frozen=True)
class TrainingRecipe:
    """``build_model(cfg)``: the network in its training form; ``build_sampler(cfg, datasets, rank)``: the
    epoch-seeded training-sample dataset; ``build_parts(model, cfg)``: actor, optimizer, schedule (and stages)."""

    build_model: Callable[[ConfigNode], nn.Module]
    build_sampler: Callable[[ConfigNode, Sequence[TrackingDataset], int], torch.utils.data.Dataset]
    build_parts: Callable[[nn.Module, ConfigNode], TrainingParts]
