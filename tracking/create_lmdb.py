"""Convert a raw training dataset (LaSOT, GOT-10k, TrackingNet, COCO 2017) into an lmdb database.

The database holds exactly the files the training loader reads (annotations and every frame of the
used sequences), under their paths relative to the raw root; train with the ``*_lmdb`` dataset names
and the ``*_lmdb_dir`` settings. An interrupted conversion resumes when run again with the same
output; the database appears at the output path only once complete.

Example:
    python tracking/create_lmdb.py lasot --source /data/LaSOT --output /ssd/lasot_lmdb
    python tracking/create_lmdb.py trackingnet --chunks 0 1 2 3     # roots from settings.yaml
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Sequence

from lib.train.dataset import Coco, Got10k, Lasot, TrackingNet
from lib.train.dataset.lmdb_store import convert_to_lmdb
from lib.train.dataset.sequences import AnnotatedSequences
from lib.train.dataset.storage import DirectorySource
from lib.utils.cli import add_settings_options, entry_parser, settings_from_args

DATASETS = ("lasot", "got10k", "trackingnet", "coco")


def open_raw_dataset(dataset: str, source: DirectorySource, chunks: Sequence[int] | None) -> AnnotatedSequences:
    """The raw dataset whose files go into the database (GOT-10k: every sequence of train/list.txt)."""
    if dataset == "lasot":
        return Lasot(source)
    if dataset == "got10k":
        return Got10k(source, split="all")
    if dataset == "trackingnet":
        return TrackingNet(source, chunks=chunks)
    return Coco(source)


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = entry_parser(__doc__)
    parser.add_argument("dataset", choices=DATASETS, help="which raw dataset to convert")
    parser.add_argument("--source", help="raw dataset root (default: <dataset>_dir from the settings)")
    parser.add_argument("--output", help="database folder to create (default: <dataset>_lmdb_dir from the settings)")
    parser.add_argument("--chunks", type=int, nargs="+", metavar="K",
                        help="TrackingNet only: TRAIN_<K> chunks to include (default: 0..11)")
    add_settings_options(parser)
    parser.add_argument("--commit-every", type=int, default=500, metavar="N",
                        help="files per transaction; an interrupted run resumes after the last commit (default: 500)")
    args = parser.parse_args(argv)
    if args.chunks is not None and args.dataset != "trackingnet":
        parser.error("--chunks applies to trackingnet only")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    """Run the conversion; returns the process exit status."""
    args = parse_args(argv)
    try:
        settings = settings_from_args(args, **{f"{args.dataset}_dir": args.source,
                                               f"{args.dataset}_lmdb_dir": args.output})
        source = DirectorySource(settings.require(f"{args.dataset}_dir"), what=f"{args.dataset} root")
        if not getattr(settings, f"{args.dataset}_lmdb_dir"):
            raise ValueError(f"no output folder: pass --output or set {args.dataset}_lmdb_dir in the settings")
        output = Path(getattr(settings, f"{args.dataset}_lmdb_dir")).expanduser()
        print(f"[create_lmdb] reading the {args.dataset} annotations in {source.root}")
        dataset = open_raw_dataset(args.dataset, source, args.chunks)
        files = dataset.source_files()
        print(f"[create_lmdb] {len(dataset)} sequences, {len(files)} files -> {output}")
        if output.with_name(output.name + ".partial").exists():
            print(f"[create_lmdb] resuming the unfinished conversion in {output}.partial")
        description = {"dataset": args.dataset, "sequences": len(dataset)}
        if args.dataset == "trackingnet":
            description["chunks"] = dataset.chunks
        path = convert_to_lmdb(source, files, output, description, commit_every=args.commit_every)
    except (OSError, ValueError) as exc:
        print(f"[create_lmdb] error: {exc}", file=sys.stderr)
        return 1
    print(f"[create_lmdb] done: {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
