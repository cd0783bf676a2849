"""Which model, data pipeline, actor and optimizer each tracker trains with (``tracking/train.py --tracker``).

``TRAINING_RECIPES[name]`` gives, for ``aiatrack`` and ``siamattn``: the config defaults
(``load_config(..., tracker=name)``), the checkpoint file prefix, the model builder, the training-pair
sampler over the datasets of ``DATA.TRAIN.DATASETS_NAME`` and the actor + optimizer + schedule
(``TrainingParts``).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Sequence

import torch.utils.data
from torch import nn

from lib.config import ConfigNode
from lib.models import build_aiatrack
from lib.models.siamattn import build_siamattn
from lib.train import optim as aiatrack_optim
from lib.train import siamattn_optim
from lib.train.actors import AiATrackActor, LossWeights, SiamAttnActor, SiamAttnLossConfig
from lib.train.data import build_train_sampler
from lib.train.data.siamattn_processing import SiamAttnProcessing
from lib.train.data.siamattn_sampler import SiamPairSampler
from lib.train.siamattn_backbone import prepare_backbone
from lib.train.dataset.base import TrackingDataset
from lib.train.trainer import TrainingParts
from lib.train.trainer.trainer import OptimizerStage


@dataclass(frozen=True)
class TrainingRecipe:
    """The tracker-specific pieces of a training run."""

    checkpoint_prefix: str
    build_model: Callable[[ConfigNode], nn.Module]
    build_sampler: Callable[[ConfigNode, Sequence[TrackingDataset], int], torch.utils.data.Dataset]
    build_parts: Callable[[nn.Module, ConfigNode], TrainingParts]


def _aiatrack_parts(model: nn.Module, cfg: ConfigNode) -> TrainingParts:
    optimizer = aiatrack_optim.build_optimizer(model, cfg)
    return TrainingParts(AiATrackActor(model, LossWeights.from_config(cfg)), optimizer,
                         aiatrack_optim.build_scheduler(optimizer, cfg))


class SiamAttnStage:
    """``TrainingParts.stage`` of SiamAttn: a new SGD and schedule when the backbone switches on (pysot
    rebuilds both at ``TRAIN.BACKBONE_TRAIN_EPOCH``)."""

    def __init__(self, actor: SiamAttnActor, cfg: ConfigNode) -> None:
        self.actor, self.cfg = actor, cfg
        self.backbone_trains = siamattn_optim.backbone_trains(cfg, 0)

    def __call__(self, epoch: int) -> OptimizerStage | None:
        pysot_epoch = epoch - 1
        trains = siamattn_optim.backbone_trains(self.cfg, pysot_epoch)
        if trains == self.backbone_trains:
            return None
        self.backbone_trains = trains
        self.actor.freeze_backbone(self.cfg, pysot_epoch)
        optimizer = siamattn_optim.build_optimizer(self.actor.model, self.cfg)
        return optimizer, siamattn_optim.build_scheduler(optimizer, self.cfg, pysot_epoch)


def _build_siamattn_for_training(cfg: ConfigNode) -> nn.Module:
    model = build_siamattn(cfg)
    prepare_backbone(model, cfg.TRAIN.PRETRAINED)
    return model


def _siamattn_parts(model: nn.Module, cfg: ConfigNode) -> TrainingParts:
    processing = SiamAttnProcessing.from_config(cfg)
    actor = SiamAttnActor(model, processing.grid, SiamAttnLossConfig.from_config(cfg))
    actor.freeze_backbone(cfg, 0)
    optimizer = siamattn_optim.build_optimizer(model, cfg)
    return TrainingParts(actor, optimizer, siamattn_optim.build_scheduler(optimizer, cfg, 0),
                         stage=SiamAttnStage(actor, cfg))


TRAINING_RECIPES: dict[str, TrainingRecipe] = {
    "aiatrack": TrainingRecipe("AIATRACK", lambda cfg: build_aiatrack(cfg, training=True),
                               lambda cfg, datasets, rank: build_train_sampler(cfg, datasets, rank=rank),
                               _aiatrack_parts),
    "siamattn": TrainingRecipe("SIAMATTN", _build_siamattn_for_training,
                               lambda cfg, datasets, rank: SiamPairSampler.from_config(cfg, datasets, rank=rank),
                               _siamattn_parts),
}


def training_recipe(tracker: str) -> TrainingRecipe:
    """The recipe of ``tracker``; ``ValueError`` naming the known trackers otherwise."""
    if tracker not in TRAINING_RECIPES:
        raise ValueError(f"no training recipe for tracker {tracker!r} (known: {', '.join(sorted(TRAINING_RECIPES))})")
    return TRAINING_RECIPES[tracker]
