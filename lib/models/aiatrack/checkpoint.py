"""AiATrack checkpoints: the official files and ours, read without running pickled code, loaded strictly.

Three kinds of files load through :func:`load_checkpoint`:

* the authors' raw training checkpoints (``net`` plus ``optimizer``, ``stats`` and ``settings`` objects of
  classes from the official repository, whose package is also called ``lib``),
* ``net``-only files in the official key names (e.g. fine-tuned releases),
* our own checkpoints (our key names; plain ``torch.load(weights_only=True)`` reads them too): those of
  ``tracking/train.py``, which store the training configuration as a plain dict under ``config``, and
  files marked ``format: 'aiatrack-pytorch'``.

Reading is :mod:`lib.utils.safe_pickle`'s (no pickled code runs; only the ``net`` storages are read); a
wrapper prefix (``module.``, ``_orig_mod.``) carried by every key is removed before strict loading.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping

import torch
from torch import Tensor, nn

from lib.models.aiatrack.official_keys import is_official_state_dict, official_to_ours
from lib.utils.safe_pickle import (CHECKPOINT_FORMAT, CheckpointError, is_ours, read_guarded, stored_config,
                                   strip_wrapper_prefix)

__all__ = ["CheckpointError", "CheckpointInfo", "load_checkpoint", "read_checkpoint"]

_MAX_LISTED_KEYS = 8


@dataclass
class CheckpointInfo:
    """What a checkpoint held besides the weights."""

    path: Path
    format: str                 # 'aiatrack-pytorch' (ours) or 'official'
    official_keys: bool         # the file used the official key names (translated on reading)
    epoch: int | None
    fields: tuple[str, ...]     # top-level entries of the file; only 'net' (and 'epoch', 'config') are used
    config: dict | None = None  # our checkpoints: the training configuration as a plain dict
    stripped_prefix: str = ""   # wrapper prefix removed from every key (e.g. 'module.'), '' when none
    extra: dict[str, Any] = field(default_factory=dict)  # other plain-text entries (net_type, actor_type)


def read_checkpoint(path: str | Path,
                    map_location: str | torch.device = "cpu") -> tuple[dict[str, Tensor], CheckpointInfo]:
    """Read the network weights of a checkpoint, in our key names, without running any pickled code.

    Returns ``(state_dict, info)``. Raises :class:`CheckpointError` (naming the file) for a missing,
    truncated or corrupt file, or one without a ``net`` state dict.
    """
    path = Path(path)
    top, net = read_guarded(path, ("net",))
    if net is None:
        kind = f"dict with entries {sorted(map(str, top))}" if isinstance(top, Mapping) else type(top).__name__
        raise CheckpointError(path, f"not an AiATrack checkpoint: expected a dict with a 'net' state dict, "
                                    f"found a {kind}")
    ours = is_ours(top)
    net, stripped = strip_wrapper_prefix(net)
    official_keys = is_official_state_dict(net)
    epoch = top.get("epoch")
    info = CheckpointInfo(
        path=path,
        format=CHECKPOINT_FORMAT if ours else "official",
        official_keys=official_keys,
        epoch=epoch if isinstance(epoch, int) else None,
        fields=tuple(sorted(str(k) for k in top)),
        config=stored_config(top),
        extra={k: top[k] for k in ("net_type", "actor_type") if isinstance(top.get(k), str)},
        stripped_prefix=stripped,
    )
    del top  # drop the unpickled optimizer/statistics/settings structures right away
    if official_keys:
        net = official_to_ours(net)
    return {k: v.to(map_location) for k, v in net.items()}, info


def load_checkpoint(model: nn.Module, path: str | Path,
                    map_location: str | torch.device = "cpu") -> CheckpointInfo:
    """Load a checkpoint's weights into ``model`` strictly: every key present, none extra, shapes equal.

    Accepts the official raw training checkpoints, official ``net``-only files and our own checkpoints,
    also when saved from a ``DataParallel``/DDP or ``torch.compile`` wrapper (see :func:`strip_wrapper_prefix`).
    Raises :class:`CheckpointError` naming the file and the offending keys when the weights do not fit.
    """
    state, info = read_checkpoint(path, map_location)
    expected = model.state_dict()
    missing = sorted(set(expected) - set(state))
    unexpected = sorted(set(state) - set(expected))
    wrong_shape = [f"{k} (file {tuple(state[k].shape)}, model {tuple(expected[k].shape)})"
                   for k in expected if k in state and state[k].shape != expected[k].shape]
    problems = [f"{label}: {_listing(keys)}" for label, keys in
                (("missing keys", missing), ("unexpected keys", unexpected), ("wrong shapes", wrong_shape)) if keys]
    if problems:
        raise CheckpointError(path, f"weights do not fit the model ({info.format} checkpoint); "
                                    + "; ".join(problems))
    model.load_state_dict(state, strict=True)
    return info


def _listing(keys: list[str]) -> str:
    shown = ", ".join(keys[:_MAX_LISTED_KEYS])
    return shown if len(keys) <= _MAX_LISTED_KEYS else f"{shown} and {len(keys) - _MAX_LISTED_KEYS} more"
