"""Pack raw test results into the zip files the GOT-10k and TrackingNet servers accept.

Examples::

    python tracking/pack_submission.py got10k --tracker aiatrack --param baseline_got
    python tracking/pack_submission.py trackingnet --tracker aiatrack --param baseline --output tn.zip
    python tracking/pack_submission.py got10k --results output/test/tracking_results/aiatrack/baseline_got
    python tracking/pack_submission.py got10k --tracker mytracker --param cfg --run-id 1 2 3   # 3 repetitions

The results must come from ``tracking/test.py`` on ``got10k_test`` resp. ``trackingnet`` (they live in
``<result folder>/got10k/`` resp. ``<result folder>/trackingnet/``). Before anything is written the
results are checked: every test sequence present, one box row per frame, no NaN, and for GOT-10k a
time file with one line per frame. The zip is written next to the results unless ``--output`` is given:

* GOT-10k:     ``<seq>/<seq>_001.txt`` + ``<seq>/<seq>_time.txt`` per sequence (upload on got-10k.aitestunion.com)
* TrackingNet: ``<seq>.txt`` per sequence at the archive root (upload on eval.ai, TrackingNet challenge)
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from lib.test.evaluation import load_benchmark
from lib.test.evaluation.results import result_dir
from lib.test.submission import SubmissionError, got10k_entries, trackingnet_entries, write_zip
from lib.utils.cli import add_settings_options, entry_parser, settings_from_args
from lib.utils.settings import Settings

# subcommand -> (benchmark name for load_benchmark, entry builder, default zip name)
TARGETS = {
    "got10k": ("got10k_test", got10k_entries, "got10k_submit.zip"),
    "trackingnet": ("trackingnet", trackingnet_entries, "trackingnet_submit.zip"),
}


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = entry_parser(__doc__)
    sub = parser.add_subparsers(dest="benchmark", required=True, metavar="{got10k,trackingnet}")
    for name, (bench, _, zip_name) in TARGETS.items():
        p = sub.add_parser(name, help=f"pack {bench} results into {zip_name}", allow_abbrev=False,
                           description=f"Validate the {bench} results and write {zip_name}.")
        runs = "+" if name == "got10k" else None
        run_help = " (several = repetitions _001, _002, _003)" if runs else ""
        source = p.add_mutually_exclusive_group(required=True)
        source.add_argument("--tracker", help="tracker name (with --param)")
        source.add_argument("--results", type=Path, nargs=runs,
                            help=f"result folder{'(s)' if runs else ''} written by tracking/test.py{run_help}")
        p.add_argument("--param", "--config", dest="param",
                       help="experiment name (or YAML path) as given to tracking/test.py")
        p.add_argument("--run-id", type=int, nargs=runs, default=None,
                       help=f"the --run-id used with tracking/test.py{run_help}")
        p.add_argument("--output", type=Path, default=None,
                       help=f"zip file to write (default: <result folder>/{zip_name})")
        add_settings_options(p)
        p.add_argument("--results-dir", default=None, help="override the results root of the settings")
    args = parser.parse_args(argv)
    if args.tracker and not args.param:
        parser.error("--tracker needs --param")
    return args


def result_folders(args: argparse.Namespace, settings: Settings) -> list[Path]:
    """The result folder(s) named on the command line (one per GOT-10k repetition)."""
    if args.results:
        return args.results if isinstance(args.results, list) else [args.results]
    run_ids = args.run_id if isinstance(args.run_id, list) else [args.run_id]
    return [result_dir(settings, args.tracker, Path(args.param).stem, run_id) for run_id in run_ids]


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    bench, build_entries, zip_name = TARGETS[args.benchmark]
    try:
        settings = settings_from_args(args, results_dir=args.results_dir)
        folders = result_folders(args, settings)
        for folder in folders:
            if not folder.is_dir():
                raise FileNotFoundError(f"result folder {folder} does not exist")
        sequences = load_benchmark(bench, settings)
        entries = build_entries(folders, sequences)
        output = write_zip(entries, args.output or folders[0] / zip_name)
    except (SubmissionError, FileNotFoundError, ValueError) as err:  # missing or malformed results: bad input
        print(f"error: {err}", file=sys.stderr)
        return 2
    print(f"wrote {output}: {len(sequences)} sequences, {len(entries)} files")
    return 0


if __name__ == "__main__":
    sys.exit(main())
