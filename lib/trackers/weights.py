"""Which network weights a demo runs with, with which config, and an honest description of them.

Weights, in this order: an explicit checkpoint; else the small checkpoint the tracker's plug-in ships in
``checkpoints/`` (``TrackerPlugin.embedded_checkpoint``, trained on synthetic videos only); else randomly
initialised weights, announced loudly (the pipeline runs, the boxes are meaningless).

Config, in this order: the one named; else the training config stored in the checkpoint (every checkpoint
of ``tracking/train.py`` holds it); else the plug-in's ``main_experiment`` for an explicit checkpoint (an
official file), ``tiny`` for the shipped one, and its ``random_experiment`` for random weights.
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import torch

from lib.config import ConfigNode
from lib.config.loader import REPO_ROOT
from lib.trackers import (DEFAULT_TRACKER, TrackerFactory, config_from_dict, config_tracker, get_plugin, load_config,
                          load_tracker)
from lib.utils.device import DEFAULT_BACKEND
from lib.utils.safe_pickle import CheckpointError, read_training_config

#: config of a shipped checkpoint that stores none
TINY_EXPERIMENT = "tiny"


@dataclass(frozen=True)
class WeightsChoice:
    """Config (experiment name/path, or a saved config dict), checkpoint (None = random), description, and
    the ``TEST.PRECISION`` to run at (None: the config's)."""

    config: str | dict[str, Any]
    checkpoint: str | None
    description: str
    tracker: str = DEFAULT_TRACKER
    precision: str | None = None

    def config_node(self) -> ConfigNode:
        """The chosen config with the chosen precision; ConfigError for a bad config or precision."""
        return resolve_config(self.config, self.tracker, self.precision)

    @property
    def random(self) -> bool:
        """True when no trained weights are used."""
        return self.checkpoint is None


def resolve_config(config: str | dict[str, Any], tracker: str = DEFAULT_TRACKER,
                   precision: str | None = None) -> ConfigNode:
    """An experiment name or YAML path, or a config dict saved in a checkpoint, as a ``tracker`` ConfigNode,
    with ``TEST.PRECISION`` set to ``precision`` when given (validated as any config)."""
    overrides = {"TEST": {"PRECISION": precision}} if precision else None
    if isinstance(config, dict):
        return config_from_dict(config, tracker, overrides)
    return load_config(config, overrides, tracker=tracker)


def embedded_checkpoint(tracker: str) -> Path | None:
    """The checkpoint ``tracker``'s plug-in ships in the repository, None when it ships none."""
    return get_plugin(tracker).embedded_checkpoint


def _stored_config(path: Path, tracker: str) -> tuple[dict[str, Any] | None, str]:
    """The training config stored in ``path`` (None: none stored) and a summary of the file.

    Raises :class:`CheckpointError` when the file cannot be read or its stored config is another tracker's.
    """
    saved, epoch = read_training_config(path)
    owner = config_tracker(saved) if saved is not None else None
    if owner not in (None, tracker):
        raise CheckpointError(path, f"by its stored training config this is a checkpoint of "
                                    f"{get_plugin(owner).label}, not of {get_plugin(tracker).label} "
                                    f"(run it with --tracker {owner})")
    kind = "checkpoint with a stored training config" if saved is not None else "checkpoint without a stored config"
    return saved, kind + ("" if epoch is None else f", epoch {epoch}")


def choose_weights(checkpoint: str | Path | None = None, config: str | None = None,
                   tracker: str = DEFAULT_TRACKER, precision: str | None = None) -> WeightsChoice:
    """Pick the weights and config of ``tracker`` as described in the module docstring, to run at ``precision``.

    Raises FileNotFoundError for a missing checkpoint, :class:`CheckpointError` (naming the file) for
    an unreadable one or one of another tracker, and ConfigError for a config or precision that does not
    resolve (checked here, before any work).
    """
    choice = _choose(checkpoint, config, tracker)
    choice = replace(choice, precision=precision)
    choice.config_node()
    return choice


def _choose(checkpoint: str | Path | None, config: str | None, tracker: str) -> WeightsChoice:
    plugin = get_plugin(tracker)
    label = plugin.label
    weights = f"{label} weights"
    if checkpoint is not None:
        path = Path(checkpoint)
        if not path.is_file():
            raise FileNotFoundError(f"checkpoint not found: {path}")
        saved, facts = _stored_config(path, tracker)
        chosen = config or saved or plugin.main_experiment
        used = f"config {chosen}" if isinstance(chosen, str) else "running that config"
        return WeightsChoice(chosen, str(path), f"{weights} from {path} ({facts}; {used})", tracker)
    embedded = embedded_checkpoint(tracker)
    if embedded is not None and embedded.is_file():
        chosen = config or _stored_config(embedded, tracker)[0] or TINY_EXPERIMENT
        return WeightsChoice(chosen, str(embedded), (
            f"{weights} from {embedded.relative_to(REPO_ROOT)}: a SMALL model (tiny config) trained only "
            f"on synthetic videos in this repository; it is NOT the paper's model and its accuracy says "
            f"nothing about {label} on real benchmarks"), tracker)
    chosen = config or plugin.random_experiment
    return WeightsChoice(chosen, None, (
        f"NO TRAINED WEIGHTS FOUND: using RANDOMLY INITIALISED {label} weights of the {chosen} config. The "
        f"pipeline runs end to end, but the boxes are meaningless and any score is near zero. Pass "
        f"--checkpoint with trained weights (e.g. an official {label} checkpoint) for real tracking"), tracker)


def describe_weights(choice: WeightsChoice) -> str:
    """A banner naming the weights; framed with '!' lines when they are random."""
    text = f"Weights: {choice.description}."
    if choice.random:
        bar = "!" * 100
        return f"{bar}\n{text}\n{bar}"
    return text


def load_tracker_from_weights(choice: WeightsChoice, device: str | torch.device = "cpu",
                              backend: str = DEFAULT_BACKEND) -> TrackerFactory:
    """Tracker factory (``TrackingTraits -> Tracker``) of the chosen tracker with the chosen weights, its network
    run by ``backend`` (see :func:`lib.trackers.load_tracker`)."""
    return load_tracker(choice.tracker, choice.config_node(), choice.checkpoint, device, backend)
