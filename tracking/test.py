"""Run a tracker on a benchmark and write raw results in the official layout.

Example::

    python tracking/test.py aiatrack baseline --dataset lasot --threads 2
    python tracking/test.py aiatrack baseline --dataset got10k_test --checkpoint AIATRACK_ep0500.pth.tar
    python tracking/test.py aiatrack baseline --dataset vot18 --threads 4

VOT benchmarks run the toolkit's experiments (vot16/vot18: supervised with re-initialisation; vot20/vot22:
multistart from every anchor) and write ``<seq>/<seq>_001.txt``-style trajectories to
``<results_dir>/<tracker>/<param>/<dataset>/`` (score them with analysis_results.py --protocol vot);
``--experiment realtime`` (vot20/vot22) runs the real-time experiment into ``<dataset>_realtime/``.

Results go to ``<results_dir>/<tracker>/<param>[_<id>]/`` (settings file or ``--results-dir``); sequences
whose result file exists are skipped, so re-running the same command resumes an interrupted run
(Ctrl-C, a lost worker process or a full disk stop the run with one line saying so). The folder records
what produced its results (``run.json``: tracker, weights digest, MODEL/TEST config, VOT options); a run with
other weights, precision or hyper-parameters into the same folder is refused before tracking, naming what
differs (``lib/test/evaluation/run_identity.py``).

``--batch N`` tracks N sequences together in each process (this one, or each ``--threads`` worker: N x workers
sequences in flight), one batched network step per frame; a finished sequence is written at once and the next
one joins (one-pass benchmarks only; the results are those of ``--batch 1``, within the trackers' fidelity
tolerances). The run ends with its speed: frames/s and sequences/hour.

Each process (this one, or each ``--threads`` worker) runs torch with ``--torch-threads`` intra-op threads,
else ``$OMP_NUM_THREADS``, else 1 (the policy of every entry point, lib/utils/cli.py): use more cores
through more workers.

Exit status: 0 all tracked, 1 some sequence failed or was not run, 2 bad input, 130 interrupted.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from lib.config import ConfigError, resolve_experiment
from lib.test.evaluation import BENCHMARKS, load_benchmark
from lib.test.evaluation.results import result_dir
from lib.test.evaluation.run_identity import claim_run_dir, release_run_dir, run_identity
from lib.trackers import get_plugin, load_config, tracker_names
from lib.test.evaluation.runner import (OnePassTask, RunInterrupted, TrackerLoadError, TrackerSpec,
                                       run_benchmark)
from lib.test.evaluation.vot_runner import EXPERIMENTS, INIT_METHODS, vot_task
from lib.utils.cli import (INTERRUPTED, add_backend_option, add_device_option, add_precision_option,
                           add_settings_options, add_torch_threads_option, apply_torch_threads, entry_parser,
                           non_negative_int, positive_int, print_run_summary, settings_from_args)
from lib.utils.device import DEFAULT_BACKEND, check_backend
from lib.utils.settings import Settings
from lib.utils.paths import training_checkpoint, vot_run_dir


def default_checkpoint(settings: Settings, tracker: str, param: str, epoch: int) -> Path:
    """Where training leaves the weights of ``param`` after ``epoch`` epochs (``lib/utils/paths.py``), named with
    the tracker plug-in's checkpoint prefix."""
    return training_checkpoint(settings.workspace_dir, tracker, param, get_plugin(tracker).checkpoint_prefix, epoch)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = entry_parser(__doc__)
    parser.add_argument("tracker", choices=tracker_names(), help="tracker name")
    parser.add_argument("param", nargs="?", default=None,
                        help="experiment name in experiments/<tracker>/ (e.g. baseline) or a YAML path")
    parser.add_argument("--config", default=None,
                        help="the experiment, as in the other commands (instead of the positional param)")
    parser.add_argument("--dataset", default="lasot", choices=sorted(BENCHMARKS), help="benchmark (default: lasot)")
    parser.add_argument("--split", default=None, help="benchmark split where it has several")
    parser.add_argument("--root", default=None, metavar="DIR",
                        help="the benchmark's root folder, instead of its settings entry (e.g. --dataset custom "
                             "--root DIR for your own sequences, docs/custom-data.md)")
    parser.add_argument("--sequence", nargs="+", default=None, metavar="NAME",
                        help="track only these sequences (only their folders need to exist); the benchmark "
                             "prefix may be left out where unambiguous (Basketball = otb_Basketball)")
    parser.add_argument("--threads", type=non_negative_int, default=0,
                        help="worker processes (0 = run in this process; with --device cuda several workers "
                             "share each GPU, spread round-robin over the visible GPUs)")
    parser.add_argument("--batch", type=positive_int, default=1,
                        help="sequences tracked together in each process (this one or each worker), one batched "
                             "network step per frame (default 1; one-pass benchmarks only, not VOT)")
    add_torch_threads_option(parser)
    parser.add_argument("--checkpoint", default=None,
                        help="weights file (default: <workspace>/checkpoints/train/<tracker>/<param>/"
                             "<TRACKER>_ep<TEST.EPOCH>.pth.tar)")
    add_device_option(parser)
    add_precision_option(parser)
    add_backend_option(parser)
    parser.add_argument("--run-id", type=int, default=None,
                        help="results go to <param>_<id:03d>; repeated runs of a non-VOT benchmark are separate "
                             "run ids (e.g. GOT-10k's 3 repetitions: --run-id 1, 2, 3)")
    add_settings_options(parser)
    parser.add_argument("--results-dir", default=None, help="override the results root of the settings")
    parser.add_argument("--no-progress", action="store_true", help="no progress bar")
    parser.add_argument("--repetitions", type=positive_int, default=None,
                        help="vot16/vot18 only: supervised runs per sequence (default 1: enough for deterministic "
                             "trackers)")
    parser.add_argument("--init", default="area", choices=INIT_METHODS,
                        help="VOT: box from a polygon, area-preserving (default) or the min-max hull")
    parser.add_argument("--experiment", default="baseline", choices=EXPERIMENTS,
                        help="VOT multistart benchmarks (vot20, vot22): baseline, or realtime (frames arrive at the "
                             "sequence's fps, default 20; a late answer repeats its region, 3 late frames forgiven "
                             "per run); realtime results go to <param>/<dataset>_realtime/")
    args = parser.parse_args(argv)
    if args.param and args.config and args.param != args.config:
        parser.error(f"two experiments given: {args.param!r} and --config {args.config!r}")
    args.param = args.param or args.config
    if not args.param:
        parser.error("the experiment is missing: tracking/test.py <tracker> <experiment> (or --config <experiment>)")
    vot = BENCHMARKS[args.dataset].traits.vot
    if args.repetitions is not None and (vot is None or vot.protocol != "supervised"):
        supervised = ", ".join(name for name, benchmark in BENCHMARKS.items()
                               if benchmark.traits.vot is not None and benchmark.traits.vot.protocol == "supervised")
        parser.error(f"--repetitions applies to the supervised VOT benchmarks only ({supervised}); "
                     f"repeat a {args.dataset} run with --run-id 1, --run-id 2, ... (analysis_results.py "
                     "--run-id 1 2 ... --merge-runs pools them)")
    if args.batch > 1 and vot is not None:
        parser.error(f"--batch applies to one-pass benchmarks; {args.dataset} runs the VOT protocol "
                     "(re-initialisations), one sequence at a time per process: use --threads")
    if args.experiment != "baseline" and (vot is None or vot.protocol != "multistart"):
        multistart = ", ".join(name for name, benchmark in BENCHMARKS.items()
                               if benchmark.traits.vot is not None and benchmark.traits.vot.protocol == "multistart")
        parser.error(f"--experiment {args.experiment} applies to the multistart VOT benchmarks only ({multistart})")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    args.torch_threads = apply_torch_threads(args.torch_threads)
    try:
        return _run(args)
    except KeyboardInterrupt:  # Ctrl-C before tracking started (loading the benchmark, ...)
        print("interrupted before tracking started; nothing was written", file=sys.stderr)
        return INTERRUPTED


def _run(args: argparse.Namespace) -> int:
    try:
        settings = settings_from_args(args, results_dir=args.results_dir,
                                      **{BENCHMARKS[args.dataset].settings_key: args.root})
        config_path = resolve_experiment(args.param, args.tracker)
        overrides = {"TEST": {"PRECISION": args.precision}} if args.precision else None
        cfg = load_config(config_path, overrides=overrides, tracker=args.tracker)
        check_backend(args.backend, cfg.TEST.PRECISION)
        checkpoint = Path(args.checkpoint) if args.checkpoint else default_checkpoint(
            settings, args.tracker, Path(args.param).stem, cfg.TEST.EPOCH)
        if not checkpoint.is_file():
            where = "" if args.checkpoint else (f" (where training {Path(args.param).stem} leaves epoch "
                                                f"TEST.EPOCH={cfg.TEST.EPOCH}: train first or pass --checkpoint)")
            raise FileNotFoundError(f"checkpoint not found: {checkpoint}{where}")
        sequences = load_benchmark(args.dataset, settings, split=args.split, sequences=args.sequence)
    except (ConfigError, FileNotFoundError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    out_dir = result_dir(settings, args.tracker, Path(args.param).stem, args.run_id)
    task = vot_task(BENCHMARKS[args.dataset].traits.vot, args.repetitions or 1, args.init, args.experiment)
    if task is not None:
        out_dir = vot_run_dir(out_dir, args.dataset, args.experiment)
    options = {"init": args.init, "repetitions": args.repetitions or 1} if task is not None else {}
    if args.experiment != "baseline":
        options["experiment"] = args.experiment
    if args.backend != DEFAULT_BACKEND:  # ONNX Runtime's results are within the fidelity tolerances, not equal
        options["backend"] = args.backend
    try:
        created = claim_run_dir(out_dir, run_identity(args.tracker, cfg.to_dict(), checkpoint, options))
    except (OSError, ValueError) as exc:  # another run's results there, or an unwritable folder
        print(f"error: {exc}", file=sys.stderr)
        return 2
    spec = TrackerSpec(args.tracker, cfg.to_dict() if args.precision else str(config_path), str(checkpoint),
                       args.device, args.backend)
    print(f"{args.tracker}/{Path(args.param).stem} on {args.dataset}: {len(sequences)} sequence(s), "
          f"weights {checkpoint}")
    try:
        summary = run_benchmark(spec, sequences, args.dataset, out_dir, num_workers=args.threads,
                                torch_threads=args.torch_threads, progress=not args.no_progress,
                                task=task or OnePassTask(), batch=args.batch)
    except (TrackerLoadError, OSError, ValueError) as exc:  # results folder (OSError), first-frame box (ValueError)
        if created:
            release_run_dir(out_dir)  # nothing was tracked: leave no folder behind
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except RunInterrupted as exc:
        print(f"interrupted: {len(exc.summary.done)} sequence(s) done in this run, results in {out_dir}; re-run the "
              "same command to resume", file=sys.stderr)
        return INTERRUPTED
    print_run_summary(summary, out_dir)
    return 1 if summary.failed or summary.not_run else 0


if __name__ == "__main__":
    sys.exit(main())
