"""AiATrack as a plug-in: wires its config defaults, network, checkpoints, inference form, tracker and training."""
from __future__ import annotations

import importlib
from pathlib import Path

import torch
from torch import nn

from lib.config import ConfigNode
from lib.config.aiatrack_defaults import default_config_dict, validate
from lib.models.aiatrack import build_aiatrack, load_checkpoint, prepare_for_tracking
from lib.test.tracker.aiatrack import AiATracker
from lib.test.tracker.aiatrack.batched import track_batch
from lib.test.tracker.base import TrackingTraits
from lib.trackers import TrackerPlugin
from lib.utils.device import PRECISIONS, inference_plan

REPO_ROOT = Path(__file__).resolve().parents[2]


def _prepare(model: nn.Module, cfg: ConfigNode, device: torch.device) -> nn.Module:
    return prepare_for_tracking(model, cfg.TEST.PRECISION, copy_model=False, plan=inference_plan(device))


def _make_tracker(prepared: nn.Module, cfg: ConfigNode, traits: TrackingTraits) -> AiATracker:
    return AiATracker(prepared, cfg, traits.hyper_key)


PLUGIN = TrackerPlugin(
    name="aiatrack",
    label="AiATrack",
    defaults=default_config_dict,
    validate=validate,
    main_experiment="baseline",
    random_experiment="tiny",
    build_model=lambda cfg, training: build_aiatrack(cfg, training=training),
    load_weights=load_checkpoint,
    prepare=_prepare,
    make_tracker=_make_tracker,
    training=lambda: importlib.import_module("lib.train.aiatrack.recipe").RECIPE,
    checkpoint_prefix="AIATRACK",
    embedded_checkpoint=REPO_ROOT / "checkpoints" / "aiatrack_tiny_synthetic.pth.tar",
    precisions=tuple(PRECISIONS),
    capabilities=frozenset({"attention_probe"}),
    profile=lambda argv: importlib.import_module("lib.models.aiatrack.profile").profile(argv),
    track_batch=track_batch,
)
