"""Create or update the settings file that tells AiATrack where datasets live and where outputs go.

Entries of an existing file are kept unless given again (``--fresh`` starts from the defaults).
``--data-root DIR`` fills every dataset root with its conventional sub-folder of DIR (LaSOT/,
GOT10k/, TrackingNet/, COCO/, YouTube-VOS/, NFS30/, OTB100/, UAV123/, vot2016/, vot2018/, vot2020/, vot2022/,
<name>_lmdb/: one per row of lib/datasets/catalog.py); explicit flags win over it.
At run time each entry can still be overridden by the environment variable AIATRACK_<NAME>.

Examples:
    python tracking/create_settings.py --data-root /data/sot
    python tracking/create_settings.py --lasot-dir /ssd/LaSOT --results-dir /scratch/results
"""
from __future__ import annotations

import argparse
import dataclasses
import sys
from pathlib import Path
from typing import Sequence

from lib.datasets.catalog import data_root_subfolders, dataset_roots, fallbacks
from lib.utils.cli import entry_parser
from lib.utils.settings import (OUTPUT_DIRS, Settings, read_settings_file, save_settings, setting_names,
                                settings_path)

# Conventional sub-folder of --data-root for each dataset root (lib/datasets/catalog.py,
# docs/benchmarks.md#dataset-layouts).
DATA_ROOT_SUBFOLDERS = data_root_subfolders()


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = entry_parser(__doc__)
    parser.add_argument("--output", type=Path, default=None,
                        help="settings file to write (default: $AIATRACK_SETTINGS or ./settings.yaml)")
    parser.add_argument("--data-root", type=Path, default=None,
                        help="folder holding the datasets under their conventional names")
    parser.add_argument("--fresh", action="store_true", help="ignore the entries of an existing settings file")
    descriptions = dict(dataset_roots())
    defaults = Settings()
    for name in setting_names():
        default = getattr(defaults, name) or (f"{fallbacks()[name]}'s value" if name in fallbacks() else "unset")
        what = f"{descriptions[name]}: " if name in descriptions else ""
        parser.add_argument(f"--{name.replace('_', '-')}", dest=name, default=None, metavar="PATH",
                            help=f"{what}set '{name}' (default: {default})")
    return parser.parse_args(argv)


def build_settings(args: argparse.Namespace, existing: dict[str, str]) -> Settings:
    """Defaults, then ``existing`` file entries, then ``--data-root`` sub-folders, then explicit flags."""
    values = dict(existing)
    if args.data_root is not None:
        root = args.data_root.expanduser().resolve()
        values.update({name: str(root / sub) for name, sub in DATA_ROOT_SUBFOLDERS.items()})
    # Paths given here are relative to the current folder; the file stores them absolute (its relative
    # paths are read relative to its own folder).
    values.update({name: _absolute(getattr(args, name)) for name in setting_names() if getattr(args, name) is not None})
    return Settings(**values)


def _absolute(value: str) -> str:
    return str(Path(value).expanduser().resolve()) if value else value


def describe(settings: Settings, folder: Path) -> list[str]:
    """One line per entry: name, value and whether the path exists (relative paths: under ``folder``, the
    settings file's folder)."""
    lines = []
    for name, value in dataclasses.asdict(settings).items():
        if not value:
            state = "not set" + (f" (uses {fallbacks()[name]})" if name in fallbacks() else "")
        elif (folder / Path(value).expanduser()).exists():
            state = "exists"
        else:
            state = "will be created" if name in dict(OUTPUT_DIRS) else "MISSING"
        lines.append(f"  {name:<22} {value or '-':<50} {state}")
    return lines


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    path = args.output if args.output is not None else settings_path()
    try:
        existing = read_settings_file(path) if path.is_file() and not args.fresh else {}
    except ValueError as err:
        print(f"error: {err} (use --fresh to replace it)", file=sys.stderr)
        return 2
    action = "updated" if path.is_file() and not args.fresh else "wrote"
    settings = build_settings(args, existing)
    save_settings(settings, path)
    print(f"{action} {path}:")
    print("\n".join(describe(settings, path.parent)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
