"""Folding eval-mode BatchNorm into the preceding convolution (both trackers' inference forms).

``W' = W * s``, ``b' = (b - mean) * s + beta`` with ``s = gamma / sqrt(var + eps)``, computed in float64; the
BatchNorm becomes an identity. Same function up to float rounding (relative differences ~1e-6).
"""
from __future__ import annotations

import torch
from torch import nn
from torchvision.ops.misc import FrozenBatchNorm2d

__all__ = ["fold_batchnorm"]

_NORMS = (FrozenBatchNorm2d, nn.BatchNorm2d)


def _fold_pair(conv: nn.Conv2d, norm: nn.Module) -> None:
    """Fold ``norm`` (applied right after ``conv``) into the convolution's weight and bias, in place."""
    if isinstance(norm, nn.BatchNorm2d) and norm.training:
        raise ValueError("cannot fold a BatchNorm2d in training mode (call .eval() first)")
    scale = norm.weight.double() * torch.rsqrt(norm.running_var.double() + norm.eps)
    bias = conv.bias.double() if conv.bias is not None else torch.zeros_like(scale)
    with torch.no_grad():
        new_weight = (conv.weight.double() * scale.view(-1, 1, 1, 1)).to(conv.weight.dtype)
        new_bias = ((bias - norm.running_mean.double()) * scale + norm.bias.double()).to(conv.weight.dtype)
    conv.weight = nn.Parameter(new_weight, requires_grad=False)
    conv.bias = nn.Parameter(new_bias, requires_grad=False)


def fold_batchnorm(module: nn.Module) -> int:
    """Fold every Conv2d -> BatchNorm pair of ``module`` in place; returns the number of pairs folded.

    Pairs are found as consecutive entries of an ``nn.Sequential``, as sibling attributes
    ``convN``/``bnN`` (torchvision ResNet blocks and stem) and as ``conv``/``BN<channels>`` (mmdetection
    ``ConvModule`` names, SiamAttn fusion and mask head); the folded norm becomes ``nn.Identity``.
    """
    folded = 0
    for parent in list(module.modules()):
        if isinstance(parent, nn.Sequential):
            for i in range(len(parent) - 1):
                if isinstance(parent[i], nn.Conv2d) and isinstance(parent[i + 1], _NORMS):
                    _fold_pair(parent[i], parent[i + 1])
                    parent[i + 1] = nn.Identity()
                    folded += 1
        for name, child in list(parent.named_children()):
            partner = "conv" + name[2:] if name.startswith("bn") else "conv" if name.startswith("BN") else ""
            conv = getattr(parent, partner, None) if partner else None
            if isinstance(child, _NORMS) and isinstance(conv, nn.Conv2d):
                _fold_pair(conv, child)
                setattr(parent, name, nn.Identity())
                folded += 1
    return folded
