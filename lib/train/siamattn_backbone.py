"""ImageNet-pretrained backbone weights for SiamAttn training (pysot ``BACKBONE.PRETRAINED``: the
``pretrained/resnet.pth`` of the pysot model zoo, a state dict of the atrous ResNet-50 with the same
names as ``model.backbone``; the official training starts from it).
"""
from __future__ import annotations

import warnings
from collections.abc import Mapping
from pathlib import Path

import torch
from torch import nn

IGNORED_PREFIXES = ("fc.",)
STRIPPED_PREFIXES = ("module.", "backbone.")


def load_backbone_weights(backbone: nn.Module, path: str | Path) -> None:
    """Load a (possibly ``{'state_dict': ...}``-wrapped, ``module.``-prefixed) backbone state dict strictly,
    ``fc.*`` and BatchNorm counters ignored. Raises ``FileNotFoundError`` / ``ValueError`` naming the file."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"backbone weights file not found: {path} (TRAIN.PRETRAINED)")
    try:
        loaded = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as error:  # unreadable or not a tensor file: report the file
        reason = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        raise ValueError(f"{path}: cannot read backbone weights ({reason})") from None
    if isinstance(loaded, Mapping) and isinstance(loaded.get("state_dict"), Mapping):
        loaded = loaded["state_dict"]
    if not isinstance(loaded, Mapping) or not all(torch.is_tensor(v) for v in loaded.values()):
        raise ValueError(f"{path}: expected a backbone state dict (name -> tensor)")
    state = {}
    for key, value in loaded.items():
        for prefix in STRIPPED_PREFIXES:
            key = key[len(prefix):] if key.startswith(prefix) else key
        if not key.startswith(IGNORED_PREFIXES) and not key.endswith("num_batches_tracked"):
            state[key] = value
    expected = {k: v for k, v in backbone.state_dict().items() if not k.endswith("num_batches_tracked")}
    missing, unexpected = sorted(set(expected) - set(state)), sorted(set(state) - set(expected))
    mismatched = [f"{k}: file {tuple(state[k].shape)} vs model {tuple(v.shape)}"
                  for k, v in expected.items() if k in state and state[k].shape != v.shape]
    if missing or unexpected or mismatched:
        problems = [f"{label} {items[:5]}{' ...' if len(items) > 5 else ''}"
                    for label, items in (("missing", missing), ("unexpected", unexpected),
                                         ("shape mismatch", mismatched)) if items]
        raise ValueError(f"{path}: not a state dict of this backbone: {'; '.join(problems)}")
    backbone.load_state_dict(state, strict=False)


def prepare_backbone(model: nn.Module, pretrained: str) -> None:
    """Load ``TRAIN.PRETRAINED`` into ``model.backbone``; warn loudly when it is empty."""
    if pretrained:
        load_backbone_weights(model.backbone, pretrained)
    else:
        warnings.warn("SiamAttn backbone starts from RANDOM weights: TRAIN.PRETRAINED is empty (the official "
                      "training starts from pysot's ImageNet ResNet-50, pretrained/resnet.pth)", stacklevel=2)
