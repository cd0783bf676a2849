"""AiATrack's profiler (``python tracking/dev/profile_model.py``): parameters per component, FLOPs and latency of one
tracked frame.

A tracked frame runs the backbone (ResNet trunk, 1x1 bottleneck, sine embeddings) and the encoder on the
search crop, the decoder against the long-term reference and the short-term references of the chosen
benchmark's HYPER row, the corner head and the IoU head on the predicted box. References are encoded once
beforehand, as in tracking. Inputs are random crops (timings do not depend on the image content).

Examples::

    python tracking/dev/profile_model.py                       # baseline, CPU (and CUDA if available)
    python tracking/dev/profile_model.py --config tiny --runs 5 --device cpu
    python tracking/dev/profile_model.py --checkpoint AIATRACK_ep0500.pth.tar --device cuda --runs 200

FLOPs are counted by ``torch.utils.flop_counter.FlopCounterMode`` (one multiply-add = 2 FLOPs; matrix
products and convolutions only, element-wise work is not counted). Latencies are medians over ``--runs``
runs after ``--warmup`` runs; on CUDA every stage is bracketed by ``torch.cuda.synchronize``.
"""
from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import torch
from torch import Tensor
from torch.utils.flop_counter import FlopCounterMode
from tqdm import tqdm

from lib.config import ConfigError, hyper_for_dataset
from lib.models.aiatrack import AiATrack, BackboneOutput, CheckpointError, EncodedFrame, ReferenceFrame
from lib.models.aiatrack.refinement import describe_refinement
from lib.trackers import build_network, get_plugin, load_config
from lib.utils import profiling
from lib.utils.box_ops import box_xyxy_to_xywh
from lib.utils.cli import (add_torch_threads_option, apply_torch_threads, available_device, non_negative_int,
                           positive_int)

TRACKER = "aiatrack"
STAGES = ("backbone", "encoder", "decoder", "heads")


def parameter_table(model: AiATrack) -> list[tuple[str, int, int]]:
    """(component, parameters, trainable parameters) per component, in pipeline order."""
    return profiling.parameter_table(model, {
        "backbone": [model.backbone],
        "bottleneck": [model.bottleneck],
        "transformer encoder": [model.transformer.encoder],
        "transformer decoder": [model.transformer.decoder],
        "corner head": [model.corner_head],
        "IoU head": [model.iou_head],
        "embeddings (fg/bg)": [module for name, module in model.named_children() if name.endswith("_embed")],
    })


@dataclass
class TrackStep:
    """The four stages of one tracked frame as closures over fixed inputs."""

    model: AiATrack
    image: Tensor
    mask: Tensor
    long_term: list[ReferenceFrame]
    short_term: list[ReferenceFrame]

    def stages(self) -> list[tuple[str, Callable[[Any], Any]]]:
        """Stage name and a function taking the previous stage's output."""
        model = self.model

        def backbone(_: object) -> BackboneOutput:
            return model.backbone_features(self.image, self.mask)

        def encoder(tokens: BackboneOutput) -> EncodedFrame:
            memory = model.transformer.encoder(tokens.feat, tokens.pos, tokens.inr)
            return EncodedFrame(memory=memory, inr=tokens.inr, mask=tokens.mask)

        def decoder(encoded: EncodedFrame) -> Tensor:
            return model.decode(encoded, self.long_term, self.short_term)

        def heads(decoded: Tensor) -> Tensor:
            corners = model.predict_corners(decoded)
            return model.predict_iou(decoded, box_xyxy_to_xywh(corners)[:, None])

        return list(zip(STAGES, (backbone, encoder, decoder, heads)))

    def run(self) -> object:
        """One full tracked frame."""
        value: object = None
        for _, stage in self.stages():
            value = stage(value)
        return value


def make_step(model: AiATrack, crop_size: int, num_short: int, device: torch.device) -> TrackStep:
    """A search crop and ``1 + num_short`` references encoded from random crops (no padding)."""
    generator = torch.Generator().manual_seed(0)
    image = torch.randn(1, 3, crop_size, crop_size, generator=generator).to(device)
    mask = torch.zeros(1, crop_size, crop_size, dtype=torch.bool, device=device)
    with torch.inference_mode():
        encoded = model.encode(image, mask)
        side = model.feat_side
        region = torch.zeros(1, side, side, device=device)
        region[:, side // 3: 2 * side // 3, side // 3: 2 * side // 3] = 1
        embedding = model.target_embedding(region, encoded.memory)
        reference = ReferenceFrame(encoded.memory, embedding, encoded.inr, encoded.mask)
    return TrackStep(model, image, mask, [reference], [reference] * num_short)


def count_flops(step: TrackStep) -> dict[str, int]:
    """FLOPs per stage and in total for one tracked frame."""
    flops, value = {}, None
    with torch.inference_mode():
        for name, stage in step.stages():
            with FlopCounterMode(display=False) as counter:
                value = stage(value)
            flops[name] = counter.get_total_flops()
    flops["total"] = sum(flops[name] for name in STAGES)
    return flops


def time_stages(step: TrackStep, device: torch.device, runs: int, warmup: int,
                progress: bool = True) -> dict[str, float]:
    """Median seconds per stage and for the whole frame over ``runs`` runs after ``warmup`` runs."""
    cuda = device.type == "cuda"

    def sync() -> None:
        if cuda:
            torch.cuda.synchronize(device)

    samples: dict[str, list[float]] = {name: [] for name in (*STAGES, "total")}
    with torch.inference_mode():
        for _ in range(warmup):
            step.run()
        sync()
        for _ in tqdm(range(runs), desc=f"timing on {device}", leave=False, disable=not progress):
            value, total = None, 0.0
            for name, stage in step.stages():
                start = time.perf_counter()
                value = stage(value)
                sync()
                elapsed = time.perf_counter() - start
                samples[name].append(elapsed)
                total += elapsed
            samples["total"].append(total)
    return {name: statistics.median(values) for name, values in samples.items()}


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = profiling.profile_parser(__doc__, TRACKER, get_plugin(TRACKER).main_experiment)
    parser.add_argument("--device", nargs="+", default=None, choices=("cpu", "cuda"), type=available_device,
                        help="devices to time (default: cpu, plus cuda when available)")
    parser.add_argument("--runs", type=positive_int, default=20, help="timed runs per device (default: 20)")
    parser.add_argument("--warmup", type=non_negative_int, default=3, help="untimed runs first (default: 3)")
    parser.add_argument("--dataset", default="default",
                        help="benchmark whose TEST.HYPER row sets the number of short-term references "
                             "(default: default)")
    add_torch_threads_option(parser)
    parser.add_argument("--no-progress", action="store_true", help="no progress bar")
    return parser.parse_args(argv)


def profile(argv: list[str] | None = None) -> int:
    """Print the switches, parameter table, FLOPs and per-device latencies; 2 on bad input (one line)."""
    args = parse_args(argv)
    config = args.config or get_plugin(TRACKER).main_experiment
    devices = args.device or (["cpu", "cuda"] if torch.cuda.is_available() else ["cpu"])
    apply_torch_threads(args.torch_threads)
    try:
        cfg = load_config(config, tracker=TRACKER)
        model = build_network(TRACKER, cfg, args.checkpoint)
    except (ConfigError, CheckpointError, FileNotFoundError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    model.eval()
    _, num_short, _ = hyper_for_dataset(cfg, args.dataset)
    crop = int(cfg.TEST.SEARCH_SIZE)

    print(f"AiATrack '{config}': search crop {crop}x{crop}, {model.feat_side}x{model.feat_side} tokens, "
          f"1 long-term + {num_short} short-term references ({args.dataset})")
    print(f"ablation switches: AiA encoder {cfg.MODEL.AIA.USE_AIA and cfg.MODEL.AIA.ENCODER}, decoder "
          f"{cfg.MODEL.AIA.USE_AIA and cfg.MODEL.AIA.DECODER}, refinement {cfg.MODEL.AIA.REFINEMENT}, reference "
          f"embedding {model.reference_embedding}, reference mode {model.reference_mode}")
    print(describe_refinement(model.transformer, cfg.MODEL.AIA.FEAT_SIZE, cfg.MODEL.AIA.MATCH_DIM))
    print("\n" + profiling.format_parameter_table(parameter_table(model)))
    flops = count_flops(make_step(model, crop, num_short, torch.device("cpu")))
    print("\n" + profiling.format_flops(flops, STAGES))

    for device_name in devices:
        device = torch.device(device_name)
        step = make_step(model.to(device), crop, num_short, device)
        medians = time_stages(step, device, args.runs, args.warmup, progress=not args.no_progress)
        where = (torch.cuda.get_device_name(device) if device.type == "cuda"
                 else f"CPU, {torch.get_num_threads()} thread(s)")
        print(f"\nlatency per tracked frame on {where} (median of {args.runs} runs after {args.warmup} warm-up): "
              f"{medians['total'] * 1e3:.1f} ms ({1 / medians['total']:.1f} fps)")
        print("  " + ", ".join(f"{name} {medians[name] * 1e3:.2f} ms" for name in STAGES))
    return 0
