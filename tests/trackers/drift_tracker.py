"""A third tracker kept in the test tree: it plugs in through lib/trackers' contract, editing nothing in lib/.

Its "network" holds one learnable displacement (dx, dy) in pixels; the tracker moves its box by that
displacement every frame (a constant-velocity tracker whose velocity is its weight). Trivial on purpose:
what it proves is that the shared machinery (config, weights, runner, analysis, demo) needs nothing
tracker-specific.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import nn

from lib.config import ConfigNode
from lib.test.tracker.base import Tracker, TrackingTraits, validate_init_box
from lib.trackers import TrackerPlugin


class Displacement(nn.Module):
    """The whole network: a (2,) displacement in pixels per frame."""

    def __init__(self) -> None:
        super().__init__()
        self.step = nn.Parameter(torch.zeros(2))


class ConstantVelocityTracker(Tracker):
    name = "drift"

    def __init__(self, model: Displacement, cfg: ConfigNode, traits: TrackingTraits) -> None:
        scale = cfg.TEST.HYPER.get(traits.hyper_key.upper(), cfg.TEST.HYPER.DEFAULT)[0]
        self.step = model.step.detach().cpu().double().numpy() * float(scale)
        self.box: np.ndarray | None = None

    def initialize(self, image: np.ndarray, info: dict[str, Any]) -> dict[str, Any]:
        self.box = np.asarray(validate_init_box(info["init_bbox"]), dtype=np.float64)
        return {"target_bbox": self.box.tolist()}

    def track(self, image: np.ndarray, info: dict[str, Any] | None = None) -> dict[str, Any]:
        self.box[:2] += self.step
        return {"target_bbox": self.box.tolist()}


def defaults() -> dict[str, Any]:
    return {"MODEL": {}, "TRAIN": {}, "DATA": {},
            "TEST": {"EPOCH": 1, "PRECISION": "fp32", "HYPER": {"DEFAULT": [1.0]}}}


def load_weights(model: nn.Module, path: Path) -> None:
    model.load_state_dict(torch.load(path, map_location="cpu", weights_only=True)["net"])


PLUGIN = TrackerPlugin(
    name="drift", label="Drift", defaults=defaults, validate=lambda cfg: None, main_experiment="drift",
    random_experiment="drift", build_model=lambda cfg, training: Displacement(), load_weights=load_weights,
    prepare=lambda model, cfg, device: model.eval(), make_tracker=ConstantVelocityTracker,
    training=lambda: None, checkpoint_prefix="CONSTVEL", embedded_checkpoint=None, precisions=("fp32",))
