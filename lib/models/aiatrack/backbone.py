"""ResNet trunk (conv1 .. layer3, stride 16): ``torchvision.models.resnet`` without layer4/avgpool/fc.

Parameter and buffer names are torchvision's (``conv1``, ``bn1``, ``layer1.0.conv1``,
``layer1.0.downsample.0`` ...), so torchvision ImageNet weights and the official AiATrack checkpoints
load directly. Bottleneck blocks put the stride on the 3x3 conv (ResNet v1.5). Normalization layers
are torchvision's :class:`~torchvision.ops.misc.FrozenBatchNorm2d` by default
(``x * scale + (bias - mean * scale)``, ``scale = weight * rsqrt(running_var + 1e-5)``, Q9).
"""
from __future__ import annotations

from pathlib import Path

from torch import Tensor, nn
from torchvision.models.resnet import BasicBlock, Bottleneck, ResNet
from torchvision.ops.misc import FrozenBatchNorm2d

from lib.models.ops.pretrained import load_pretrained_backbone

__all__ = ["FrozenBatchNorm2d", "ResNetTrunk", "build_resnet_trunk", "load_imagenet_weights"]

# type name -> (block class, number of blocks in layer1..layer3)
_ARCHITECTURES: dict[str, tuple[type[nn.Module], list[int]]] = {
    "resnet18": (BasicBlock, [2, 2, 2]),
    "resnet34": (BasicBlock, [3, 4, 6]),
    "resnet50": (Bottleneck, [3, 4, 6]),
}


class ResNetTrunk(ResNet):
    """torchvision ResNet stem + layer1..layer3: (B, 3, H, W) -> (B, num_channels, H/16, W/16)."""

    stride = 16

    def __init__(self, block: type[nn.Module], layers: list[int], norm_layer: type[nn.Module]):
        # torchvision always builds layer4 and the classifier: one layer4 block (the least it
        # accepts) and a 1-class fc keep that short-lived memory small before they are removed.
        super().__init__(block, [*layers, 1], num_classes=1, norm_layer=norm_layer)
        del self.layer4, self.avgpool, self.fc
        self.num_channels = 256 * block.expansion

    def forward(self, images: Tensor) -> Tensor:
        x = self.maxpool(self.relu(self.bn1(self.conv1(images))))
        return self.layer3(self.layer2(self.layer1(x)))


def build_resnet_trunk(type_name: str, frozen_bn: bool = True) -> ResNetTrunk:
    """ResNet trunk of the given type (``resnet18``, ``resnet34``, ``resnet50``), random weights."""
    if type_name not in _ARCHITECTURES:
        raise ValueError(f"MODEL.BACKBONE.TYPE must be one of {sorted(_ARCHITECTURES)}, got {type_name!r}")
    block, layers = _ARCHITECTURES[type_name]
    return ResNetTrunk(block, layers, FrozenBatchNorm2d if frozen_bn else nn.BatchNorm2d)


def load_imagenet_weights(trunk: ResNetTrunk, path: str | Path) -> None:
    """Load torchvision-format ResNet weights from a local file into ``trunk``.

    ``layer4``/``fc`` entries and BatchNorm counters are ignored; any other missing, extra or
    mis-shaped entry is an error naming the file (e.g. a ResNet-18 file for a ResNet-50 trunk).
    """
    load_pretrained_backbone(trunk, path, describe="torchvision ResNet state dict",
                             hint="set MODEL.BACKBONE.PRETRAINED_PATH to a torchvision ResNet .pth file",
                             ignored_prefixes=("layer4.", "fc."))
