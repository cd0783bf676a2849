"""SiamAttn's profiler (``python tracking/dev/profile_model.py --tracker siamattn``): parameters and FLOPs of one
tracked frame.

A tracked frame runs, on one 255×255 search crop against cached template features: backbone and neck,
the DSA (which re-enhances the template, quirk D6), the RPN, both fusions, then the box head and the
mask head on one RoI each, as the official tracker does. Inputs are random (FLOPs do not depend on them).

FLOPs are counted by ``torch.utils.flop_counter.FlopCounterMode`` (multiply-add = 2; matrix products and
convolutions only). ``torchvision.ops.deform_conv2d`` is counted like a convolution of the same shape
(the bilinear sampling is not counted), and the deformable RoI pooling is not counted.
"""
from __future__ import annotations

import math
import sys
from collections.abc import Callable
from typing import Any

import torch
from torch.utils.flop_counter import FlopCounterMode

from lib.config import ConfigError
from lib.models.siamattn import SiamAttn
from lib.trackers import build_network, load_config
from lib.utils import profiling
from lib.utils.safe_pickle import CheckpointError

TRACKER = "siamattn"
STAGES = ("backbone+neck", "DSA", "RPN", "fusion", "box head", "mask head")


def parameter_table(model: SiamAttn) -> list[tuple[str, int, int]]:
    """(component, parameters, trainable parameters) per top-level module, in the official order."""
    return profiling.parameter_table(model, {name: [module] for name, module in model.named_children()})


def _deform_conv_flops(input_shape: Any, weight_shape: Any, *_: Any, out_shape: Any = None, **__: Any) -> int:
    """2 · output elements · (C_in / groups) · kh · kw, like a convolution."""
    return 2 * math.prod(out_shape) * math.prod(weight_shape[1:])


def frame_stages(model: SiamAttn) -> list[tuple[str, Callable[[], Any]]]:
    """The stages of one tracked frame as closures over random inputs (template features cached first)."""
    generator = torch.Generator().manual_seed(0)
    z = torch.rand(1, 3, 127, 127, generator=generator) * 255
    x = torch.rand(1, 3, 255, 255, generator=generator) * 255
    roi = torch.tensor([[0.0, 90.0, 100.0, 160.0, 150.0]])
    with torch.inference_mode():
        zf = model.template_features(z)
    state: dict[str, Any] = {}

    def backbone() -> None:
        state["levels"] = model.backbone(x)
        state["searches"] = model.neck(state["levels"][2:])

    def dsa() -> None:
        state["zs"], state["xs"] = model.feature_enhance(zf, state["searches"])

    def rpn() -> None:
        model.rpn_head(state["zs"], state["xs"])

    def fusion() -> None:
        state["b_fused"] = model.feature_fusion.fuse_box(state["zs"], state["xs"])
        if model.mask_enabled:
            state["m_fused"] = model.feature_fusion.fuse_mask(state["levels"][:2] + state["xs"])

    def box_head() -> None:
        model.refine_box(state["b_fused"], roi)

    def mask_head() -> None:
        if model.mask_enabled:
            model.refine_mask(state["m_fused"], roi)

    return list(zip(STAGES, (backbone, dsa, rpn, fusion, box_head, mask_head)))


def count_flops(model: SiamAttn) -> dict[str, int]:
    """FLOPs per stage and in total for one tracked frame."""
    flops = {}
    mapping = {torch.ops.torchvision.deform_conv2d: _deform_conv_flops}
    with torch.inference_mode():
        for name, stage in frame_stages(model):
            with FlopCounterMode(display=False, custom_mapping=mapping) as counter:
                stage()
            flops[name] = counter.get_total_flops()
    flops["total"] = sum(flops[name] for name in STAGES)
    return flops


def profile(argv: list[str] | None = None) -> int:
    """Print the parameter table and the FLOPs of one frame; 2 on a bad config or checkpoint (one line)."""
    args = profiling.profile_parser(__doc__, TRACKER, "the official defaults").parse_args(argv)
    try:
        cfg = load_config(args.config, tracker=TRACKER)
        model = build_network(TRACKER, cfg, args.checkpoint)
    except (ConfigError, CheckpointError, FileNotFoundError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    model.eval()
    name = args.config or "official defaults"
    print(f"SiamAttn '{name}': {cfg.MODEL.BACKBONE.TYPE} backbone, mask branch "
          f"{'on' if model.mask_enabled else 'off'}, template 127x127, search 255x255")
    print("\n" + profiling.format_parameter_table(parameter_table(model)))
    print("\n" + profiling.format_flops(count_flops(model), STAGES))
    return 0
