"""Measure the training data pipeline: samples per second for several data-loader worker counts.

The pipeline is the one ``tracking/train.py`` runs (the tracker's pair sampler, JPEG decoding, crops,
augmentations, label generation, collation), built by the same loader factory. Without ``--settings``
or ``--setting`` it reads a synthetic GOT-10k root written once to ``--workdir`` (``--videos`` videos of
``--frames`` JPEG frames at ``--width`` x ``--height``; real GOT-10k frames are mostly 1280x720 or
larger); with them it reads the config's own training datasets (``DATA.TRAIN.DATASETS_NAME``).

For each ``--workers`` value the first batch (worker start-up) is left out and the next ``--batches``
batches are timed; samples/s and samples/s per worker (``--workers 0``: the main process alone) are
printed, which tells how many workers keep a GPU fed at a measured training step rate
(``scripts/gpu_check.sh`` prints steps/s).

Examples::

    python tracking/loader_speed.py                                  # AiATrack, workers 0 1 2
    python tracking/loader_speed.py --tracker siamattn --workers 0 2 --batches 10
    python tracking/loader_speed.py --settings settings.yaml --config baseline --workers 4 8
"""
from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import torch

from lib.config import ConfigError
from lib.trackers import DEFAULT_TRACKER, get_plugin, load_config, tracker_names
from lib.train.dataset import got10k_only_overrides
from lib.train.trainer.distributed import DistributedContext
from lib.utils.cli import add_settings_options, entry_parser, settings_from_args
from lib.utils.settings import Settings
from lib.utils.synthetic import render_videos, write_got10k
from tracking.train import build_loader_factory



def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = entry_parser(__doc__)
    parser.add_argument("--tracker", choices=tracker_names(), default=DEFAULT_TRACKER)
    parser.add_argument("--config", default=None,
                        help="experiment name or YAML (default: baseline for AiATrack, vot2018 for SiamAttn)")
    add_settings_options(parser)
    parser.add_argument("--workdir", default="output/loader_speed", help="synthetic GOT-10k root (kept, reused)")
    parser.add_argument("--videos", type=int, default=8, help="synthetic videos (default: 8)")
    parser.add_argument("--frames", type=int, default=60, help="frames per synthetic video (default: 60)")
    parser.add_argument("--width", type=int, default=1280)
    parser.add_argument("--height", type=int, default=720)
    parser.add_argument("--workers", type=int, nargs="+", default=[0, 1, 2], help="worker counts to time")
    parser.add_argument("--batches", type=int, default=20, help="timed batches per worker count (default: 20)")
    parser.add_argument("--batch-size", type=int, default=None, help="default: the config's TRAIN.BATCH_SIZE")
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


def samples_per_second(make_loader, batches: int) -> float:
    """Samples/s over ``batches`` batches after the first one."""
    iterator = iter(make_loader(0))
    batch = next(iterator)
    size = len(next(iter(batch.values()))) if isinstance(batch, dict) else len(batch[0])
    start = time.perf_counter()
    for _ in range(batches):
        next(iterator)
    return size * batches / (time.perf_counter() - start)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.batches < 1 or min(args.workers) < 0:
        print("error: --batches must be >= 1 and --workers >= 0", file=sys.stderr)
        return 2
    try:
        real_data = args.settings is not None or bool(args.setting)
        cfg = load_config(args.config or get_plugin(args.tracker).main_experiment, tracker=args.tracker)
        if not real_data:
            cfg = cfg.replace(got10k_only_overrides(cfg.DATA.TRAIN.to_dict()))
        cfg = cfg.replace({"DATA": {"TRAIN": {"SAMPLE_PER_EPOCH": 10 ** 6}}})
        if args.batch_size:
            cfg = cfg.replace({"TRAIN": {"BATCH_SIZE": args.batch_size}})
        settings = settings_from_args(args) if real_data else synthetic_settings(args)
    except (ConfigError, OSError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    torch.set_num_threads(1)  # as in a training worker: the pipeline is numpy/OpenCV work
    print(f"{args.tracker} training pipeline ({', '.join(cfg.DATA.TRAIN.DATASETS_NAME)}), batch "
          f"{cfg.TRAIN.BATCH_SIZE}, {args.batches} timed batches; {os.cpu_count()} CPU cores")
    recipe = get_plugin(args.tracker).training()
    for workers in args.workers:
        run_cfg = cfg.replace({"TRAIN": {"NUM_WORKER": workers}})
        try:
            make_loader = build_loader_factory(run_cfg, settings, DistributedContext(), recipe)
        except (OSError, ValueError) as exc:  # datasets missing, incomplete or unusable
            print(f"error: {exc}", file=sys.stderr)
            return 2
        rate = samples_per_second(make_loader, args.batches)
        per_worker = f", {rate / workers:.1f} per worker" if workers else " (main process)"
        print(f"  workers {workers}: {rate:.1f} samples/s{per_worker}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
