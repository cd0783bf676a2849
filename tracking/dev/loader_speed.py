"""Measure the training data pipeline: samples per second per data-loader worker count, or, with
``--stages``, where one worker's time goes.

The pipeline is the one ``tracking/train.py`` runs (the tracker's pair sampler, JPEG decoding, crops,
augmentations, label generation), built from the same pieces (lib/train/loader.py). Without ``--settings``
or ``--setting`` it reads a synthetic GOT-10k root written once to ``--workdir`` (``--videos`` videos of
``--frames`` JPEG frames at ``--width`` x ``--height``; real GOT-10k frames are mostly 1280x720 or larger);
with them it reads the config's own training datasets (``DATA.TRAIN.DATASETS_NAME``; e.g.
``--config baseline_got --setting got10k_dir=/data/GOT10k`` for GOT-10k alone).

Two measurements:

* worker rates (default): for each ``--workers`` value a ``DataLoader`` as in training; the first batch
  (worker start-up) is left out and the next ``--batches`` batches are timed; samples/s and samples/s per
  worker (``--workers 0``: the main process alone) are printed, which tells how many workers keep a GPU fed
  at a measured training step rate (``scripts/gpu_check.sh`` prints steps/s);
* ``--stages``: ``--samples`` samples drawn in this process exactly as one worker draws them (one torch
  thread), after ``--warmup`` draws, with the time split into decode (reading and decoding the frames),
  crop (search-region crops and box mapping), augment (grayscale/flips, jitter, brightness, normalization,
  labels and proposals) and other (frame-id sampling, annotation look-up: the rest). It needs a sampler
  that records these stages (AiATrack's does); others are refused in one line.

Examples::

    python tracking/dev/loader_speed.py                                  # default tracker, workers 0 1 2
    python tracking/dev/loader_speed.py --tracker siamattn --workers 0 2 --batches 10
    python tracking/dev/loader_speed.py --settings settings.yaml --config baseline --workers 4 8
    python tracking/dev/loader_speed.py --stages --samples 500
"""
from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path

import torch
from torch.utils.data import DataLoader, Dataset
from tqdm import tqdm

from lib.config import ConfigError, ConfigNode
from lib.trackers import DEFAULT_TRACKER, get_plugin, load_config, tracker_names
from lib.train.dataset import got10k_only_overrides
from lib.train.loader import build_loader_factory, build_training_sampler
from lib.train.recipe import TrainingRecipe
from lib.train.trainer.distributed import DistributedContext
from lib.utils.cli import (add_settings_options, entry_parser, non_negative_int, positive_int,
                           settings_from_args)
from lib.utils.profiling import StageTimer
from lib.utils.settings import Settings
from lib.utils.synthetic import render_videos, write_got10k

STAGES = ("decode", "crop", "augment")


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = entry_parser(__doc__)
    parser.add_argument("--tracker", choices=tracker_names(), default=DEFAULT_TRACKER,
                        help=f"tracker whose training pipeline is timed (default: {DEFAULT_TRACKER})")
    parser.add_argument("--config", default=None,
                        help="experiment name or YAML (default: the tracker's main experiment)")
    add_settings_options(parser)
    parser.add_argument("--workdir", default="output/loader_speed", help="synthetic GOT-10k root (kept, reused)")
    parser.add_argument("--videos", type=positive_int, default=8, help="synthetic videos (default: 8)")
    parser.add_argument("--frames", type=positive_int, default=60, help="frames per synthetic video (default: 60)")
    parser.add_argument("--width", type=positive_int, default=1280)
    parser.add_argument("--height", type=positive_int, default=720)
    parser.add_argument("--batch-size", type=positive_int, default=None,
                        help="default: the config's TRAIN.BATCH_SIZE")
    rates = parser.add_argument_group("worker rates (the default measurement)")
    rates.add_argument("--workers", type=non_negative_int, nargs="+", default=[0, 1, 2], help="worker counts to time")
    rates.add_argument("--batches", type=positive_int, default=20,
                       help="timed batches per worker count (default: 20)")
    stages = parser.add_argument_group("stages (--stages)")
    stages.add_argument("--stages", action="store_true",
                        help="split one worker's time into decode, crop, augment and other instead")
    stages.add_argument("--samples", type=positive_int, default=200, help="samples to time (default: 200)")
    stages.add_argument("--warmup", type=non_negative_int, default=10,
                        help="samples drawn before timing (default: 10)")
    return parser.parse_args(argv)


def synthetic_settings(args: argparse.Namespace) -> Settings:
    """Settings whose GOT-10k root is a synthetic ``train`` split under ``--workdir`` (written once)."""
    root = Path(args.workdir).resolve() / f"got10k_{args.width}x{args.height}_{args.videos}x{args.frames}"
    if not (root / "train" / "list.txt").is_file():
        print(f"writing {args.videos} synthetic videos ({args.width}x{args.height}, {args.frames} frames) to {root}",
              flush=True)
        write_got10k(root, render_videos(seed=1000, count=args.videos, num_frames=args.frames,
                                         height=args.height, width=args.width), split="train")
    return Settings(got10k_dir=str(root))


def samples_per_second(make_loader: Callable[[int], DataLoader], batches: int) -> float:
    """Samples/s over ``batches`` batches after the first one."""
    iterator = iter(make_loader(0))
    batch = next(iterator)
    size = len(next(iter(batch.values()))) if isinstance(batch, dict) else len(batch[0])
    start = time.perf_counter()
    for _ in range(batches):
        next(iterator)
    return size * batches / (time.perf_counter() - start)


def stage_timers(sampler: Dataset) -> list[StageTimer]:
    """The stage timers of a training sampler and of its processing (empty when it records none)."""
    holders = [sampler, getattr(sampler, "processing", None)]
    return [value for holder in holders if hasattr(holder, "__dict__")
            for value in vars(holder).values() if isinstance(value, StageTimer)]


def time_stages(sampler: Dataset, timers: list[StageTimer], samples: int,
                warmup: int) -> tuple[float, float, dict[str, float]]:
    """(samples per second, CPU seconds per sample, wall seconds per stage incl. ``other``) over ``samples``
    draws after ``warmup`` draws."""
    for index in range(warmup):
        sampler[index]
    for timer in timers:
        timer.seconds.clear()
    start, cpu_start = time.perf_counter(), time.process_time()
    for index in tqdm(range(samples), desc="samples", unit="sample", leave=False):
        sampler[index]
    elapsed, cpu = time.perf_counter() - start, time.process_time() - cpu_start
    seconds = {stage: sum(timer.seconds.get(stage, 0.0) for timer in timers) for stage in STAGES}
    seconds["other"] = elapsed - sum(seconds.values())
    return samples / elapsed, cpu / samples, seconds


def report_rates(args: argparse.Namespace, cfg: ConfigNode, settings: Settings, recipe: TrainingRecipe) -> None:
    """Print samples/s for each ``--workers`` count."""
    for workers in args.workers:
        run_cfg = cfg.replace({"TRAIN": {"NUM_WORKER": workers}})
        make_loader = build_loader_factory(run_cfg, settings, DistributedContext(), recipe)
        rate = samples_per_second(make_loader, args.batches)
        per_worker = f", {rate / workers:.1f} per worker" if workers else " (main process)"
        print(f"  workers {workers}: {rate:.1f} samples/s{per_worker}", flush=True)


def report_stages(args: argparse.Namespace, sampler: Dataset, timers: list[StageTimer]) -> None:
    """Print one worker's rate, its CPU time and the share of each stage."""
    rate, cpu_per_sample, seconds = time_stages(sampler, timers, args.samples, args.warmup)
    total = sum(seconds.values())
    print(f"one worker: {rate:.1f} samples/s ({1000 / rate:.1f} ms per sample; CPU time {1000 * cpu_per_sample:.1f} ms "
          f"per sample, so {1 / cpu_per_sample:.1f} samples/s on an otherwise idle core)")
    for stage, value in seconds.items():
        print(f"  {stage:8s} {1000 * value / args.samples:7.2f} ms/sample  {100 * value / total:5.1f} %")


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    plugin = get_plugin(args.tracker)
    try:
        real_data = args.settings is not None or bool(args.setting)
        cfg = load_config(args.config or plugin.main_experiment, tracker=args.tracker)
        if not real_data:
            cfg = cfg.replace(got10k_only_overrides(cfg.DATA.TRAIN.to_dict()))
        cfg = cfg.replace({"DATA": {"TRAIN": {"SAMPLE_PER_EPOCH": 10 ** 6}}})
        if args.batch_size:
            cfg = cfg.replace({"TRAIN": {"BATCH_SIZE": args.batch_size}})
        settings = settings_from_args(args) if real_data else synthetic_settings(args)
        recipe = plugin.training()
        sampler = build_training_sampler(cfg, settings, recipe) if args.stages else None
    except (ConfigError, OSError, ValueError) as exc:  # config, settings, datasets missing or unusable
        print(f"error: {exc}", file=sys.stderr)
        return 2
    timers = stage_timers(sampler) if args.stages else []
    if args.stages and not timers:
        print(f"error: --stages: the {plugin.label} training sampler records no stage times (no StageTimer, "
              "lib/utils/profiling.py); time its workers without --stages", file=sys.stderr)
        return 2
    torch.set_num_threads(1)  # as in a training worker: the pipeline is numpy/OpenCV work
    print(f"{args.tracker} training pipeline ({', '.join(cfg.DATA.TRAIN.DATASETS_NAME)}), batch "
          f"{cfg.TRAIN.BATCH_SIZE}, " + (f"{args.samples} timed samples" if args.stages
                                          else f"{args.batches} timed batches") + f"; {os.cpu_count()} CPU cores")
    try:
        if args.stages:
            report_stages(args, sampler, timers)
        else:
            report_rates(args, cfg, settings, recipe)
    except (OSError, ValueError) as exc:  # datasets incomplete or unusable, found when building the loader
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
