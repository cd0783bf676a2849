"""Frames per second of the application API with 1, 4, 16 targets on one video (``lib/app/session.py``).

Each target count starts that many targets on the first frame of a synthetic 320x240 video (a grid of boxes
over the frame) and times ``TrackingSession.update`` (one ``track_batch`` call per frame) with
``time.perf_counter`` over ``--frames`` frames after one warm-up frame; the table gives video frames per second
and target-frames per second (targets x frames / s). Default weights: each tracker's shipped small checkpoint.

Example::

    python tracking/dev/multi_target_speed.py --targets 1 4 16 --frames 10
"""
from __future__ import annotations

import sys
import time

import numpy as np

from lib.app import open_session
from lib.trackers import DEFAULT_TRACKER, tracker_names
from lib.utils.cli import (add_device_option, add_precision_option, add_torch_threads_option, apply_torch_threads,
                           entry_parser, positive_int)
from lib.utils.synthetic import render_video


def grid_boxes(count: int, width: int, height: int) -> list[list[float]]:
    """``count`` boxes ``[x, y, w, h]`` on a near-square grid covering a ``width`` x ``height`` frame."""
    columns = int(np.ceil(np.sqrt(count)))
    rows = int(np.ceil(count / columns))
    cell_w, cell_h = width / columns, height / rows
    return [[(k % columns + 0.25) * cell_w, (k // columns + 0.25) * cell_h, cell_w / 2, cell_h / 2]
            for k in range(count)]


def main(argv: list[str] | None = None) -> int:
    parser = entry_parser(__doc__)
    parser.add_argument("--tracker", default=DEFAULT_TRACKER, choices=tracker_names())
    parser.add_argument("--checkpoint", default=None, help="weights (default: the shipped small checkpoint)")
    parser.add_argument("--config", default=None, help="experiment of the weights (default: the checkpoint's)")
    parser.add_argument("--targets", type=positive_int, nargs="+", default=[1, 4, 16], help="target counts")
    parser.add_argument("--frames", type=positive_int, default=10, help="timed frames per target count")
    add_device_option(parser)
    add_precision_option(parser)
    add_torch_threads_option(parser)
    args = parser.parse_args(argv)
    threads = apply_torch_threads(args.torch_threads)
    try:
        session = open_session(args.tracker, args.checkpoint, args.config, args.device, args.precision)
    except (ValueError, OSError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    video = render_video(1, num_frames=args.frames + 2, height=240, width=320)
    print(f"{args.tracker} on {args.device}, {threads} thread(s), {args.frames} frames of 320x240")
    print(f"{'targets':>8} {'frames/s':>9} {'target-frames/s':>16}")
    for count in args.targets:
        session.start(video.frames[0], grid_boxes(count, 320, 240))
        session.update(video.frames[1])
        begin = time.perf_counter()
        for frame in video.frames[2:]:
            session.update(frame)
        fps = args.frames / (time.perf_counter() - begin)
        print(f"{count:>8} {fps:>9.2f} {fps * count:>16.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
