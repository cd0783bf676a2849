"""Run a tracker on a benchmark and write raw results in the official layout.

Example::

    python tracking/test.py aiatrack baseline --dataset lasot --threads 2
    python tracking/test.py aiatrack baseline --dataset got10k_test --checkpoint AIATRACK_ep0500.pth.tar

Results go to ``<results_dir>/<tracker>/<param>[_<id>]/`` (settings file or ``--results-dir``); sequences
whose result file exists are skipped, so re-running the same command resumes an interrupted run.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from lib.config import ConfigError, load_config, resolve_experiment
from lib.test.evaluation import BENCHMARKS, load_benchmark
from lib.test.evaluation.results import result_dir
from lib.test.tracker import TRACKERS
from lib.test.evaluation.runner import RunSummary, TrackerLoadError, TrackerSpec, run_benchmark
from lib.utils.settings import Settings, load_settings


def default_checkpoint(settings: Settings, tracker: str, param: str, epoch: int) -> Path:
    """Where training leaves the weights of ``param`` after ``epoch`` epochs (official layout)."""
    return (Path(settings.workspace_dir) / "checkpoints" / "train" / tracker / param
            / f"{tracker.upper()}_ep{epoch:04d}.pth.tar")


def _non_negative(text: str) -> int:
    value = int(text)
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be >= 0, got {value}")
    return value


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("tracker", choices=sorted(TRACKERS), help="tracker name")
    parser.add_argument("param", help="experiment name in experiments/<tracker>/ (e.g. baseline) or a YAML path")
    parser.add_argument("--dataset", default="lasot", choices=sorted(BENCHMARKS), help="benchmark (default: lasot)")
    parser.add_argument("--split", default=None, help="benchmark split where it has several")
    parser.add_argument("--sequence", default=None, help="track only the sequence with this name")
    parser.add_argument("--threads", type=_non_negative, default=0,
                        help="worker processes (0 = run in this process; with --device cuda several workers "
                             "share each GPU, spread round-robin over the visible GPUs)")
    parser.add_argument("--torch-threads", type=int, default=None,
                        help="intra-op torch threads per worker (default: CPU cores / workers; on a CPU shared "
                             "with other jobs use 1, or export OMP_WAIT_POLICY=PASSIVE, else idle OpenMP threads "
                             "spin and a frame can take 10x longer)")
    parser.add_argument("--checkpoint", default=None,
                        help="weights file (default: <workspace>/checkpoints/train/<tracker>/<param>/"
                             "<TRACKER>_ep<TEST.EPOCH>.pth.tar)")
    parser.add_argument("--device", default="cpu", choices=("cpu", "cuda"), help="device (default: cpu)")
    parser.add_argument("--precision", default=None, choices=("fp32", "bf16", "fp16"),
                        help="network precision, sets TEST.PRECISION (default: the config's, fp32)")
    parser.add_argument("--run-id", type=int, default=None, help="results go to <param>_<id:03d>")
    parser.add_argument("--settings", default=None, help="settings file (default: $AIATRACK_SETTINGS or ./settings.yaml)")
    parser.add_argument("--results-dir", default=None, help="override the results root of the settings")
    parser.add_argument("--no-progress", action="store_true", help="no progress bar")
    return parser.parse_args(argv)


def print_summary(summary: RunSummary, out_dir: Path) -> None:
    """Counts, failures and the achieved speed."""
    print(f"{len(summary.done)} sequence(s) tracked, {len(summary.skipped)} skipped (results exist), "
          f"{len(summary.failed)} failed; results in {out_dir}")
    for outcome in summary.failed:
        print(f"  FAILED {outcome.name}: {outcome.error}", file=sys.stderr)
    if summary.done:
        wall_fps = summary.frames / summary.wall_seconds if summary.wall_seconds > 0 else 0.0
        print(f"{summary.frames} frames: {summary.fps:.2f} fps per tracker (tracker time only), "
              f"{wall_fps:.2f} fps overall throughput ({summary.wall_seconds:.1f} s wall clock)")


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.device == "cuda":
        import torch

        if not torch.cuda.is_available():
            print("error: --device cuda requested but no CUDA device is available", file=sys.stderr)
            return 2
    try:
        settings = load_settings(args.settings, {"results_dir": args.results_dir})
        config_path = resolve_experiment(args.param, args.tracker)
        overrides = {"TEST": {"PRECISION": args.precision}} if args.precision else None
        cfg = load_config(config_path, overrides=overrides, tracker=args.tracker)
        checkpoint = Path(args.checkpoint) if args.checkpoint else default_checkpoint(
            settings, args.tracker, Path(args.param).stem, cfg.TEST.EPOCH)
        if not checkpoint.is_file():
            raise FileNotFoundError(f"checkpoint not found: {checkpoint} (train first or pass --checkpoint)")
        sequences = load_benchmark(args.dataset, settings, split=args.split)
        if args.sequence is not None:
            sequences = [s for s in sequences if s.name == args.sequence]
            if not sequences:
                raise ValueError(f"no sequence named {args.sequence!r} in {args.dataset}")
    except (ConfigError, FileNotFoundError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    out_dir = result_dir(settings, args.tracker, Path(args.param).stem, args.run_id)
    spec = TrackerSpec(args.tracker, cfg.to_dict() if args.precision else str(config_path), str(checkpoint),
                       args.device)
    print(f"{args.tracker}/{Path(args.param).stem} on {args.dataset}: {len(sequences)} sequence(s), "
          f"weights {checkpoint}")
    try:
        summary = run_benchmark(spec, sequences, args.dataset, out_dir, num_workers=args.threads,
                                torch_threads=args.torch_threads, progress=not args.no_progress)
    except TrackerLoadError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print_summary(summary, out_dir)
    return 1 if summary.failed else 0


if __name__ == "__main__":
    sys.exit(main())
