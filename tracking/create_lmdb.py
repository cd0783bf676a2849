"""Convert a raw training dataset (LaSOT, GOT-10k, TrackingNet, COCO 2017, YouTube-VOS) into an lmdb database.

The datasets offered are the rows of lib/datasets/catalog.py with an lmdb conversion. The database
holds exactly the files the training loader reads (annotations and every frame of the
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

from lib.datasets.catalog import lmdb_rows
from lib.datasets.storage import DirectorySource
from lib.train.dataset.lmdb_store import convert_to_lmdb
from lib.utils.cli import add_settings_options, entry_parser, settings_from_args


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = entry_parser(__doc__)
    rows = lmdb_rows()
    chunked = [name for name, row in rows.items() if row.chunks]
    parser.add_argument("dataset", choices=list(rows), help="which raw dataset to convert")
    parser.add_argument("--source", help="raw dataset root (default: <dataset>_dir from the settings)")
    parser.add_argument("--output", help="database folder to create (default: <dataset>_lmdb_dir from the settings)")
    parser.add_argument("--chunks", type=int, nargs="+", metavar="K",
                        help=f"{', '.join(chunked)} only: TRAIN_<K> chunks to include (default: all)")
    add_settings_options(parser)
    parser.add_argument("--commit-every", type=int, default=500, metavar="N",
                        help="files per transaction; an interrupted run resumes after the last commit (default: 500)")
    args = parser.parse_args(argv)
    if args.chunks is not None and not rows[args.dataset].chunks:
        parser.error(f"--chunks applies to {', '.join(chunked)} only")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    """Run the conversion; returns the process exit status."""
    args = parse_args(argv)
    row = lmdb_rows()[args.dataset]
    try:
        settings = settings_from_args(args, **{row.settings_key: args.source, row.lmdb_key: args.output})
        source = DirectorySource(settings.require(row.settings_key), what=f"{args.dataset} root")
        if not getattr(settings, row.lmdb_key):
            raise ValueError(f"no output folder: pass --output or set {row.lmdb_key} in the settings")
        output = Path(getattr(settings, row.lmdb_key)).expanduser()
        print(f"[create_lmdb] reading the {args.dataset} annotations in {source.root}")
        dataset = row.open_for_lmdb(source, args.chunks)
        files = dataset.source_files()
        print(f"[create_lmdb] {len(dataset)} sequences, {len(files)} files -> {output}")
        if output.with_name(output.name + ".partial").exists():
            print(f"[create_lmdb] resuming the unfinished conversion in {output}.partial")
        description = {"dataset": args.dataset, "sequences": len(dataset)}
        if row.chunks:
            description["chunks"] = dataset.chunks
        path = convert_to_lmdb(source, files, output, description, commit_every=args.commit_every)
    except (FileNotFoundError, ValueError) as exc:  # a missing or malformed source: bad input
        print(f"[create_lmdb] error: {exc}", file=sys.stderr)
        return 2
    except OSError as exc:  # the copy itself failed (full disk, ...): re-running resumes it
        print(f"[create_lmdb] error: {exc}", file=sys.stderr)
        return 1
    print(f"[create_lmdb] done: {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
