"""AiATrack's training recipe: the official build, sampler, actor, AdamW and step schedule."""
from __future__ import annotations

from torch import nn

from lib.config import ConfigNode
from lib.models.aiatrack import build_aiatrack
from lib.train.aiatrack import AiATrackActor, LossWeights, build_train_sampler
from lib.train.aiatrack.optim import build_optimizer, build_scheduler
from lib.train.recipe import TrainingRecipe
from lib.train.trainer import TrainingParts

__all__ = ["RECIPE"]


def _parts(model: nn.Module, cfg: ConfigNode) -> TrainingParts:
    optimizer = build_optimizer(model, cfg)
    return TrainingParts(AiATrackActor(model, LossWeights.from_config(cfg)), optimizer, build_scheduler(optimizer, cfg))


RECIPE = TrainingRecipe(lambda cfg: build_aiatrack(cfg, training=True),
                        lambda cfg, datasets, rank: build_train_sampler(cfg, datasets, rank=rank), _parts)
