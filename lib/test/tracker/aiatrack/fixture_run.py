"""AiATrack free running on a recorded official tracker fixture, with the precision under test.

A fixture (a ``torch.save`` dict) holds ``video_rgb_uint8`` (N, H, W, 3), ``init_bbox_xywh`` (4,) and
``runs``: per run the benchmark name (``dataset_name``), the short-term cache size and update threshold it
was recorded with (``cache_siz``, ``threshold``), and the official outputs (``target_bbox_xywh`` (N, 4),
``cache_updated`` (N,)). Used by ``tracking/dev/precision_check.py`` and ``scripts/gpu_check.py``.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import torch

from lib.models.aiatrack import build_aiatrack, load_checkpoint
from lib.test.tracker.aiatrack.tracker import AiATracker
from lib.trackers import load_config

__all__ = ["FIXTURE_EXPERIMENT", "free_run_fixture", "load_model"]

TRACKER = "aiatrack"
#: the experiment the official fixtures were recorded with
FIXTURE_EXPERIMENT = "baseline"


def load_model(checkpoint: Path, device: str) -> torch.nn.Module:
    """The :data:`FIXTURE_EXPERIMENT` network with ``checkpoint`` on ``device``, in eval mode (training form;
    each tracker prepares it). Raises ``CheckpointError`` naming the file when the weights do not fit."""
    model = build_aiatrack(load_config(FIXTURE_EXPERIMENT, tracker=TRACKER))
    load_checkpoint(model, checkpoint)
    return model.to(device).eval()


def free_run_fixture(model: torch.nn.Module, precision: str, fixture: dict[str, Any],
                     run_name: str) -> dict[str, np.ndarray]:
    """Track the fixture video from its first box as run ``run_name`` was set up, at ``TEST.PRECISION``
    ``precision``: ``boxes`` (N-1, 4) x, y, w, h in pixels and ``updated`` (N-1,) bool, frames 1..N-1."""
    cfg = load_config(FIXTURE_EXPERIMENT, overrides={"TEST": {"PRECISION": precision}}, tracker=TRACKER)
    run = fixture["runs"][run_name]
    tracker = AiATracker(model, cfg, run["dataset_name"])
    tracker.cache_size, tracker.threshold = run["cache_siz"], run["threshold"]
    video = fixture["video_rgb_uint8"].numpy()
    tracker.initialize(video[0], {"init_bbox": fixture["init_bbox_xywh"].tolist()})
    outputs = [tracker.track(frame) for frame in video[1:]]
    return {"boxes": np.array([o["target_bbox"] for o in outputs]),
            "updated": np.array([o["cache_updated"] for o in outputs])}
