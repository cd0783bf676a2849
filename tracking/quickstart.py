"""Embedded default: the whole AiATrack pipeline end to end on a small synthetic benchmark, on CPU.

1. renders a few synthetic videos and writes them as a GOT-10k validation set (the real layout),
2. tracks every sequence with the benchmark runner of ``tracking/test.py`` (results in the official format),
3. scores them as ``tracking/analysis_results.py`` does by default (the official AiATrack analysis) and
   prints the table and the plot paths.

No dataset and no download is needed. The weights are stated plainly: by default the small checkpoint
shipped in ``checkpoints/`` (trained on synthetic videos only), else RANDOM weights of the tiny config,
announced loudly. Pass ``--checkpoint`` (with ``--config`` when it is not one of our checkpoints) for
other weights, e.g. an official AiATrack checkpoint with ``--config baseline``. ``--tracker siamattn`` runs
SiamAttn instead, by default with ``checkpoints/siamattn_tiny_synthetic.pth`` (tiny config, synthetic videos
only) when present. Results and plots go to ``<workspace>/tracking_results/<tracker>/<weights>/`` and
``<workspace>/result_plots/<tracker>/<weights>/`` (``<weights>``: the checkpoint's name, or ``random_<config>``),
so runs of the two trackers or of other weights keep their own files.
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from lib.test.analysis.evaluate import ResultSource, evaluate_sources
from lib.test.analysis.metrics import MetricError
from lib.test.analysis.plots import plot_all
from lib.test.analysis.protocols import AiATrackProtocol, get_protocol
from lib.test.analysis.report import summary_report
from lib.test.evaluation import Sequence, load_benchmark
from lib.test.evaluation.runner import RunInterrupted, TrackerLoadError, TrackerSpec, run_benchmark
from lib.trackers import DEFAULT_TRACKER, tracker_names
from lib.trackers.weights import choose_weights, describe_weights
from lib.utils.cli import (INTERRUPTED, add_device_option, add_precision_option, add_torch_threads_option,
                           apply_torch_threads, entry_parser, print_run_summary)
from lib.utils.settings import Settings, save_settings
from lib.utils.synthetic import render_videos, write_got10k

DATASET = "got10k_val"
PROTOCOL = AiATrackProtocol.name  # the official AiATrack analysis: tracking/analysis_results.py's default


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = entry_parser(__doc__)
    parser.add_argument("--workspace", type=Path, default=Path("output/quickstart"),
                        help="folder for the synthetic benchmark, results and plots (default: output/quickstart)")
    parser.add_argument("--tracker", choices=tracker_names(), default=DEFAULT_TRACKER,
                        help=f"tracker to run (default: {DEFAULT_TRACKER})")
    parser.add_argument("--checkpoint", default=None,
                        help="weights (default: the tracker's checkpoint in checkpoints/ if present, else random)")
    parser.add_argument("--config", default=None,
                        help="experiment name or YAML of the weights (default: the checkpoint's own, else tiny)")
    parser.add_argument("--videos", type=int, default=4, help="synthetic videos (default: 4)")
    parser.add_argument("--frames", type=int, default=40, help="frames per video (default: 40)")
    parser.add_argument("--threads", type=int, default=0, help="tracking worker processes (0 = this process)")
    add_device_option(parser)
    add_precision_option(parser)
    add_torch_threads_option(parser)
    parser.add_argument("--seed", type=int, default=2022, help="seed of the synthetic videos")
    parser.add_argument("--no-progress", action="store_true", help="no progress bars")
    return parser.parse_args(argv)


def write_benchmark(root: Path, videos: int, frames: int, seed: int) -> None:
    """Synthetic GOT-10k validation split under ``root`` (kept when it already exists)."""
    if (root / "val" / "list.txt").is_file():
        print(f"[1/3] synthetic benchmark already at {root} (delete it to re-render)")
        return
    print(f"[1/3] rendering {videos} synthetic videos x {frames} frames into {root} (GOT-10k layout)")
    write_got10k(root, render_videos(seed, videos, num_frames=frames), split="val")


def analyse(sequences: list[Sequence], label: str, results: Path, plot_dir: Path, progress: bool) -> None:
    """Print the score table of the results in ``results`` and write the plots to ``plot_dir``.

    Raises ``MetricError``/``ValueError``/``FileNotFoundError`` for missing or malformed result files.
    """
    protocol = get_protocol(PROTOCOL)
    evaluations, skipped = evaluate_sources(sequences, [ResultSource(label, (results,))], protocol, progress=progress)
    print(summary_report(evaluations, protocol, DATASET, len(sequences) - len(skipped), skipped))
    for path in plot_all(evaluations, protocol, DATASET, plot_dir):
        print(f"plot: {path}")


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    threads = apply_torch_threads(args.torch_threads)
    start = time.perf_counter()
    try:
        weights = choose_weights(args.checkpoint, args.config, tracker=args.tracker, precision=args.precision)
    except (FileNotFoundError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(describe_weights(weights))

    workspace = args.workspace.expanduser().resolve()
    settings = Settings(workspace_dir=str(workspace), results_dir=str(workspace / "tracking_results"),
                        result_plots_dir=str(workspace / "result_plots"), got10k_dir=str(workspace / "got10k"))
    settings_file = workspace / "settings.yaml"
    workspace.mkdir(parents=True, exist_ok=True)
    save_settings(settings, settings_file)
    write_benchmark(Path(settings.got10k_dir), args.videos, args.frames, args.seed)

    label = f"random_{Path(weights.config).stem}" if weights.random else Path(weights.checkpoint).name.split(".")[0]
    out_dir = Path(settings.results_dir) / args.tracker / label
    sequences = load_benchmark(DATASET, settings)
    print(f"[2/3] tracking {len(sequences)} sequences -> {out_dir} (existing results are kept; the benchmark "
          f"runner of tracking/test.py, settings in {settings_file})")
    spec = TrackerSpec(args.tracker, weights.config_node().to_dict(), weights.checkpoint, args.device)
    try:
        summary = run_benchmark(spec, sequences, DATASET, out_dir, num_workers=args.threads,
                                torch_threads=threads, progress=not args.no_progress)
    except (TrackerLoadError, OSError, ValueError) as exc:  # tracker, results folder, first-frame boxes
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except RunInterrupted as exc:
        print(f"interrupted: {len(exc.summary.done)} sequence(s) done, results in {out_dir}; re-run to resume",
              file=sys.stderr)
        return INTERRUPTED
    print_run_summary(summary, out_dir)
    if summary.failed or summary.not_run:
        return 1

    print(f"[3/3] analysis (same as: python tracking/analysis_results.py --results {label}={out_dir} "
          f"--dataset {DATASET} --settings {settings_file})")
    try:
        analyse(sequences, label, out_dir, Path(settings.result_plots_dir) / args.tracker / label,
                progress=not args.no_progress)
    except (MetricError, FileNotFoundError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(describe_weights(weights))
    print(f"quickstart finished in {time.perf_counter() - start:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
