"""On-disk layout checks shared by the benchmark loaders: sequence lists, folders, frames.

Every failure raises :class:`DatasetLayoutError` naming the missing path and the layout the loader
expected, so a wrong dataset root is diagnosed in one message instead of a stack trace deep in a
tracker run.
"""
from __future__ import annotations

import csv
import os
from pathlib import Path
from typing import Iterable, Sequence

from lib.lists import list_path


class DatasetLayoutError(FileNotFoundError):
    """A benchmark root, sequence folder, frame or annotation file is missing or misplaced."""


def missing_path_error(path: Path, what: str, layout: str) -> DatasetLayoutError:
    """The error for a missing ``path`` (described as ``what``) in a benchmark with ``layout``."""
    return DatasetLayoutError(f"{what} not found: {path}" + (f"\n  expected layout: {layout}" if layout else ""))


def require_dir(path: Path, what: str, layout: str) -> Path:
    """``path`` if it is a folder, else a :class:`DatasetLayoutError` naming it."""
    if not path.is_dir():
        raise missing_path_error(path, what, layout)
    return path


def require_file(path: Path, what: str, layout: str) -> Path:
    """``path`` if it is a file, else a :class:`DatasetLayoutError` naming it."""
    if not path.is_file():
        raise missing_path_error(path, what, layout)
    return path


def check_frame_ends(frames: Sequence[str], layout: str) -> None:
    """Check the first and last frame of a sequence exist (cheap: no folder listing)."""
    if not frames:
        raise DatasetLayoutError(f"sequence has no frames\n  expected layout: {layout}")
    for frame in (frames[0], frames[-1]):
        require_file(Path(frame), "frame", layout)


def numbered_frames(folder: Path, numbers: Iterable[int], digits: int, ext: str = ".jpg") -> list[str]:
    """Frame paths ``folder/<number zero-padded to digits><ext>`` (string formatting: fast for long videos)."""
    prefix = os.path.join(str(folder), "")
    return [f"{prefix}{number:0{digits}d}{ext}" for number in numbers]


def read_info_table(name: str) -> list[dict[str, str]]:
    """Rows of the tab-separated table ``lib/lists/<name>`` (first line = column names)."""
    with open(list_path(name), encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle, delimiter="\t"))


def select_names(available: Sequence[str], requested: Iterable[str] | None, benchmark: str) -> list[str]:
    """``requested`` names (in the order given, repeats dropped) checked against ``available``; all when ``None``.

    A bare name without the benchmark prefix (``Basketball`` for ``otb_Basketball``) is accepted when
    exactly one available name is ``<prefix>_<bare name>``.
    """
    if requested is None:
        return list(available)
    requested = [requested] if isinstance(requested, str) else list(requested)
    known = set(available)
    by_bare: dict[str, list[str]] = {}
    for name in available:
        prefix, sep, bare = name.partition("_")
        if sep and prefix.isalnum() and prefix.islower():
            by_bare.setdefault(bare, []).append(name)
    resolved, unknown = [], []
    for name in requested:
        if name in known:
            resolved.append(name)
        elif len(by_bare.get(name, [])) == 1:
            resolved.append(by_bare[name][0])
        else:
            unknown.append(name)
    if unknown:
        examples = ", ".join(list(available)[:5])
        raise ValueError(f"{benchmark}: unknown sequence name(s) {unknown}; names look like: {examples}, ...")
    return list(dict.fromkeys(resolved))


def require_sequence_dirs(dirs: dict[str, Path], benchmark: str, root: Path, layout: str) -> None:
    """Check that every sequence folder exists; one error listing all that are missing."""
    missing = [name for name, path in dirs.items() if not path.is_dir()]
    if not missing:
        return
    shown = ", ".join(missing[:20]) + (f", ... ({len(missing) - 20} more)" if len(missing) > 20 else "")
    first = dirs[missing[0]]
    raise DatasetLayoutError(
        f"{benchmark}: {len(missing)} of {len(dirs)} requested sequence folders are missing under {root} "
        f"(first missing: {first}): {shown}\n  expected layout: {layout}\n"
        f"  to run on a subset, pass the sequence names you have (--sequence NAME ...)")


def list_numbered_frames(folder: Path, *, first: int, digits: int, layout: str, ext: str = ".jpg") -> list[str]:
    """Frames ``first, first+1, ...`` found in ``folder``, in numeric order (``2.jpg`` before ``10.jpg``).

    File names are the frame number zero-padded to ``digits`` (0 = unpadded). A gap in the numbering
    is reported as the first missing frame; files of other extensions are ignored.
    """
    require_dir(folder, "frame folder", layout)
    numbers = []
    for name in os.listdir(folder):
        if not name.endswith(ext):
            continue
        stem = name[:-len(ext)]
        if not stem.isdigit() or (digits and len(stem) != digits) or (not digits and stem != str(int(stem))):
            width = f"{digits}-digit" if digits else "unpadded"
            raise DatasetLayoutError(f"unexpected frame name {folder / name}: expected {width} frame numbers\n"
                                     f"  expected layout: {layout}")
        numbers.append(int(stem))
    numbers.sort()
    for expected, number in enumerate(numbers, start=first):
        if number != expected:
            raise missing_path_error(folder / f"{expected:0{digits}d}{ext}", "frame", layout)
    if not numbers:
        raise missing_path_error(folder / f"{first:0{digits}d}{ext}", "frame", layout)
    return numbered_frames(folder, numbers, digits, ext)
