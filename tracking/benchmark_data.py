"""Measure the training data pipeline: samples per second per worker and where the time goes.

Samples are drawn in this process exactly as one data-loader worker draws them (GOT-10k loader,
official sampler and processing of ``--config``, one torch thread) and the time is split into

* decode:  reading and decoding the frames (``TrackingDataset.get_frames``),
* crop:    the search-region crops and box mapping (``crop_search_region`` + ``box_in_crop``),
* augment: grayscale/flips, jitter, brightness, normalization, region maps and IoU proposals,
* other:   frame-id sampling and annotation look-up (the rest).

Without ``--got10k-dir`` a synthetic GOT-10k training set is written to a temporary folder first
(``lib.utils.synthetic``, 240x320 frames); real data usually has larger frames, so decode takes
a larger share there. ``--workers N`` additionally measures a ``DataLoader`` with N workers.

Examples::

    python tracking/benchmark_data.py
    python tracking/benchmark_data.py --got10k-dir /data/GOT10k --split vot_train --samples 500
    python tracking/benchmark_data.py --workers 2
"""
from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

import torch
from torch.utils.data import DataLoader
from tqdm import tqdm

from lib.config import ConfigError
from lib.trackers import load_config
from lib.train.aiatrack import build_train_sampler
from lib.train.seeding import worker_init_fn
from lib.train.dataset import Got10k
from lib.datasets.storage import DirectorySource
from lib.utils.cli import entry_parser
from lib.utils.synthetic import render_videos, write_got10k

STAGES = ("decode", "crop", "augment")


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = entry_parser(__doc__)
    parser.add_argument("--config", default="baseline_got", help="experiment name or YAML (default: baseline_got)")
    parser.add_argument("--got10k-dir", default=None, help="GOT-10k root holding train/ (default: synthetic data)")
    parser.add_argument("--split", default=None, choices=("all", "train_full", "vot_train"),
                        help="GOT-10k training split (default: train_full for real data, all for synthetic)")
    parser.add_argument("--samples", type=int, default=200, help="samples to time (default: 200)")
    parser.add_argument("--warmup", type=int, default=10, help="samples drawn before timing (default: 10)")
    parser.add_argument("--videos", type=int, default=20, help="synthetic videos (default: 20)")
    parser.add_argument("--frames", type=int, default=60, help="frames per synthetic video (default: 60)")
    parser.add_argument("--workers", type=int, default=0, help="also time a DataLoader with this many workers")
    parser.add_argument("--seed", type=int, default=0)
    return parser.parse_args(argv)


def time_in_process(sampler, samples: int, warmup: int) -> tuple[float, float, dict[str, float]]:
    """(samples per second, CPU seconds per sample, wall seconds per stage) over ``samples`` draws
    after ``warmup`` draws."""
    for i in range(warmup):
        sampler[i]
    timers = (sampler.timer, sampler.processing.timer)
    for timer in timers:
        timer.seconds.clear()
    start, cpu_start = time.perf_counter(), time.process_time()
    for i in tqdm(range(samples), desc="samples", unit="sample"):
        sampler[i]
    elapsed, cpu = time.perf_counter() - start, time.process_time() - cpu_start
    seconds = {stage: sum(t.seconds.get(stage, 0.0) for t in timers) for stage in STAGES}
    seconds["other"] = elapsed - sum(seconds.values())
    return samples / elapsed, cpu / samples, seconds


def time_loader(sampler, workers: int, samples: int) -> float:
    """Samples per second delivered by a DataLoader with ``workers`` workers (batches of 8)."""
    loader = DataLoader(sampler, batch_size=8, sampler=range(samples), num_workers=workers,
                        worker_init_fn=worker_init_fn)
    iterator = iter(loader)
    next(iterator)  # worker start-up excluded
    start = time.perf_counter()
    count = sum(batch["search_box"].shape[0] for batch in tqdm(iterator, desc="batches", unit="batch"))
    return count / (time.perf_counter() - start)


def run(args: argparse.Namespace, root: Path, split: str) -> None:
    torch.set_num_threads(1)  # what every DataLoader worker runs with
    cfg = load_config(args.config, {"TRAIN": {"SEED": args.seed}})
    dataset = Got10k(DirectorySource(root, what="--got10k-dir"), split=split, name="GOT10K")
    sampler = build_train_sampler(cfg, [dataset])
    rate, cpu_per_sample, seconds = time_in_process(sampler, args.samples, args.warmup)
    total = sum(seconds.values())
    print(f"\n{len(dataset)} sequences from {root} ({split}); search size {cfg.DATA.SEARCH.SIZE}, "
          f"{cfg.DATA.SEARCH.FACTOR:g}x crops; torch threads {torch.get_num_threads()}, {os.cpu_count()} CPUs")
    print(f"one worker: {rate:.1f} samples/s ({1000 / rate:.1f} ms per sample; CPU time {1000 * cpu_per_sample:.1f} ms "
          f"per sample, so {1 / cpu_per_sample:.1f} samples/s on an otherwise idle core)")
    for stage, value in seconds.items():
        print(f"  {stage:8s} {1000 * value / args.samples:7.2f} ms/sample  {100 * value / total:5.1f} %")
    if args.workers > 0:
        loader_rate = time_loader(sampler, args.workers, args.samples)
        print(f"DataLoader, {args.workers} workers: {loader_rate:.1f} samples/s "
              f"({loader_rate / args.workers:.1f} per worker)")


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    try:
        if args.got10k_dir:
            run(args, Path(args.got10k_dir), args.split or "train_full")
            return 0
        with tempfile.TemporaryDirectory(prefix="aiatrack_bench_") as tmp:
            videos = render_videos(args.seed, args.videos, num_frames=args.frames)
            write_got10k(tmp, tqdm(videos, total=args.videos, desc="writing synthetic GOT-10k", unit="video"))
            run(args, Path(tmp), args.split or "all")
        return 0
    except (ConfigError, FileNotFoundError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
