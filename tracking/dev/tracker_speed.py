"""Measure the per-frame speed of a complete tracker (crop, network, box mapping, state/memory update).

A synthetic video is tracked from its first-frame box; every ``track()`` call is timed with
``time.perf_counter`` (image decoding excluded, as in the benchmark runner; on CUDA the device is
synchronised before the clock is read) and the median and mean over the frames after ``--warmup`` are
printed, for each ``--torch-threads`` value. The network work per frame does not depend on the weights
(AiATrack's decoder always reads the same number of references), so random weights give representative
timings; pass ``--checkpoint`` to time trained weights anyway. ``--tracker siamattn`` times SiamAttn
(default config ``vot2018``, the official one; its mask branch included).

``--batch N`` (N > 1) tracks N synthetic videos together: every step advances the N trackers by one frame
through the tracker plug-in's batched step (``track_batch``, the call ``tracking/test.py --batch`` makes), and
the median step time and the aggregate frames/s (N frames per step) are printed.

``--engine`` picks what runs the network's per-frame methods (``lib/utils/engine.py``): ``eager``, or on CUDA
``graphs`` (captured CUDA graphs) or ``compile`` (``torch.compile``); the first frames of a new input shape
capture or compile, so leave them in ``--warmup``. Default: the device's engine (``lib/utils/device.py``).

The floating-point operations of one tracked frame are counted once (``torch.utils.flop_counter``; operators it
has no formula for, such as torchvision's ``deform_conv2d`` in SiamAttn, count 0, so the figure is a lower
bound); on CUDA each speed is also given as a fraction of the GPU's peak at that precision
(``lib/utils/gpu_peaks.py``; a GPU not in its table is said to be unknown).

Side by side (``--side``, two or more): each side is a checkout with tracker plug-ins (its own ``lib``,
``lib/trackers/`` present) and optional extra options, run in its own process (this script against that
checkout's ``lib``); the sides track the same video in alternating blocks of
``--block`` frames, so machine noise hits them alike, and the ratio of each side's median to the
first side's is printed (lower = faster), with the median of the per-block ratios.

Examples::

    python tracking/dev/tracker_speed.py                               # baseline, CPU, 1 and 2 threads
    python tracking/dev/tracker_speed.py --config tiny --frames 100
    python tracking/dev/tracker_speed.py --device cuda --frames 300 --precision bf16
    python tracking/dev/tracker_speed.py --device cuda --batch 8 --frames 100
    python tracking/dev/tracker_speed.py --device cuda --engine graphs --frames 300 --warmup 20
    python tracking/dev/tracker_speed.py --side main=/tmp/main-checkout --side this=. --frames 65
    python tracking/dev/tracker_speed.py --side fp32=. --side "bf16=. --precision bf16"
    python tracking/dev/tracker_speed.py --side torch=. --side "ort=. --backend onnxruntime"   # docs/performance.md
    python tracking/dev/tracker_speed.py --tracker siamattn --side main=/tmp/main-checkout --side this=.
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import shlex
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import torch
from torch.utils.flop_counter import FlopCounterMode

import lib
from lib.config import ConfigError
from lib.test.evaluation import tracking_traits
from lib.trackers import DEFAULT_TRACKER, batch_step, get_plugin, load_config, load_tracker, tracker_names
from lib.utils.cli import add_backend_option, add_device_option, add_precision_option, entry_parser, positive_int
from lib.utils.engine import ENGINES, check_engine
from lib.utils.gpu_peaks import peak_fraction
from lib.utils.synthetic import render_video


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = entry_parser(__doc__)
    parser.add_argument("--tracker", choices=tracker_names(), default=DEFAULT_TRACKER,
                        help=f"tracker to time (default: {DEFAULT_TRACKER})")
    parser.add_argument("--config", default=None,
                        help="experiment name or YAML (default: the tracker's main experiment)")
    parser.add_argument("--checkpoint", default=None, help="weights (default: random, see above)")
    parser.add_argument("--dataset", default="lasot", help="HYPER row, i.e. number of references (default: lasot)")
    parser.add_argument("--frames", type=int, default=40, help="frames to track (default: 40)")
    parser.add_argument("--warmup", type=int, default=5, help="first tracked frames left out (default: 5)")
    parser.add_argument("--height", type=int, default=480)
    parser.add_argument("--width", type=int, default=640)
    parser.add_argument("--torch-threads", type=positive_int, nargs="+", default=[1, 2],
                        help="thread counts to time (default: 1 2)")
    add_device_option(parser)
    add_precision_option(parser)
    parser.add_argument("--batch", type=positive_int, default=1,
                        help="videos tracked together by the batched step (default 1: one tracker, track() timed)")
    add_backend_option(parser)
    parser.add_argument("--engine", choices=ENGINES, default=None,
                        help="what runs the network's per-frame methods (default: the device's, see "
                             "lib/utils/device.py); graphs and compile run on CUDA only")
    parser.add_argument("--side", action="append", default=None, metavar='"LABEL=CHECKOUT [OPTIONS]"',
                        help="time this checkout (with these extra options) side by side with the other --side "
                             "entries; ratios are relative to the first")
    parser.add_argument("--block", type=int, default=5, help="frames per alternation block with --side (default: 5)")
    parser.add_argument("--worker", default=None, help=argparse.SUPPRESS)  # internal: video file of a side process
    return parser.parse_args(argv)


def experiment_config(args: argparse.Namespace):
    """The config of the options (tracker, experiment, precision); ConfigError for a bad one."""
    overrides = {"TEST": {"PRECISION": args.precision}} if args.precision else None
    return load_config(args.config, overrides=overrides, tracker=args.tracker)


def build_factory(args: argparse.Namespace):
    """Tracker factory for the options (tracker, config, precision, weights, device)."""
    return load_tracker(args.tracker, experiment_config(args), args.checkpoint, args.device, args.backend,
                        args.engine)


def synchronizer(device: str):
    """A function that waits for the device (no-op on CPU)."""
    return torch.cuda.synchronize if device == "cuda" else (lambda: None)


def time_tracker(tracker, frames: np.ndarray, init_box: list[float], warmup: int, synchronize) -> list[float]:
    """Seconds of each ``track()`` call after the first ``warmup`` ones."""
    tracker.initialize(frames[0], {"init_bbox": init_box})
    seconds = []
    for frame in frames[1:]:
        synchronize()
        start = time.perf_counter()
        tracker.track(frame)
        synchronize()
        seconds.append(time.perf_counter() - start)
    return seconds[warmup:]


def time_batch(trackers: list, step, videos: list, warmup: int, synchronize) -> tuple[list[float], list]:
    """Seconds of each batched ``step`` (one frame of every video) after the first ``warmup`` ones, and the last
    boxes (xywh) of the trackers; ``trackers[i]`` tracks ``videos[i]`` (all of one length) from its first box."""
    for tracker, video in zip(trackers, videos, strict=True):
        tracker.initialize(video.frames[0], {"init_bbox": video.boxes_xywh[0].tolist()})
    seconds, outputs = [], []
    for index in range(1, len(videos[0].frames)):
        synchronize()
        start = time.perf_counter()
        outputs = step(trackers, [video.frames[index] for video in videos])
        synchronize()
        seconds.append(time.perf_counter() - start)
    return seconds[warmup:], [output["target_bbox"] for output in outputs]


def frame_flops(tracker, video) -> int:
    """Floating-point operations of ``tracker``'s first ``track()`` on ``video`` (initialised on frame 0)."""
    tracker.initialize(video.frames[0], {"init_bbox": video.boxes_xywh[0].tolist()})
    with FlopCounterMode(display=False) as counter:
        tracker.track(video.frames[1])
    return counter.get_total_flops()


def summary(seconds: list[float]) -> str:
    median, mean = statistics.median(seconds), statistics.fmean(seconds)
    return (f"median {1000 * median:.1f} ms/frame ({1 / median:.2f} fps), mean {1000 * mean:.1f} ms, "
            f"min {1000 * min(seconds):.1f} ms, max {1000 * max(seconds):.1f} ms")


def run_worker(args: argparse.Namespace) -> int:
    """Side process: build the tracker, then serve ``init T`` / ``track N`` commands on stdin (JSON replies)."""
    video = np.load(args.worker)
    frames, init_box = video["frames"], video["init_box"].tolist()
    factory = build_factory(args)
    synchronize = synchronizer(args.device)
    print(json.dumps({"lib": str(Path(lib.__file__).parent)}), flush=True)
    tracker, position = None, 1
    for line in sys.stdin:
        command, value = line.split()
        if command == "init":
            torch.set_num_threads(int(value))
            tracker, position = factory(tracking_traits(args.dataset)), 1
            tracker.initialize(frames[0], {"init_bbox": init_box})
            reply = {}
        else:
            seconds = []
            for frame in frames[position:position + int(value)]:
                synchronize()
                start = time.perf_counter()
                tracker.track(frame)
                synchronize()
                seconds.append(time.perf_counter() - start)
            position += int(value)
            reply = {"seconds": seconds, "max_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}
        print(json.dumps(reply), flush=True)
    return 0


class Side:
    """A checkout timed in its own process (``LABEL=CHECKOUT [OPTIONS]``)."""

    def __init__(self, spec: str, common: list[str], video_file: str):
        head, *extra = shlex.split(spec)
        self.label, _, root = head.partition("=")
        if not self.label or not root or not (Path(root) / "lib").is_dir():
            raise ValueError(f"--side {spec!r}: expected LABEL=CHECKOUT with CHECKOUT/lib present")
        if not (Path(root) / "lib" / "trackers").is_dir():
            raise ValueError(f"--side {spec!r}: {Path(root) / 'lib'} has no tracker plug-ins (lib/trackers/); "
                             "this script times checkouts of this layout only")
        env = dict(os.environ, PYTHONPATH=str(Path(root).resolve()))
        command = [sys.executable, str(Path(__file__).resolve()), *common, *extra, "--worker", video_file]
        self.process = subprocess.Popen(command, cwd=root, env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                        text=True)
        self.lib = self._reply()["lib"]

    def _reply(self) -> dict:
        line = self.process.stdout.readline()
        if not line:
            raise RuntimeError(f"side {self.label!r} exited (code {self.process.wait()}); see its error above")
        return json.loads(line)

    def ask(self, command: str) -> dict:
        self.process.stdin.write(command + "\n")
        self.process.stdin.flush()
        return self._reply()

    def close(self) -> None:
        self.process.stdin.close()
        self.process.wait()


def common_options(args: argparse.Namespace) -> list[str]:
    """The options every side process receives (a side's own options come after and win)."""
    options = ["--tracker", args.tracker, "--config", args.config, "--dataset", args.dataset, "--device", args.device]
    if args.checkpoint:
        options += ["--checkpoint", args.checkpoint]
    if args.precision:
        options += ["--precision", args.precision]
    if args.engine:
        options += ["--engine", args.engine]
    return options


def run_sides(args: argparse.Namespace, frames: np.ndarray, init_box: list[float]) -> int:
    """Alternate blocks of frames between the side processes and print medians and ratios."""
    with tempfile.TemporaryDirectory() as folder:
        video_file = os.path.join(folder, "video.npz")
        np.savez(video_file, frames=frames, init_box=np.asarray(init_box))
        sides = []
        try:
            for spec in args.side:
                sides.append(Side(spec, common_options(args), video_file))
            for side in sides:
                print(f"  side {side.label}: lib from {side.lib}")
            for threads in args.torch_threads:
                seconds: dict[str, list[float]] = {side.label: [] for side in sides}
                block_ratios: dict[str, list[float]] = {side.label: [] for side in sides[1:]}
                for side in sides:
                    side.ask(f"init {threads}")
                    side.ask(f"track {args.warmup}")
                remaining = len(frames) - 1 - args.warmup
                rss = {}
                while remaining > 0:
                    count = min(args.block, remaining)
                    medians = {}
                    for side in sides:
                        reply = side.ask(f"track {count}")
                        seconds[side.label] += reply["seconds"]
                        medians[side.label] = statistics.median(reply["seconds"])
                        rss[side.label] = reply["max_rss_mib"]
                    for side in sides[1:]:
                        block_ratios[side.label].append(medians[side.label] / medians[sides[0].label])
                    remaining -= count
                print(f"  torch threads {threads}:")
                base = statistics.median(seconds[sides[0].label])
                for side in sides:
                    ratio = ""
                    if side is not sides[0]:
                        ratio = (f"; ratio to {sides[0].label} {statistics.median(seconds[side.label]) / base:.3f} "
                                 f"(median of block ratios {statistics.median(block_ratios[side.label]):.3f})")
                    print(f"    {side.label:>10}: {summary(seconds[side.label])}, peak RSS {rss[side.label]:.0f} MiB"
                          f"{ratio}")
        finally:
            for side in sides:
                side.close()
    return 0


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.worker:
        return run_worker(args)
    args.config = args.config or get_plugin(args.tracker).main_experiment
    if args.frames <= args.warmup + 1:
        print("error: --frames must exceed --warmup + 1", file=sys.stderr)
        return 2
    try:
        tracking_traits(args.dataset, experiment_config(args).TEST.HYPER.keys())
        if args.engine:
            check_engine(args.engine, args.device)
    except (ConfigError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if args.batch > 1 and args.side:
        print("error: --batch is timed in this process only, not side by side (--side)", file=sys.stderr)
        return 2
    videos = [render_video(2022, index, num_frames=args.frames, height=args.height, width=args.width)
              for index in range(args.batch)]
    video, init_box = videos[0], videos[0].boxes_xywh[0].tolist()
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"{args.tracker} ({args.config}, HYPER '{args.dataset}', {args.precision or 'config'} precision) on "
          f"{args.device}, {args.width}x{args.height} frames, {args.frames - 1 - args.warmup} timed frames; "
          f"{os.cpu_count()} CPU cores, load average {load:.1f}")
    if args.side:
        try:
            return run_sides(args, video.frames, init_box)
        except ValueError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 2
    factory = build_factory(args)
    synchronize = synchronizer(args.device)
    flops = frame_flops(factory(tracking_traits(args.dataset)), video)
    print(f"  {flops / 1e9:.2f} GFLOP per tracked frame (counted; operators without a formula count 0)")
    precision = args.precision or experiment_config(args).TEST.PRECISION

    def of_peak(frames_per_second: float) -> str:
        if args.device != "cuda":
            return ""
        return f"; {peak_fraction(flops, frames_per_second, torch.cuda.get_device_name(0), precision)}"

    for threads in args.torch_threads:
        torch.set_num_threads(threads)
        if args.batch > 1:
            trackers = [factory(tracking_traits(args.dataset)) for _ in videos]
            seconds, _ = time_batch(trackers, batch_step(args.tracker, args.backend), videos, args.warmup, synchronize)
            median = statistics.median(seconds)
            print(f"  torch threads {threads}, batch {args.batch}: median {1000 * median:.1f} ms/step, "
                  f"{args.batch / median:.2f} frames/s aggregate ({1 / median:.2f} steps/s){of_peak(args.batch / median)}")
            continue
        seconds = time_tracker(factory(tracking_traits(args.dataset)), video.frames, init_box, args.warmup, synchronize)
        print(f"  torch threads {threads}: {summary(seconds)}{of_peak(1 / statistics.median(seconds))}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
