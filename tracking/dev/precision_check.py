"""Accuracy cost of a reduced network precision (TEST.PRECISION bf16/fp16) against float32.

Two measurements, both printed as a table:

* the official tracker fixture (``tracker_fixture_A.pt`` in ``--reference-dir``, default ``../shared/reference``
  beside the checkout; 30 frames, three hyper-parameter runs; see lib/test/tracker/aiatrack/fixture_run.py)
  run free with the official-format weights ``aiatrack_synthetic.pth.tar``: largest box difference to the
  recorded official boxes (px) and to our float32 boxes, and the number of frames whose cache-update
  decision differs from the official one;
* success AUC (OTB protocol, 21 IoU thresholds) on synthetic videos (``lib.utils.synthetic``) for each
  precision, with the same weights.

The fixture and the weights are optional test data recorded from the official code, kept beside the
checkout and not part of the repository; without them the script exits with status 2.

Examples::

    python tracking/dev/precision_check.py                       # bf16 vs fp32 on CPU
    python tracking/dev/precision_check.py --precision fp16 --device cuda --videos 20
"""
from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import torch

from lib.test.analysis.got10k_toolkit import otb_sequence_curves
from lib.test.tracker.aiatrack import AiATracker
from lib.test.tracker.aiatrack.fixture_run import FIXTURE_EXPERIMENT, free_run_fixture, load_model
from lib.trackers.aiatrack import PLUGIN
from lib.trackers import load_config
from lib.utils.cli import add_device_option, add_torch_threads_option, apply_torch_threads, entry_parser
from lib.utils.synthetic import render_video

REFERENCE_DIR = Path(__file__).resolve().parents[2].parent / "shared" / "reference"


def synthetic_auc(model: torch.nn.Module, precision: str, videos: int, frames: int) -> float:
    """Mean OTB success AUC (percent) over synthetic videos 0..videos-1 of family 7."""
    cfg = load_config(FIXTURE_EXPERIMENT, overrides={"TEST": {"PRECISION": precision}}, tracker=PLUGIN.name)
    aucs = []
    for index in range(videos):
        video = render_video(7, index, num_frames=frames, height=360, width=480)
        tracker = AiATracker(model, cfg, "default")
        tracker.initialize(video.frames[0], {"init_bbox": video.boxes_xywh[0].tolist()})
        boxes = [video.boxes_xywh[0].tolist()] + [tracker.track(f)["target_bbox"] for f in video.frames[1:]]
        success, _ = otb_sequence_curves(np.array(boxes), video.boxes_xywh)
        aucs.append(100 * success.mean())
    return float(np.mean(aucs))


def main(argv: list[str] | None = None) -> int:
    parser = entry_parser(__doc__)
    parser.add_argument("--precision", default="bf16", choices=("tf32", "bf16", "fp16"),
                        help="precision to compare with fp32 (tf32 differs on Ampere+ GPUs only)")
    add_device_option(parser)
    parser.add_argument("--videos", type=int, default=4, help="synthetic videos for the AUC (default: 4)")
    parser.add_argument("--frames", type=int, default=40, help="frames per synthetic video (default: 40)")
    parser.add_argument("--runs", nargs="+", default=None, help="fixture runs to track (default: all three)")
    parser.add_argument("--reference-dir", type=Path, default=REFERENCE_DIR,
                        help="folder of the official fixtures (default: ../shared/reference beside the checkout)")
    add_torch_threads_option(parser)
    args = parser.parse_args(argv)
    fixture_path = args.reference_dir / "tracker_fixture_A.pt"
    checkpoint = args.reference_dir / "aiatrack_synthetic.pth.tar"
    if not fixture_path.is_file() or not checkpoint.is_file():
        print(f"error: the official reference data is not available in {args.reference_dir}", file=sys.stderr)
        return 2
    apply_torch_threads(args.torch_threads)
    fixture = torch.load(fixture_path, weights_only=True)
    model = load_model(checkpoint, args.device)
    print("| fixture run | precision | max box diff to official (px) | to our fp32 (px) | decisions != official |")
    print("|---|---|---|---|---|")
    for run_name in args.runs or list(fixture["runs"]):
        official = fixture["runs"][run_name]
        recorded_boxes = official["target_bbox_xywh"][1:].numpy()
        recorded_updates = official["cache_updated"][1:].numpy().astype(bool)
        ours = {p: free_run_fixture(model, p, fixture, run_name) for p in ("fp32", args.precision)}
        for precision, result in ours.items():
            to_official = np.abs(result["boxes"] - recorded_boxes).max()
            to_fp32 = np.abs(result["boxes"] - ours["fp32"]["boxes"]).max()
            flips = int((result["updated"] != recorded_updates).sum())
            print(f"| {run_name} | {precision} | {to_official:.2e} | {to_fp32:.2e} | {flips} of {len(recorded_updates)} |",
                  flush=True)
    for precision in ("fp32", args.precision):
        auc = synthetic_auc(model, precision, args.videos, args.frames)
        print(f"synthetic success AUC, {precision}: {auc:.2f}% ({args.videos} videos x {args.frames} frames)", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
