"""Which network weights a demo runs with, and an honest description of them.

Order: an explicit checkpoint; else the small checkpoint of the tracker shipped in the repository
(``checkpoints/aiatrack_tiny_synthetic.pth.tar``, ``checkpoints/siamattn_tiny_synthetic.pth``, trained on
synthetic videos only); else randomly initialised weights, announced loudly (the pipeline runs, the
boxes are meaningless).
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch

from lib.config import MAIN_EXPERIMENTS, ConfigNode, config_from_dict, load_config
from lib.config.loader import REPO_ROOT
from lib.models.checkpoint import read_checkpoint
from lib.test.tracker import TrackerFactory, load_tracker

EMBEDDED_CHECKPOINT = REPO_ROOT / "checkpoints" / "aiatrack_tiny_synthetic.pth.tar"
SIAMATTN_EMBEDDED_CHECKPOINT = REPO_ROOT / "checkpoints" / "siamattn_tiny_synthetic.pth"
TINY_EXPERIMENT = "tiny"


@dataclass(frozen=True)
class WeightsChoice:
    """Config (experiment name/path, or a saved config dict), checkpoint (None = random), description."""

    config: str | dict[str, Any]
    checkpoint: str | None
    description: str
    tracker: str = "aiatrack"

    @property
    def random(self) -> bool:
        """True when no trained weights are used."""
        return self.checkpoint is None


def resolve_config(config: str | dict[str, Any], tracker: str = "aiatrack") -> ConfigNode:
    """An experiment name or YAML path, or a config dict saved in a checkpoint, as a ``tracker`` ConfigNode."""
    return config_from_dict(config, tracker) if isinstance(config, dict) else load_config(config, tracker=tracker)


def _checkpoint_facts(checkpoint: Path) -> tuple[dict[str, Any] | None, str]:
    """The training config stored in one of our checkpoints (``None`` for official files) and a summary."""
    info = read_checkpoint(checkpoint)[1]
    epoch = f", epoch {info.epoch}" if info.epoch is not None else ""
    return info.config, f"{info.format} checkpoint{epoch}"


def choose_weights(checkpoint: str | Path | None = None, config: str | None = None,
                   tracker: str = "aiatrack") -> WeightsChoice:
    """Pick the weights as described in the module docstring; the config defaults to the checkpoint's own.

    For ``tracker="siamattn"`` an explicit checkpoint (official or ours) runs with ``config`` (default
    ``vot2018``); without one, the shipped tiny checkpoint runs with the ``tiny`` config.
    """
    if tracker == "siamattn":
        return _choose_siamattn_weights(checkpoint, config)
    if checkpoint is not None:
        path = Path(checkpoint)
        if not path.is_file():
            raise FileNotFoundError(f"checkpoint not found: {path}")
        saved, facts = _checkpoint_facts(path)
        chosen = config or saved or MAIN_EXPERIMENTS["aiatrack"]
        return WeightsChoice(chosen, str(path), f"weights from {path} ({facts})")
    if EMBEDDED_CHECKPOINT.is_file():
        chosen = config or _checkpoint_facts(EMBEDDED_CHECKPOINT)[0] or TINY_EXPERIMENT
        return WeightsChoice(chosen, str(EMBEDDED_CHECKPOINT), (
            f"weights from {EMBEDDED_CHECKPOINT.relative_to(REPO_ROOT)}: a SMALL model (tiny config) trained "
            "only on synthetic videos in this repository; it is NOT the paper's model and its accuracy "
            "says nothing about AiATrack on real benchmarks"))
    return WeightsChoice(config or TINY_EXPERIMENT, None, (
        "NO TRAINED WEIGHTS FOUND: using RANDOMLY INITIALISED weights of the tiny config. The pipeline "
        "runs end to end, but the boxes are meaningless and any score is near zero. Pass --checkpoint "
        "with trained weights (e.g. an official AiATrack checkpoint) for real tracking"))


def _choose_siamattn_weights(checkpoint: str | Path | None, config: str | None) -> WeightsChoice:
    if checkpoint is None and SIAMATTN_EMBEDDED_CHECKPOINT.is_file():
        return WeightsChoice(config or TINY_EXPERIMENT, str(SIAMATTN_EMBEDDED_CHECKPOINT), (
            f"SiamAttn weights from {SIAMATTN_EMBEDDED_CHECKPOINT.relative_to(REPO_ROOT)}: a SMALL model (tiny "
            "config) trained only on synthetic videos in this repository; it is NOT the paper's model and its "
            "accuracy says nothing about SiamAttn on real benchmarks"), "siamattn")
    config = config or MAIN_EXPERIMENTS["siamattn"]
    if checkpoint is None:
        return WeightsChoice(config, None, (
            f"NO CHECKPOINT GIVEN: using RANDOMLY INITIALISED SiamAttn weights of the {config} config. The "
            "pipeline runs end to end, but the boxes are meaningless. Pass --checkpoint with trained weights "
            "(e.g. the official SiamAttn snapshot)"), "siamattn")
    path = Path(checkpoint)
    if not path.is_file():
        raise FileNotFoundError(f"checkpoint not found: {path}")
    return WeightsChoice(config, str(path), f"SiamAttn weights from {path} (config {config})", "siamattn")


def describe_weights(choice: WeightsChoice) -> str:
    """A banner naming the weights; framed with '!' lines when they are random."""
    text = f"Weights: {choice.description}."
    if choice.random:
        bar = "!" * 100
        return f"{bar}\n{text}\n{bar}"
    return text


def load_tracker_from_weights(choice: WeightsChoice, device: str | torch.device = "cpu") -> TrackerFactory:
    """Tracker factory (``dataset_name -> Tracker``) of the chosen tracker with the chosen weights."""
    return load_tracker(choice.tracker, resolve_config(choice.config, choice.tracker), choice.checkpoint, device)
