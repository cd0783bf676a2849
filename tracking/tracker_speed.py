"""Measure the per-frame speed of the complete AiATrack tracker (crop, network, box mapping, memory update).

A synthetic video is tracked from its first-frame box; every ``track()`` call is timed with
``time.perf_counter`` (image decoding excluded, as in the benchmark runner) and the median and mean over
the frames after ``--warmup`` are printed, for each ``--torch-threads`` value. The network work per frame
does not depend on the weights (the decoder always reads the same number of references), so random
weights give representative timings; pass ``--checkpoint`` to time trained weights anyway.

Examples::

    python tracking/tracker_speed.py                               # baseline, CPU, 1 and 2 threads
    python tracking/tracker_speed.py --config tiny --frames 100
    python tracking/tracker_speed.py --device cuda --frames 300
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import time

import torch

from lib.config import ConfigError, load_config
from lib.test.tracker import load_tracker
from lib.utils.synthetic import render_video


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--config", default="baseline", help="experiment name or YAML (default: baseline)")
    parser.add_argument("--checkpoint", default=None, help="weights (default: random, see above)")
    parser.add_argument("--dataset", default="lasot", help="HYPER row, i.e. number of references (default: lasot)")
    parser.add_argument("--frames", type=int, default=40, help="frames to track (default: 40)")
    parser.add_argument("--warmup", type=int, default=5, help="first tracked frames left out (default: 5)")
    parser.add_argument("--height", type=int, default=480)
    parser.add_argument("--width", type=int, default=640)
    parser.add_argument("--torch-threads", type=int, nargs="+", default=[1, 2], help="thread counts to time")
    parser.add_argument("--device", default="cpu", choices=("cpu", "cuda"))
    return parser.parse_args(argv)


def time_tracker(tracker, video, warmup: int, synchronize) -> list[float]:
    """Seconds of each ``track()`` call after the first ``warmup`` ones."""
    tracker.initialize(video.frames[0], {"init_bbox": video.boxes_xywh[0].tolist()})
    seconds = []
    for frame in video.frames[1:]:
        synchronize()
        start = time.perf_counter()
        tracker.track(frame)
        synchronize()
        seconds.append(time.perf_counter() - start)
    return seconds[warmup:]


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.frames <= args.warmup + 1:
        print("error: --frames must exceed --warmup + 1", file=sys.stderr)
        return 2
    try:
        cfg = load_config(args.config)
    except ConfigError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    video = render_video(2022, 0, num_frames=args.frames, height=args.height, width=args.width)
    synchronize = torch.cuda.synchronize if args.device == "cuda" else (lambda: None)
    factory = load_tracker("aiatrack", cfg, args.checkpoint, args.device)
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"AiATrack ({args.config}, HYPER '{args.dataset}') on {args.device}, {args.width}x{args.height} frames, "
          f"{args.frames - 1 - args.warmup} timed frames; {os.cpu_count()} CPU cores, load average {load:.1f}")
    for threads in args.torch_threads:
        torch.set_num_threads(threads)
        seconds = time_tracker(factory(args.dataset), video, args.warmup, synchronize)
        median, mean = statistics.median(seconds), statistics.fmean(seconds)
        print(f"  torch threads {threads}: median {1000 * median:.1f} ms/frame ({1 / median:.2f} fps), "
              f"mean {1000 * mean:.1f} ms, min {1000 * min(seconds):.1f} ms, max {1000 * max(seconds):.1f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
