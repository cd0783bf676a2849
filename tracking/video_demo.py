"""Track one or several objects through a video file, a folder of frames, a camera or a network stream.

Examples::

    python tracking/video_demo.py clip.mp4 --init-bbox 120,80,60,40                # clip_aiatrack_tiny_synthetic.mp4
    python tracking/video_demo.py clip.mp4 --init-bbox 120,80,60,40 --init-bbox 300,90,40,40 --tracker siamattn
    python tracking/video_demo.py --source 0 --init-bbox 200,150,80,80                # webcam 0, real time
    python tracking/video_demo.py --source rtsp://camera.local/stream --init-boxes boxes.txt

Writes the annotated video (default: ``<source name>_<tracker>_<experiment>.mp4`` in the current folder, so a
run of another tracker or experiment does not overwrite it; one colour and id per target), beside it
``.mot.txt`` with ``frame,id,x,y,w,h,score`` per target and frame (MOT challenge style, frames 1-based) and
``.timing.csv`` with each frame's latency, and for one target tracked on every frame ``.txt`` with one
``x,y,w,h`` per frame.

A camera index or an ``rtsp://`` / ``http://`` URL runs in real time: while the tracker works on a frame the
source goes on, and only its newest frame is tracked next (the others are dropped, not queued); ``--realtime``
plays a file at its frame rate the same way. Latency (capture to result) and the achieved fps are shown on the
video and the progress bar and logged. Ctrl-C stops the run with valid outputs of the frames tracked so far.
Without ``--init-bbox``/``--init-boxes`` the box is the first line of the folder's ``groundtruth.txt`` where
there is one (a sequence of a custom root, docs/custom-data.md, e.g. ``python tracking/video_demo.py
data/mine/walk``), else the first frame is shown for drawing the box, which needs a display.
"""
from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

import cv2
import numpy as np
from tqdm import tqdm

from lib.app.live import open_frames
from lib.app.run import RunLog, track_frames, write_mot, write_timing
from lib.app.session import open_session
from lib.datasets.annotations import read_rows
from lib.datasets.custom import GROUND_TRUTH
from lib.trackers import DEFAULT_TRACKER, tracker_names
from lib.trackers.weights import WeightsChoice, describe_weights
from lib.utils.cli import (INTERRUPTED, add_backend_option, add_device_option, add_precision_option,
                           add_torch_threads_option, apply_torch_threads, entry_parser)
from lib.utils.io import atomic_write_text
from lib.utils.video import parse_box, read_boxes


def display_available() -> bool:
    """Whether an interactive window can be opened (X11/Wayland session, or not Linux)."""
    if sys.platform.startswith("linux"):
        return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))
    return True


def select_box(frame_rgb: np.ndarray) -> list[list[float]]:
    """Let the user draw the target box on the first frame; RuntimeError (one line) without a display."""
    if not display_available():
        raise RuntimeError("no display available for drawing the box: pass --init-bbox x,y,w,h")
    try:
        x, y, w, h = cv2.selectROI("draw the target box, then press ENTER", cv2.cvtColor(frame_rgb, cv2.COLOR_RGB2BGR),
                                   showCrosshair=True)
        cv2.destroyAllWindows()
    except cv2.error as exc:
        raise RuntimeError(f"OpenCV cannot open a window ({exc.err}); pass --init-bbox x,y,w,h") from None
    if w <= 0 or h <= 0:
        raise RuntimeError("no box drawn; pass --init-bbox x,y,w,h")
    return [[float(x), float(y), float(w), float(h)]]


def source_name(source: str) -> str:
    """The name outputs are called after: the file or folder name, ``camera<N>``, or ``stream``."""
    if source.isdigit():
        return f"camera{source}"
    if "://" in source:
        return "stream"
    return Path(source).stem


def default_output(source: str, tracker: str, weights: WeightsChoice) -> Path:
    """``<source name>_<tracker>_<experiment>.mp4`` in the current folder.

    The experiment is the config's name, or for a config stored in a checkpoint the checkpoint's name
    (up to its first dot, without a leading ``<tracker>_``); ``_random`` is appended for untrained weights.
    """
    if isinstance(weights.config, str):
        experiment = Path(weights.config).stem
    else:
        experiment = Path(weights.checkpoint).name.split(".")[0].removeprefix(f"{tracker}_")
    return Path(f"{source_name(source)}_{tracker}_{experiment}{'_random' if weights.random else ''}.mp4")


def sequence_init_box(source: str) -> list[float] | None:
    """Line 1 of ``<source>/groundtruth.txt`` (x, y, w, h in pixels) when ``source`` is a sequence folder holding
    one, else None. Raises ``AnnotationError`` (a ``ValueError``) naming the file and line when malformed."""
    ground_truth = Path(source) / GROUND_TRUTH
    if not ground_truth.is_file():
        return None
    return [float(v) for v in read_rows(ground_truth)[0]]


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = entry_parser(__doc__)
    parser.add_argument("video", nargs="?", default=None, help="video file or folder of frames (or use --source)")
    parser.add_argument("--source", default=None,
                        help="video file, folder of frames (sorted by name), camera index (0) or rtsp/http URL")
    parser.add_argument("--tracker", default=DEFAULT_TRACKER, choices=tracker_names(),
                        help=f"tracker (default: {DEFAULT_TRACKER})")
    parser.add_argument("--init-bbox", type=parse_box, action="append", default=None,
                        help="initial box x,y,w,h in pixels of the first frame; repeat for several targets (default: line 1 "
                             "of <folder>/groundtruth.txt where there is one, else drawn on the first frame)")
    parser.add_argument("--init-boxes", default=None, metavar="FILE",
                        help="text file with one initial box x,y,w,h per line, one target per line")
    parser.add_argument("--realtime", action="store_true",
                        help="play a file at its frame rate and drop the frames the tracker is too slow for "
                             "(always on for cameras and streams)")
    parser.add_argument("--checkpoint", default=None,
                        help="weights (default: the tracker's small checkpoint in checkpoints/, else random)")
    parser.add_argument("--config", default=None,
                        help="experiment name or YAML of the weights (default: the one the checkpoint was trained with)")
    parser.add_argument("--hyper", default="default", help="TEST.HYPER row to use (a benchmark name; default: DEFAULT)")
    parser.add_argument("--output", default=None,
                        help="annotated video (default: <source name>_<tracker>_<experiment>.mp4 here)")
    parser.add_argument("--boxes", default=None, help="x,y,w,h box file of one target (default: the output with .txt)")
    parser.add_argument("--fps", type=float, default=30.0,
                        help="frame rate of a folder of frames, or of a camera that does not report one (default: 30)")
    add_device_option(parser)
    add_precision_option(parser)
    add_backend_option(parser)
    add_torch_threads_option(parser)
    parser.add_argument("--no-progress", action="store_true", help="no progress bar")
    args = parser.parse_args(argv)
    if (args.video is None) == (args.source is None):
        parser.error("give the video either as the first argument or as --source, once")
    if args.init_bbox and args.init_boxes:
        parser.error("give the boxes with --init-bbox or --init-boxes, not both")
    args.source = args.source or args.video
    return args


def initial_regions(args: argparse.Namespace, name: str) -> tuple[list[list[float]] | None, list[str] | None]:
    """The boxes given on the command line (else line 1 of a sequence folder's ground truth) and where each came
    from (for messages); (None, None): draw one."""
    if args.init_boxes:
        pairs = read_boxes(args.init_boxes)
        return [box for box, _ in pairs], [where for _, where in pairs]
    if args.init_bbox:
        many = len(args.init_bbox) > 1
        where = [f"{name}: --init-bbox" + (f" {k + 1}" if many else "") for k in range(len(args.init_bbox))]
        return args.init_bbox, where
    box = sequence_init_box(args.source)
    if box is not None:
        return [box], [f"{Path(args.source) / GROUND_TRUTH}:1"]
    return None, None


def write_outputs(log: RunLog, output: Path, boxes_path: Path, dropped: int) -> list[Path]:
    """The MOT file, the timing log and (one target, every frame tracked) the x,y,w,h box file."""
    written = [output.with_suffix(".mot.txt"), output.with_suffix(".timing.csv")]
    write_mot(written[0], log)
    write_timing(written[1], log)
    if dropped == 0 and all(len(results) == 1 for results in log.results):
        atomic_write_text(boxes_path, "".join(",".join(f"{v:.2f}" for v in results[0].box) + "\n"
                                              for results in log.results))
        written.append(boxes_path)
    return written


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    apply_torch_threads(args.torch_threads)
    source = None
    try:
        session = open_session(args.tracker, args.checkpoint, args.config, args.device, args.precision, args.hyper,
                               args.backend)
        print(describe_weights(session.weights))
        output = Path(args.output) if args.output else default_output(args.source, args.tracker, session.weights)
        boxes_path = Path(args.boxes) if args.boxes else output.with_suffix(".txt")
        source = open_frames(args.source, args.realtime, args.fps)
        regions, where = initial_regions(args, source.name)
        bar = tqdm(total=source.count, unit="frame", disable=args.no_progress)

        def progress(log: RunLog) -> None:
            bar.update(log.indices[-1] + 1 - bar.n)
            bar.set_postfix_str(f"{log.latencies[-1] * 1000:.0f} ms latency, {log.fps:.1f} fps")

        log = track_frames(session, source.frames, regions, output, source.fps, select_box, progress, where)
        bar.close()
        dropped = source.live.dropped if source.live is not None else 0
        written = write_outputs(log, output, boxes_path, dropped)
    except (RuntimeError, ValueError, OSError) as exc:  # bad source, weights, box; unwritable output
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"interrupted before the first frame was tracked; no output written for {args.source}", file=sys.stderr)
        return INTERRUPTED
    finally:
        if source is not None and source.live is not None:
            source.live.close()
    latency = np.median(log.latencies) * 1000
    print(f"{len(log.indices)} frames tracked ({dropped} dropped), median latency {latency:.0f} ms, "
          f"{log.fps:.1f} fps: video {output}, " + ", ".join(str(path) for path in written))
    if log.interrupted:
        print("interrupted: the outputs hold the frames tracked so far", file=sys.stderr)
        return INTERRUPTED
    return 0


if __name__ == "__main__":
    sys.exit(main())
