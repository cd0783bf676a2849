"""SiamAttn's training recipe: pysot's sampler and targets, the frozen-then-unfrozen backbone, SGD stages."""
from __future__ import annotations

from torch import nn

from lib.config import ConfigNode
from lib.models.siamattn import build_siamattn
from lib.train.recipe import TrainingRecipe
from lib.train.siamattn import optim
from lib.train.siamattn.actor import SiamAttnActor, SiamAttnLossConfig
from lib.train.siamattn.backbone import prepare_backbone
from lib.train.siamattn.processing import SiamAttnProcessing
from lib.train.siamattn.sampler import SiamPairSampler
from lib.train.trainer import TrainingParts
from lib.train.trainer.trainer import OptimizerStage

__all__ = ["RECIPE", "SiamAttnStage"]


class SiamAttnStage:
    """``TrainingParts.stage`` of SiamAttn: a new SGD and schedule when the backbone switches on (pysot
    rebuilds both at ``TRAIN.BACKBONE_TRAIN_EPOCH``)."""

    def __init__(self, actor: SiamAttnActor, cfg: ConfigNode) -> None:
        self.actor, self.cfg = actor, cfg
        self.backbone_trains = optim.backbone_trains(cfg, 0)

    def __call__(self, epoch: int) -> OptimizerStage | None:
        pysot_epoch = epoch - 1
        trains = optim.backbone_trains(self.cfg, pysot_epoch)
        if trains == self.backbone_trains:
            return None
        self.backbone_trains = trains
        self.actor.freeze_backbone(self.cfg, pysot_epoch)
        optimizer = optim.build_optimizer(self.actor.model, self.cfg)
        return optimizer, optim.build_scheduler(optimizer, self.cfg, pysot_epoch)


def _build_siamattn_for_training(cfg: ConfigNode) -> nn.Module:
    model = build_siamattn(cfg)
    prepare_backbone(model, cfg.TRAIN.PRETRAINED)
    return model


def _siamattn_parts(model: nn.Module, cfg: ConfigNode) -> TrainingParts:
    processing = SiamAttnProcessing.from_config(cfg)
    actor = SiamAttnActor(model, processing.grid, SiamAttnLossConfig.from_config(cfg))
    actor.freeze_backbone(cfg, 0)
    optimizer = optim.build_optimizer(model, cfg)
    return TrainingParts(actor, optimizer, optim.build_scheduler(optimizer, cfg, 0),
                         stage=SiamAttnStage(actor, cfg))


RECIPE = TrainingRecipe(_build_siamattn_for_training,
                        lambda cfg, datasets, rank: SiamPairSampler.from_config(cfg, datasets, rank=rank),
                        _siamattn_parts)
