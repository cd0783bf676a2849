"""AiATrack as a plug-in: wires its config defaults, network, checkpoints, inference form, tracker and training."""
from __future__ import annotations

import importlib
from pathlib import Path

import torch
from torch import nn

from lib.config import ConfigNode
from lib.config.aiatrack_defaults import default_config_dict, validate
from lib.models.aiatrack import build_aiatrack, load_checkpoint, prepare_for_tracking
from lib.models.aiatrack.onnx_graphs import export_aiatrack, reference_counts
from lib.models.aiatrack.onnx_runtime import OrtAiATrack
from lib.test.tracker.aiatrack import AiATracker
from lib.test.tracker.aiatrack.batched import track_batch
from lib.test.tracker.base import TrackingTraits
from lib.trackers import TrackerPlugin
from lib.utils.device import PRECISIONS, inference_plan
from lib.utils.onnx_cache import cache_folder, export_key

REPO_ROOT = Path(__file__).resolve().parents[2]


def _prepare(model: nn.Module, cfg: ConfigNode, device: torch.device) -> nn.Module:
    return prepare_for_tracking(model, cfg.TEST.PRECISION, copy_model=False, plan=inference_plan(device))


def _prepare_onnx(model: nn.Module, cfg: ConfigNode, checkpoint: Path | None, device: torch.device) -> OrtAiATrack:
    """Export (or reuse) the graphs of ``model`` for the short-term counts of ``cfg.TEST.HYPER``; ORT-backed."""
    key = export_key(model, cfg.to_dict(), {"search_size": int(cfg.TEST.SEARCH_SIZE), "batch": 1})
    folder = cache_folder(checkpoint, key)
    export_aiatrack(model, folder, reference_counts(cfg.TEST.HYPER.to_dict()))
    return OrtAiATrack(folder, model, device)


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
    capabilities=frozenset({"attention_probe", "onnx"}),
    profile=lambda argv: importlib.import_module("lib.models.aiatrack.profile").profile(argv),
    track_batch=track_batch,
    engine_methods=("encode", "decode", "decode_batch", "predict_corners", "predict_iou"),
    prepare_onnx=_prepare_onnx,
)
