"""Track one object through a video file (any format OpenCV reads) or a folder of frames.

Example::

    python tracking/video_demo.py clip.mp4 --init-bbox 120,80,60,40                # clip_aiatrack_tiny_synthetic.mp4
    python tracking/video_demo.py clip.mp4 --init-bbox 120,80,60,40 --tracker siamattn --output out.mp4

Writes the annotated video (default: ``<video name>_<tracker>_<experiment>.mp4`` in the current folder,
so a run of another tracker or experiment does not overwrite it) and a text file with one ``x,y,w,h``
box per frame (the annotated video's path with ``.txt``). Without ``--init-bbox`` the first frame is
shown for drawing the box, which needs a display.
"""
from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

import cv2
import numpy as np
from tqdm import tqdm

from lib.test.evaluation import tracking_traits
from lib.test.evaluation.init_boxes import check_init_box
from lib.test.tracker import Tracker
from lib.trackers import DEFAULT_TRACKER, tracker_names
from lib.trackers.weights import WeightsChoice, choose_weights, describe_weights, load_tracker_from_weights
from lib.utils.cli import (add_backend_option, add_device_option, add_precision_option, add_torch_threads_option,
                           apply_torch_threads, entry_parser)
from lib.utils.io import atomic_write_text
from lib.utils.video import FrameSource, parse_box

def display_available() -> bool:
    """Whether an interactive window can be opened (X11/Wayland session, or not Linux)."""
    if sys.platform.startswith("linux"):
        return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))
    return True


def select_box(frame_rgb: np.ndarray) -> list[float]:
    """Let the user draw the initial box on the first frame."""
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
    return [float(x), float(y), float(w), float(h)]


def draw_box(frame_rgb: np.ndarray, box: list[float], label: str) -> np.ndarray:
    """BGR copy of the frame with the box and a label drawn on it."""
    image = cv2.cvtColor(frame_rgb, cv2.COLOR_RGB2BGR)
    x, y, w, h = (int(round(v)) for v in box)
    cv2.rectangle(image, (x, y), (x + w, y + h), (0, 255, 0), 2)
    cv2.putText(image, label, (8, 22), cv2.FONT_HERSHEY_SIMPLEX, 0.6, (0, 255, 255), 2, cv2.LINE_AA)
    return image


def track_video(tracker: Tracker, source: FrameSource, init_box: list[float] | None, output: Path,
                progress: bool = True) -> np.ndarray:
    """Track through ``source``, writing the annotated video to ``output``; returns the (N, 4) boxes."""
    boxes: list[list[float]] = []
    writer = None
    output.parent.mkdir(parents=True, exist_ok=True)
    partial = output.with_name(f".{output.stem}.partial{output.suffix}")
    try:
        for index, frame in enumerate(tqdm(source, total=source.count, unit="frame", disable=not progress)):
            if index == 0:
                init_box = init_box or select_box(frame)
                check_init_box(init_box, (frame.shape[1], frame.shape[0]), f"{source.path}: --init-bbox")
                result = tracker.initialize(frame, {"init_bbox": init_box})
                label = "frame 0 (init)"
                height, width = frame.shape[:2]
                writer = cv2.VideoWriter(str(partial), cv2.VideoWriter_fourcc(*"mp4v"), source.fps, (width, height))
                if not writer.isOpened():
                    raise RuntimeError(f"OpenCV cannot write the video {output}")
            else:
                result = tracker.track(frame)
                iou = result.get("predicted_iou")
                label = f"frame {index}" + (f"  predicted IoU {iou:.2f}" if iou is not None else "")
            boxes.append([float(v) for v in result["target_bbox"]])
            writer.write(draw_box(frame, boxes[-1], label))
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    finally:
        if writer is not None:
            writer.release()
    if not boxes:
        raise ValueError(f"{source.path}: no frames could be read")
    os.replace(partial, output)
    return np.asarray(boxes)


def default_output(video: str | os.PathLike, tracker: str, weights: WeightsChoice) -> Path:
    """``<video name>_<tracker>_<experiment>.mp4`` in the current folder.

    The experiment is the config's name, or for a config stored in a checkpoint the checkpoint's name
    (up to its first dot, without a leading ``<tracker>_``); ``_random`` is appended for untrained weights.
    """
    if isinstance(weights.config, str):
        experiment = Path(weights.config).stem
    else:
        experiment = Path(weights.checkpoint).name.split(".")[0].removeprefix(f"{tracker}_")
    return Path(f"{Path(video).stem}_{tracker}_{experiment}{'_random' if weights.random else ''}.mp4")


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = entry_parser(__doc__)
    parser.add_argument("video", help="video file or folder of frames (sorted by name)")
    parser.add_argument("--tracker", default=DEFAULT_TRACKER, choices=tracker_names(),
                        help=f"tracker (default: {DEFAULT_TRACKER})")
    parser.add_argument("--init-bbox", type=parse_box, default=None, help="initial box x,y,w,h in pixels of frame 0")
    parser.add_argument("--checkpoint", default=None,
                        help="weights (default: the tracker's small checkpoint in checkpoints/, else random)")
    parser.add_argument("--config", default=None,
                        help="experiment name or YAML of the weights (default: the one the checkpoint was trained with)")
    parser.add_argument("--hyper", default="default", help="TEST.HYPER row to use (a benchmark name; default: DEFAULT)")
    parser.add_argument("--output", default=None,
                        help="annotated video (default: <video name>_<tracker>_<experiment>.mp4 here)")
    parser.add_argument("--boxes", default=None, help="box text file (default: the output path with .txt)")
    parser.add_argument("--fps", type=float, default=30.0, help="frame rate of a folder of frames (default: 30)")
    add_device_option(parser)
    add_precision_option(parser)
    add_backend_option(parser)
    add_torch_threads_option(parser)
    parser.add_argument("--no-progress", action="store_true", help="no progress bar")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    apply_torch_threads(args.torch_threads)
    try:
        source = FrameSource(args.video, args.fps)
        weights = choose_weights(args.checkpoint, args.config, args.tracker, args.precision)
        output = Path(args.output) if args.output else default_output(args.video, args.tracker, weights)
        boxes_path = Path(args.boxes) if args.boxes else output.with_suffix(".txt")
        print(describe_weights(weights))
        traits = tracking_traits(args.hyper, weights.config_node().TEST.HYPER.keys())
        tracker = load_tracker_from_weights(weights, args.device, args.backend)(traits)
        boxes = track_video(tracker, source, args.init_bbox, output, progress=not args.no_progress)
        atomic_write_text(boxes_path, "".join(",".join(f"{v:.2f}" for v in box) + "\n" for box in boxes))
    except (RuntimeError, ValueError, OSError) as exc:  # bad video, weights, box; unwritable output
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"interrupted; no output written for {args.video}", file=sys.stderr)
        return 130
    print(f"{len(boxes)} frames tracked: video {output}, boxes {boxes_path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
