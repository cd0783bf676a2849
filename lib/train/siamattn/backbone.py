"""ImageNet-pretrained backbone weights for SiamAttn training (pysot ``BACKBONE.PRETRAINED``: the
``pretrained/resnet.pth`` of the pysot model zoo, a state dict of the atrous ResNet-50 with the same
names as ``model.backbone``; the official training starts from it).
"""
from __future__ import annotations

import warnings
from pathlib import Path

from torch import nn

from lib.models.ops.pretrained import load_pretrained_backbone

IGNORED_PREFIXES = ("fc.",)
STRIPPED_PREFIXES = ("module.", "backbone.")


def load_backbone_weights(backbone: nn.Module, path: str | Path) -> None:
    """Load a (possibly ``{'state_dict': ...}``-wrapped, ``module.``-prefixed) backbone state dict strictly,
    ``fc.*`` and BatchNorm counters ignored. Raises ``FileNotFoundError`` / ``ValueError`` naming the file."""
    load_pretrained_backbone(backbone, path, describe="pysot ResNet state dict", hint="TRAIN.PRETRAINED",
                             ignored_prefixes=IGNORED_PREFIXES, stripped_prefixes=STRIPPED_PREFIXES)


def prepare_backbone(model: nn.Module, pretrained: str) -> None:
    """Load ``TRAIN.PRETRAINED`` into ``model.backbone``; warn loudly when it is empty."""
    if pretrained:
        load_backbone_weights(model.backbone, pretrained)
    else:
        warnings.warn("SiamAttn backbone starts from RANDOM weights: TRAIN.PRETRAINED is empty (the official "
                      "training starts from pysot's ImageNet ResNet-50, pretrained/resnet.pth)", stacklevel=2)
