"""Trackers for evaluation, and the registry the benchmark runner builds them from.

A registered loader turns (config, checkpoint, device) into a factory ``dataset_name -> Tracker``; the
runner calls the loader once per worker process (the network is loaded once) and the factory once per
sequence (fresh tracking state, benchmark-specific hyper-parameters).
"""
from __future__ import annotations

import warnings
from pathlib import Path
from typing import Callable

import torch

from lib.config import ConfigNode, config_differences, config_from_dict, config_tracker, list_differences
from lib.models import build_aiatrack, load_checkpoint, prepare_for_tracking
from lib.models.checkpoint import CheckpointError, read_training_config
from lib.models.siamattn import build_siamattn, load_siamattn_checkpoint
from lib.models.siamattn.inference import prepare_siamattn_for_tracking
from lib.test.tracker.aiatrack import AiATracker
from lib.test.tracker.base import Tracker
from lib.test.tracker.siamattn import SiamAttnTracker

TrackerFactory = Callable[[str], Tracker]


def load_aiatrack(cfg: ConfigNode, checkpoint: str | Path | None, device: str | torch.device) -> TrackerFactory:
    """Build the AiATrack network from ``cfg``, load ``checkpoint`` (``None``: random weights, warned)."""
    if checkpoint is None:
        warnings.warn("AiATrack runs with RANDOMLY INITIALISED weights: its boxes are meaningless", stacklevel=2)
        torch.manual_seed(0)  # the same random network in every process and run
    model = build_aiatrack(cfg)
    if checkpoint is not None:
        load_checkpoint(model, checkpoint)
    # Prepared once per process (folded BatchNorm, channels-last, TEST.PRECISION); trackers share it.
    model = prepare_for_tracking(model.to(device), cfg.TEST.PRECISION, copy_model=False)
    return lambda dataset_name: AiATracker(model, cfg, dataset_name)


def load_siamattn(cfg: ConfigNode, checkpoint: str | Path | None, device: str | torch.device) -> TrackerFactory:
    """Build SiamAttn from ``cfg`` (a ``siamattn`` config), load ``checkpoint`` (official ``{'epoch',
    'state_dict'}`` files or ours; ``None``: random weights, warned)."""
    if checkpoint is None:
        warnings.warn("SiamAttn runs with RANDOMLY INITIALISED weights: its boxes are meaningless", stacklevel=2)
        torch.manual_seed(0)  # the same random network in every process and run
    model = build_siamattn(cfg)
    if checkpoint is not None:
        load_siamattn_checkpoint(model, checkpoint)
    # Prepared once per process (folded BatchNorm, traced search stage); trackers share it.
    model = prepare_siamattn_for_tracking(model.to(device), int(cfg.TEST.INSTANCE_SIZE), copy_model=False)
    return lambda dataset_name: SiamAttnTracker(model, cfg, dataset_name)


TRACKERS: dict[str, Callable[[ConfigNode, str | Path | None, str | torch.device], TrackerFactory]] = {
    "aiatrack": load_aiatrack,
    "siamattn": load_siamattn,
}


def load_tracker(name: str, cfg: ConfigNode, checkpoint: str | Path | None,
                 device: str | torch.device = "cpu") -> TrackerFactory:
    """The factory of the registered tracker ``name`` (see ``TRACKERS``).

    Raises :class:`~lib.models.checkpoint.CheckpointError` (one line naming the file) when the weights do
    not fit the network of ``cfg``; for a checkpoint of ``tracking/train.py`` the message also names the
    tracker it belongs to, or the keys in which its stored training config differs from ``cfg``.
    """
    if name not in TRACKERS:
        raise ValueError(f"unknown tracker {name!r}; registered: {', '.join(sorted(TRACKERS))}")
    try:
        return TRACKERS[name](cfg, checkpoint, device)
    except CheckpointError as exc:
        if checkpoint is None:
            raise
        raise CheckpointError(exc.path, exc.problem + _trained_with(checkpoint, name, cfg)) from None


def _trained_with(checkpoint: str | Path, name: str, cfg: ConfigNode) -> str:
    """A ``'; ...'`` clause on how the training config stored in ``checkpoint`` relates to ``name`` and ``cfg``
    (empty when it stores none)."""
    saved = read_training_config(checkpoint)[0]
    if saved is None:
        return ""
    owner = config_tracker(saved)
    if owner is None:  # keys unknown to every tracker's defaults: nothing reliable to compare
        return ""
    if owner != name:
        return f"; by its stored training config it is a checkpoint of {owner}, not {name}"
    differences = config_differences(config_from_dict(saved, name).to_dict(), cfg.to_dict())
    if not differences:
        return ""
    return f"; it was trained with a config that differs from this one in {list_differences(differences)}"


__all__ = ["TRACKERS", "AiATracker", "SiamAttnTracker", "Tracker", "TrackerFactory", "load_aiatrack",
           "load_siamattn", "load_tracker"]
