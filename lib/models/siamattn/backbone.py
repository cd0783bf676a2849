"""The pysot "atrous" ResNet of SiamRPN++ / SiamAttn: stride 8 from layer2 on, five output levels.

Quirks K1-K2 of docs/quirks-siamattn.md:

* conv1 is 7×7, stride 2, **padding 0**; maxpool 3×3, stride 2, padding 1;
* the stride sits on the first 3×3 conv of a block; a strided 3×3 conv has padding 0, every other 3×3
  conv has padding = dilation;
* layer2 (stride 2) downsamples with a 3×3 conv, stride 2, padding 0;
* layer3 and layer4 keep stride 1 with dilation 2 and 4; their first block uses half the dilation in its
  3×3 conv and in its 3×3 downsample conv (padding = that dilation);
* outputs are ``[ReLU(BN(conv1)) before the maxpool, layer1, layer2, layer3, layer4]``.

Search crops 255 → 125, 63, 31, 31, 31; template crops 127 → 61, 31, 15, 15, 15. State-dict names are
those of the official model (``conv1``, ``bn1``, ``layerN.B.{conv1,bn1,...}``, ``layerN.0.downsample.{0,1}``).
"""
from __future__ import annotations

import math

from torch import Tensor, nn

__all__ = ["AtrousResNet", "BACKBONES", "build_backbone", "level_sizes"]


def _conv_bn(in_planes: int, out_planes: int, kernel: int, stride: int = 1, padding: int = 0,
             dilation: int = 1) -> tuple[nn.Conv2d, nn.BatchNorm2d]:
    conv = nn.Conv2d(in_planes, out_planes, kernel, stride=stride, padding=padding, dilation=dilation, bias=False)
    return conv, nn.BatchNorm2d(out_planes)


def _first_conv_geometry(stride: int, dilation: int, downsamples: bool) -> tuple[int, int]:
    """(dilation, padding) of a block's strided/first 3×3 conv (K1)."""
    if downsamples and dilation > 1:
        dilation //= 2
    return dilation, (dilation if dilation > 1 else 2 - stride)


class Bottleneck(nn.Module):
    """1×1 → 3×3 (stride, dilation) → 1×1 (×4 channels), each with BN; ReLU after the residual sum."""

    expansion = 4

    def __init__(self, in_planes: int, planes: int, stride: int = 1, dilation: int = 1,
                 downsample: nn.Module | None = None) -> None:
        super().__init__()
        dil, pad = _first_conv_geometry(stride, dilation, downsample is not None)
        self.conv1, self.bn1 = _conv_bn(in_planes, planes, 1)
        self.conv2, self.bn2 = _conv_bn(planes, planes, 3, stride, pad, dil)
        self.conv3, self.bn3 = _conv_bn(planes, planes * 4, 1)
        self.relu = nn.ReLU(inplace=True)
        self.downsample = downsample

    def forward(self, x: Tensor) -> Tensor:
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.relu(self.bn2(self.conv2(out)))
        out = self.bn3(self.conv3(out))
        identity = x if self.downsample is None else self.downsample(x)
        return self.relu(out + identity)


class BasicBlock(nn.Module):
    """3×3 (stride, dilation) → 3×3 (dilation), each with BN; ReLU after the residual sum."""

    expansion = 1

    def __init__(self, in_planes: int, planes: int, stride: int = 1, dilation: int = 1,
                 downsample: nn.Module | None = None) -> None:
        super().__init__()
        dil, pad = _first_conv_geometry(stride, dilation, downsample is not None)
        self.conv1, self.bn1 = _conv_bn(in_planes, planes, 3, stride, pad, dil)
        self.conv2, self.bn2 = _conv_bn(planes, planes, 3, 1, dilation, dilation)
        self.relu = nn.ReLU(inplace=True)
        self.downsample = downsample

    def forward(self, x: Tensor) -> Tensor:
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        identity = x if self.downsample is None else self.downsample(x)
        return self.relu(out + identity)


class AtrousResNet(nn.Module):
    """conv1 … layer4 with dilated layer3/layer4; ``forward`` returns the five levels (list of tensors)."""

    def __init__(self, block: type[Bottleneck] | type[BasicBlock], layers: tuple[int, int, int, int]) -> None:
        super().__init__()
        self._in_planes = 64
        self.conv1, self.bn1 = _conv_bn(3, 64, 7, stride=2, padding=0)
        self.relu = nn.ReLU(inplace=True)
        self.maxpool = nn.MaxPool2d(kernel_size=3, stride=2, padding=1)
        self.layer1 = self._make_layer(block, 64, layers[0])
        self.layer2 = self._make_layer(block, 128, layers[1], stride=2)
        self.layer3 = self._make_layer(block, 256, layers[2], dilation=2)
        self.layer4 = self._make_layer(block, 512, layers[3], dilation=4)
        self.channels = [64] + [p * block.expansion for p in (64, 128, 256, 512)]
        self._init_weights()

    def _make_layer(self, block: type[Bottleneck] | type[BasicBlock], planes: int, blocks: int,
                    stride: int = 1, dilation: int = 1) -> nn.Sequential:
        out_planes = planes * block.expansion
        downsample = None
        if stride != 1 or self._in_planes != out_planes:
            if stride == 1 and dilation == 1:
                downsample = nn.Sequential(*_conv_bn(self._in_planes, out_planes, 1))
            else:
                dil = dilation // 2 if dilation > 1 else 1
                pad = dil if dilation > 1 else 0
                downsample = nn.Sequential(*_conv_bn(self._in_planes, out_planes, 3, stride, pad, dil))
        layers = [block(self._in_planes, planes, stride, dilation, downsample)]
        self._in_planes = out_planes
        layers += [block(out_planes, planes, dilation=dilation) for _ in range(1, blocks)]
        return nn.Sequential(*layers)

    def _init_weights(self) -> None:
        """Official init: conv weights N(0, sqrt(2 / (k·k·out))), BN weight 1 and bias 0."""
        for module in self.modules():
            if isinstance(module, nn.Conv2d):
                fan = module.kernel_size[0] * module.kernel_size[1] * module.out_channels
                nn.init.normal_(module.weight, 0.0, math.sqrt(2.0 / fan))
            elif isinstance(module, nn.BatchNorm2d):
                nn.init.ones_(module.weight)
                nn.init.zeros_(module.bias)

    def forward(self, x: Tensor) -> list[Tensor]:
        """x (B, 3, H, W) → [level0 (B, 64, ·), level1 … level4] (sizes in the module docstring)."""
        level0 = self.relu(self.bn1(self.conv1(x)))
        level1 = self.layer1(self.maxpool(level0))
        level2 = self.layer2(level1)
        level3 = self.layer3(level2)
        return [level0, level1, level2, level3, self.layer4(level3)]


BACKBONES = {
    "resnet50": lambda: AtrousResNet(Bottleneck, (3, 4, 6, 3)),
    "resnet18": lambda: AtrousResNet(BasicBlock, (2, 2, 2, 2)),
}


def level_sizes(side: int) -> list[int]:
    """Side of levels 0-4 for a square input of ``side`` pixels (conv1 p0 s2, maxpool, layer2 p0 s2)."""
    level0 = (side - 7) // 2 + 1
    level1 = (level0 - 1) // 2 + 1
    level2 = (level1 - 3) // 2 + 1
    return [level0, level1, level2, level2, level2]


def build_backbone(name: str) -> AtrousResNet:
    """``resnet50`` (official) or ``resnet18`` (light); raises ``ValueError`` for other names."""
    if name not in BACKBONES:
        raise ValueError(f"unknown SiamAttn backbone {name!r} (known: {', '.join(sorted(BACKBONES))})")
    return BACKBONES[name]()
