"""Score raw tracking results on a benchmark: a table of dataset scores and success/precision plots (PNG).

Examples::

    python tracking/analysis_results.py --tracker aiatrack --param baseline --dataset otb
    python tracking/analysis_results.py --tracker aiatrack --param baseline baseline_got --dataset lasot --per-sequence
    python tracking/analysis_results.py --results mine=out/aiatrack/baseline theirs=/data/other --dataset uav
    python tracking/analysis_results.py --tracker aiatrack --param baseline --dataset lasot --protocol lasot-toolkit
    python tracking/analysis_results.py --tracker aiatrack --param baseline --dataset vot18 --protocol vot
    python tracking/analysis_results.py --results tk=vot-ws/results/aiatrack/baseline --dataset vot20 --protocol vot

Protocols (--protocol):
  aiatrack       the official AiATrack analysis (default; AUC over 21 strict thresholds, P at 20 px,
                 P_norm at 0.20, frames without a visible target removed)
  avist          pytracking's analysis as AVisT runs it (AUC, OP50, OP75 over all frames; frames without a
                 visible target count as misses)
  lasot-toolkit  the LaSOT, TNL2K and VastTrack MATLAB toolkits (absent frames count as misses)
  got10k-otb     the got10k toolkit's OTB/NfS/UAV123 experiments
  got10k         the got10k toolkit's GOT-10k experiment (AO, SR0.5, SR0.75, fps; for got10k_val)
  trackingnet    the TrackingNet devkit (areas under the curves; for TrackingNet TRAIN_k splits)
  vot            the VOT toolkit's A, R and EAO (vot16/vot18: supervised, vot20/vot22: multistart; --stack
                 picks another stack or a toolkit stack YAML); --results takes a <param> folder of ours (its
                 <dataset>/ sub-folder is read, as got10k/ for GOT-10k), that sub-folder (also the real-time
                 experiment's <dataset>_realtime/), or the toolkit's results/<tracker>/<experiment>; the EAO
                 curve goes to <plot-dir>/<dataset>_vot_eao.png
The printed table and the plot titles name the protocol that produced the numbers. GOT-10k test and
TrackingNet test withhold their ground truth: pack them with tracking/pack_submission.py instead.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from lib.test.analysis.evaluate import ResultSource
from lib.test.analysis.metrics import MetricError
from lib.test.analysis.protocols import PROTOCOLS, get_protocol
from lib.test.evaluation import BENCHMARKS, load_benchmark
from lib.test.evaluation.results import result_dir
from lib.utils.cli import add_settings_options, entry_parser, settings_from_args
from lib.utils.settings import Settings


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = entry_parser(__doc__)
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--tracker", help="tracker name; results are read from <results_dir>/<tracker>/<param>")
    source.add_argument("--results", nargs="+", metavar="[LABEL=]DIR",
                        help="result folders to compare side by side (label defaults to the folder name)")
    parser.add_argument("--param", "--config", dest="param", nargs="+",
                        help="one or several experiment names (or YAML paths) as given to tracking/test.py")
    parser.add_argument("--run-id", type=int, nargs="+", default=None,
                        help="the --run-id(s) used with tracking/test.py (each run is one row unless --merge-runs)")
    parser.add_argument("--merge-runs", action="store_true",
                        help="average the runs given by --run-id per sequence (official merge_results; the "
                             "got10k protocol pools them like the toolkit's repetitions)")
    parser.add_argument("--dataset", required=True, choices=sorted(BENCHMARKS),
                        help="benchmark whose ground truth is used (vot16/vot18/vot20/vot22 with --protocol vot)")
    parser.add_argument("--split", default=None, help="benchmark split where it has several")
    parser.add_argument("--root", default=None, metavar="DIR",
                        help="the benchmark's root folder, instead of its settings entry (e.g. --dataset custom "
                             "--root DIR for your own sequences, docs/custom-data.md)")
    parser.add_argument("--sequence", nargs="+", default=None, help="evaluate only these sequences")
    parser.add_argument("--protocol", default="aiatrack", choices=sorted(PROTOCOLS),
                        help="evaluation rules (default: aiatrack, the official AiATrack analysis)")
    parser.add_argument("--stack", default=None,
                        help="VOT stack name (vot2016, vot2018, vot2020, vot2022/shortterm, ...) or toolkit stack YAML "
                             "(default: the dataset's own)")
    parser.add_argument("--plot-dir", type=Path, default=None,
                        help="folder for the PNG plots (default: <result_plots_dir>/<dataset>)")
    parser.add_argument("--no-plots", action="store_true", help="print the table only")
    parser.add_argument("--per-sequence", action="store_true", help="also print one row per sequence")
    parser.add_argument("--json", type=Path, default=None,
                        help="also write scores, per-sequence scores and curves to this JSON file")
    parser.add_argument("--skip-missing", action="store_true",
                        help="evaluate only the sequences that every result folder has results for")
    parser.add_argument("--allow-row-mismatch", action="store_true",
                        help="score result files whose row count differs from the frame count the way the "
                             "protocol's original tool does (pad with zero boxes / cut); default: refuse them")
    add_settings_options(parser)
    parser.add_argument("--results-dir", default=None, help="override the results root of the settings")
    parser.add_argument("--no-progress", action="store_true", help="no progress bars")
    args = parser.parse_args(argv)
    if args.tracker and not args.param:
        parser.error("--tracker needs --param")
    if args.results and (args.run_id or args.merge_runs):
        parser.error("--run-id and --merge-runs go with --tracker/--param")
    protocol = get_protocol(args.protocol)
    if not protocol.applies_to(BENCHMARKS[args.dataset].traits):
        fitting = [name for name, p in sorted(PROTOCOLS.items()) if p.applies_to(BENCHMARKS[args.dataset].traits)]
        parser.error(f"--protocol {args.protocol} does not score {args.dataset}; its protocols: {', '.join(fitting)}")
    if args.merge_runs and not protocol.merges_runs:
        parser.error(f"--merge-runs does not apply to --protocol {args.protocol} (it scores each result folder "
                     "on its own)")
    return args


def result_sources(args: argparse.Namespace, settings: Settings) -> list[ResultSource]:
    """The result folders named on the command line, with their display labels (runs merged on request)."""
    if args.results:
        sources = []
        for item in args.results:
            label, sep, folder = item.partition("=")
            path = Path(folder if sep else label)
            sources.append(ResultSource(label if sep else path.name, (path,)))
        return sources
    run_ids = args.run_id or [None]
    sources = []
    for param in (Path(p).stem for p in args.param):
        runs = [(run_id, result_dir(settings, args.tracker, param, run_id)) for run_id in run_ids]
        if args.merge_runs:
            sources.append(ResultSource(f"{args.tracker}_{param}", tuple(folder for _, folder in runs)))
        else:
            sources.extend(ResultSource(f"{args.tracker}_{param}" + ("" if run_id is None else f"_{run_id:03d}"),
                                        (folder,)) for run_id, folder in runs)
    return sources


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    try:
        protocol = get_protocol(args.protocol).for_benchmark(args.dataset, BENCHMARKS[args.dataset].traits, args.stack)
        settings = settings_from_args(args, results_dir=args.results_dir,
                                      **{BENCHMARKS[args.dataset].settings_key: args.root})
        sources = result_sources(args, settings)
        for folder in (d for source in sources for d in source.directories):
            if not folder.is_dir():
                raise FileNotFoundError(f"result folder {folder} does not exist")
        sequences = load_benchmark(args.dataset, settings, args.split, args.sequence)
        evaluations, skipped = protocol.evaluate_sources(sequences, sources, skip_missing=args.skip_missing,
                                                         progress=not args.no_progress,
                                                         allow_row_mismatch=args.allow_row_mismatch)
    except (MetricError, FileNotFoundError, ValueError) as err:  # missing or malformed results: bad input
        print(f"error: {err}", file=sys.stderr)
        return 2
    n_evaluated = len(sequences) - len(skipped)
    print(protocol.summary_report(evaluations, args.dataset, n_evaluated, skipped))
    if args.per_sequence:
        print()
        print(protocol.per_sequence_report(evaluations))
    if args.json:
        print(f"json: {protocol.write_json(evaluations, args.dataset, args.json)}")
    if not args.no_plots:
        plot_dir = args.plot_dir or Path(settings.result_plots_dir) / args.dataset
        for path in protocol.plot(evaluations, args.dataset, plot_dir):
            print(f"plot: {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
