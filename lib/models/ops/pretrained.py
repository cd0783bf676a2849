"""Loading ImageNet-pretrained backbone weights from a local file, checked key by key (both trackers)."""
from __future__ import annotations

from pathlib import Path
from typing import Mapping

import torch
from torch import nn

__all__ = ["load_pretrained_backbone"]


def load_pretrained_backbone(module: nn.Module, path: str | Path, *, describe: str, hint: str,
                             ignored_prefixes: tuple[str, ...] = (), stripped_prefixes: tuple[str, ...] = ()) -> None:
    """Load ImageNet weights (a state dict, possibly wrapped as ``{'state_dict': ...}``) into ``module``.

    ``stripped_prefixes`` are removed from the keys, entries under ``ignored_prefixes`` and BatchNorm
    counters are dropped; any other missing, extra or mis-shaped entry is a ``ValueError`` naming the file
    and ``describe`` (what the file should be). A missing file is a ``FileNotFoundError`` ending in ``hint``.
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"backbone weights file not found: {path} ({hint})")
    try:
        loaded = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as error:  # unreadable or not a tensor file: report the file, not a stack trace
        reason = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        raise ValueError(f"{path}: cannot read backbone weights ({reason})") from None
    if isinstance(loaded, Mapping) and isinstance(loaded.get("state_dict"), Mapping):
        loaded = loaded["state_dict"]
    if not isinstance(loaded, Mapping) or not all(torch.is_tensor(v) for v in loaded.values()):
        raise ValueError(f"{path}: expected {describe} (name -> tensor)")
    state = {}
    for key, value in loaded.items():
        for prefix in stripped_prefixes:
            key = key[len(prefix):] if key.startswith(prefix) else key
        if not key.startswith(ignored_prefixes) and not key.endswith("num_batches_tracked"):
            state[key] = value
    expected = {k: v for k, v in module.state_dict().items() if not k.endswith("num_batches_tracked")}
    missing = sorted(set(expected) - set(state))
    unexpected = sorted(set(state) - set(expected))
    mismatched = [f"{k}: file {tuple(state[k].shape)} vs model {tuple(v.shape)}"
                  for k, v in expected.items() if k in state and state[k].shape != v.shape]
    if missing or unexpected or mismatched:
        problems = [f"{label} {items[:5]}{' ...' if len(items) > 5 else ''}"
                    for label, items in (("missing", missing), ("unexpected", unexpected),
                                         ("shape mismatch", mismatched)) if items]
        raise ValueError(f"{path}: not a matching {describe} for this backbone ({'; '.join(problems)})")
    module.load_state_dict(state, strict=False)  # complete up to BatchNorm counters, checked above
