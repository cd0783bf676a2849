"""SiamAttn as a plug-in: wires its config defaults, network, checkpoints, inference form, tracker and training."""
from __future__ import annotations

import importlib
from pathlib import Path

import torch
from torch import nn

from lib.config import ConfigNode
from lib.config.siamattn_defaults import siamattn_default_config_dict, validate
from lib.models.siamattn import SiamAttn, build_siamattn, load_siamattn_checkpoint
from lib.models.siamattn.inference import prepare_siamattn_for_tracking
from lib.models.siamattn.onnx_graphs import export_siamattn
from lib.models.siamattn.onnx_runtime import OrtSiamAttn
from lib.test.tracker.base import TrackingTraits
from lib.test.tracker.siamattn import SiamAttnTracker
from lib.test.tracker.siamattn.batched import track_batch
from lib.trackers import TrackerPlugin
from lib.utils.device import inference_plan
from lib.utils.onnx_cache import cache_folder, export_key

REPO_ROOT = Path(__file__).resolve().parents[2]


def _build(cfg: ConfigNode, training: bool) -> SiamAttn:
    if training:
        return importlib.import_module("lib.train.siamattn.recipe").RECIPE.build_model(cfg)
    return build_siamattn(cfg)


def _prepare(model: nn.Module, cfg: ConfigNode, device: torch.device) -> nn.Module:
    return prepare_siamattn_for_tracking(model, int(cfg.TEST.INSTANCE_SIZE), copy_model=False,
                                         plan=inference_plan(device))


def _prepare_onnx(model: nn.Module, cfg: ConfigNode, checkpoint: Path | None, device: torch.device) -> OrtSiamAttn:
    """Export (or reuse) the graphs of ``model`` for the crop sizes of ``cfg.TEST``; ORT-backed."""
    sizes = {"exemplar_size": int(cfg.TEST.EXEMPLAR_SIZE), "instance_size": int(cfg.TEST.INSTANCE_SIZE), "batch": 1}
    folder = cache_folder(checkpoint, export_key(model, cfg.to_dict(), sizes))
    export_siamattn(model, folder, sizes["exemplar_size"], sizes["instance_size"])
    return OrtSiamAttn(folder, device)


def _make_tracker(prepared: nn.Module, cfg: ConfigNode, traits: TrackingTraits) -> SiamAttnTracker:
    return SiamAttnTracker(prepared, cfg, traits.hyper_key, traits.init_style)


PLUGIN = TrackerPlugin(
    name="siamattn",
    label="SiamAttn",
    defaults=siamattn_default_config_dict,
    validate=validate,
    main_experiment="vot2018",
    random_experiment="vot2018",
    build_model=_build,
    load_weights=load_siamattn_checkpoint,
    prepare=_prepare,
    make_tracker=_make_tracker,
    training=lambda: importlib.import_module("lib.train.siamattn.recipe").RECIPE,
    checkpoint_prefix="SIAMATTN",
    embedded_checkpoint=REPO_ROOT / "checkpoints" / "siamattn_tiny_synthetic.pth",
    precisions=("fp32", "tf32"),
    capabilities=frozenset({"masks", "polygons", "onnx"}),
    profile=lambda argv: importlib.import_module("lib.models.siamattn.profile").profile(argv),
    track_batch=track_batch,
    engine_methods=("track_features", "refine_box", "refine_mask"),
    prepare_onnx=_prepare_onnx,
)
