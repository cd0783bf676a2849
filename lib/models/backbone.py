"""ResNet trunk (conv1 .. layer3, stride 16) with torchvision's state-dict layout.

Parameter and buffer names are those of ``torchvision.models.resnet`` (``conv1``, ``bn1``,
``layer1.0.conv1``, ``layer1.0.downsample.0`` ...), so ImageNet weights saved by torchvision load
directly; torchvision itself is not imported. Bottleneck blocks put the stride on the 3x3 conv
(ResNet v1.5). Normalization layers are :class:`FrozenBatchNorm2d` by default.
"""
from __future__ import annotations

from pathlib import Path
from typing import Callable, Mapping

import torch
from torch import Tensor, nn

__all__ = ["FrozenBatchNorm2d", "ResNetTrunk", "build_resnet_trunk", "load_imagenet_weights"]

NormFactory = Callable[[int], nn.Module]


class FrozenBatchNorm2d(nn.Module):
    """BatchNorm with fixed statistics and affine terms: ``x * scale + (bias - mean * scale)``.

    ``scale = weight * rsqrt(running_var + eps)`` with ``eps = 1e-5`` added inside the root (Q9).
    All four tensors are buffers: they are saved and loaded but never trained.
    """

    def __init__(self, num_features: int, eps: float = 1e-5):
        super().__init__()
        self.eps = eps
        self.register_buffer("weight", torch.ones(num_features))
        self.register_buffer("bias", torch.zeros(num_features))
        self.register_buffer("running_mean", torch.zeros(num_features))
        self.register_buffer("running_var", torch.ones(num_features))

    def _load_from_state_dict(self, state_dict, prefix, local_metadata, strict, missing_keys,
                              unexpected_keys, error_msgs):
        # Weights converted from a regular BatchNorm2d carry a counter this layer has no use for.
        state_dict.pop(prefix + "num_batches_tracked", None)
        super()._load_from_state_dict(state_dict, prefix, local_metadata, strict, missing_keys,
                                      unexpected_keys, error_msgs)

    def forward(self, x: Tensor) -> Tensor:
        scale = self.weight.view(1, -1, 1, 1) * (self.running_var.view(1, -1, 1, 1) + self.eps).rsqrt()
        shift = self.bias.view(1, -1, 1, 1) - self.running_mean.view(1, -1, 1, 1) * scale
        return x * scale + shift

    def extra_repr(self) -> str:
        return f"{self.weight.shape[0]}, eps={self.eps}"


def _conv3x3(in_planes: int, out_planes: int, stride: int = 1) -> nn.Conv2d:
    return nn.Conv2d(in_planes, out_planes, kernel_size=3, stride=stride, padding=1, bias=False)


def _conv1x1(in_planes: int, out_planes: int, stride: int = 1) -> nn.Conv2d:
    return nn.Conv2d(in_planes, out_planes, kernel_size=1, stride=stride, bias=False)


class BasicBlock(nn.Module):
    """Two 3x3 convolutions with a residual connection (ResNet-18/34)."""

    expansion = 1

    def __init__(self, in_planes: int, planes: int, stride: int, downsample: nn.Module | None,
                 norm: NormFactory):
        super().__init__()
        self.conv1 = _conv3x3(in_planes, planes, stride)
        self.bn1 = norm(planes)
        self.conv2 = _conv3x3(planes, planes)
        self.bn2 = norm(planes)
        self.relu = nn.ReLU(inplace=True)
        self.downsample = downsample

    def forward(self, x: Tensor) -> Tensor:
        identity = x if self.downsample is None else self.downsample(x)
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        return self.relu(out + identity)


class Bottleneck(nn.Module):
    """1x1 reduce, 3x3 (carrying the stride), 1x1 expand by 4, residual connection (ResNet-50+)."""

    expansion = 4

    def __init__(self, in_planes: int, planes: int, stride: int, downsample: nn.Module | None,
                 norm: NormFactory):
        super().__init__()
        self.conv1 = _conv1x1(in_planes, planes)
        self.bn1 = norm(planes)
        self.conv2 = _conv3x3(planes, planes, stride)
        self.bn2 = norm(planes)
        self.conv3 = _conv1x1(planes, planes * self.expansion)
        self.bn3 = norm(planes * self.expansion)
        self.relu = nn.ReLU(inplace=True)
        self.downsample = downsample

    def forward(self, x: Tensor) -> Tensor:
        identity = x if self.downsample is None else self.downsample(x)
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.relu(self.bn2(self.conv2(out)))
        out = self.bn3(self.conv3(out))
        return self.relu(out + identity)


# type name -> (block class, number of blocks in layer1..layer3)
_ARCHITECTURES: dict[str, tuple[type[nn.Module], tuple[int, int, int]]] = {
    "resnet18": (BasicBlock, (2, 2, 2)),
    "resnet34": (BasicBlock, (3, 4, 6)),
    "resnet50": (Bottleneck, (3, 4, 6)),
}


class ResNetTrunk(nn.Module):
    """ResNet stem + layer1..layer3: (B, 3, H, W) -> (B, num_channels, H/16, W/16)."""

    stride = 16

    def __init__(self, block: type[nn.Module], layers: tuple[int, int, int], norm: NormFactory):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 64, kernel_size=7, stride=2, padding=3, bias=False)
        self.bn1 = norm(64)
        self.relu = nn.ReLU(inplace=True)
        self.maxpool = nn.MaxPool2d(kernel_size=3, stride=2, padding=1)
        in_planes = 64
        stages = []
        for planes, blocks, stride in zip((64, 128, 256), layers, (1, 2, 2)):
            stages.append(self._make_stage(block, in_planes, planes, blocks, stride, norm))
            in_planes = planes * block.expansion
        self.layer1, self.layer2, self.layer3 = stages
        self.num_channels = in_planes
        for module in self.modules():
            if isinstance(module, nn.Conv2d):
                nn.init.kaiming_normal_(module.weight, mode="fan_out", nonlinearity="relu")

    @staticmethod
    def _make_stage(block: type[nn.Module], in_planes: int, planes: int, blocks: int, stride: int,
                    norm: NormFactory) -> nn.Sequential:
        out_planes = planes * block.expansion
        downsample = None
        if stride != 1 or in_planes != out_planes:
            downsample = nn.Sequential(_conv1x1(in_planes, out_planes, stride), norm(out_planes))
        modules = [block(in_planes, planes, stride, downsample, norm)]
        modules += [block(out_planes, planes, 1, None, norm) for _ in range(1, blocks)]
        return nn.Sequential(*modules)

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
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"backbone weights file not found: {path} "
                                "(set MODEL.BACKBONE.PRETRAINED_PATH to a torchvision ResNet .pth file)")
    try:
        loaded = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as error:  # unreadable or not a tensor file: report the file, not a stack trace
        reason = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        raise ValueError(f"{path}: cannot read backbone weights ({reason})") from None
    if isinstance(loaded, Mapping) and "state_dict" in loaded and isinstance(loaded["state_dict"], Mapping):
        loaded = loaded["state_dict"]
    if not isinstance(loaded, Mapping) or not all(torch.is_tensor(v) for v in loaded.values()):
        raise ValueError(f"{path}: expected a torchvision ResNet state dict (name -> tensor)")
    state = {k: v for k, v in loaded.items()
             if not k.startswith(("layer4.", "fc.")) and not k.endswith("num_batches_tracked")}
    expected = {k: v for k, v in trunk.state_dict().items() if not k.endswith("num_batches_tracked")}
    missing = sorted(set(expected) - set(state))
    unexpected = sorted(set(state) - set(expected))
    mismatched = [f"{k}: file {tuple(state[k].shape)} vs model {tuple(v.shape)}"
                  for k, v in expected.items() if k in state and state[k].shape != v.shape]
    if missing or unexpected or mismatched:
        problems = [f"{label} {items[:5]}{' ...' if len(items) > 5 else ''}"
                    for label, items in (("missing", missing), ("unexpected", unexpected),
                                         ("shape mismatch", mismatched)) if items]
        raise ValueError(f"{path}: not a matching torchvision ResNet state dict for this backbone "
                         f"({'; '.join(problems)})")
    trunk.load_state_dict(state, strict=False)  # complete up to BatchNorm counters, checked above
