"""Server submissions: GOT-10k test and TrackingNet test zips from raw results (docs/benchmarks.md#server-submissions).

* GOT-10k: one folder per sequence at the archive root holding ``<seq>_001.txt`` (boxes, comma; also
  ``_002``, ``_003`` for repeated runs of a stochastic tracker) and ``<seq>_time.txt`` (one ``%f``
  line per frame, one column per repetition).
* TrackingNet: ``<seq>.txt`` files at the archive root, no time files.

Everything is validated before the zip is written (atomically): every sequence present, one box row
and (GOT-10k) one time per frame, no NaN or infinite value. All problems are reported together.
"""
from __future__ import annotations

import zipfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from lib.test.evaluation.results import (read_sequence_results, read_sequence_times, sequence_result_path,
                                         sequence_time_path)
from lib.test.evaluation.sequence import Sequence
from lib.utils.io import atomic_open

MAX_LISTED_PROBLEMS = 20
MAX_GOT10K_REPETITIONS = 3  # the toolkit evaluates _001.._003


class SubmissionError(ValueError):
    """The results cannot be submitted; the message lists every problem found."""


@dataclass(frozen=True)
class SubmissionEntry:
    """One file of the archive: its name inside the zip and its text."""

    name: str
    text: str


def box_text(boxes: np.ndarray) -> str:
    """Comma-separated rows; integers as ``%d`` (AiATrack's results), other values with 4 decimals."""
    if np.all(boxes == np.round(boxes)):
        return "".join(",".join(str(int(v)) for v in row) + "\n" for row in boxes)
    return "".join(",".join(f"{v:.4f}" for v in row) + "\n" for row in boxes)


def _check_values(path: Path, values: np.ndarray, n_frames: int, what: str, problems: list[str]) -> bool:
    """Append problems (row count, NaN/inf) for one file; True when it is usable."""
    ok = True
    if len(values) != n_frames:
        problems.append(f"{path}: {len(values)} {what} rows for {n_frames} frames")
        ok = False
    bad = np.nonzero(~np.isfinite(values.reshape(len(values), -1)).all(axis=1))[0]
    if len(bad):
        problems.append(f"{path}, line {bad[0] + 1}: NaN or infinite value ({len(bad)} such line(s))")
        ok = False
    return ok


def _read(reader, path: Path | None, problems: list[str]) -> np.ndarray | None:
    """Run ``reader``; a missing or malformed file becomes a problem entry."""
    if path is None or not path.is_file():
        problems.append(f"{path}: missing")
        return None
    try:
        return reader()
    except ValueError as err:
        problems.append(str(err))
        return None


def _raise_if_any(problems: list[str], benchmark: str, result_dir: str | Path) -> None:
    if problems:
        listed = problems[:MAX_LISTED_PROBLEMS]
        more = len(problems) - len(listed)
        raise SubmissionError(f"{benchmark} results in {result_dir} are not ready for submission "
                              f"({len(problems)} problem(s)):\n  " + "\n  ".join(listed)
                              + (f"\n  ... and {more} more" if more else ""))


def _check_tags(sequences: list[Sequence], tag: str) -> None:
    wrong = [s.name for s in sequences if s.dataset != tag]
    if wrong:
        raise SubmissionError(f"expected {tag} sequences, got other datasets for {wrong[:5]}")


def got10k_entries(result_dirs: list[Path], sequences: list[Sequence]) -> list[SubmissionEntry]:
    """Validated archive entries for GOT-10k test: per sequence the boxes of every repetition and the times.

    ``result_dirs`` holds one result folder per repetition (a deterministic tracker has one): folder
    k gives ``<seq>_<k:03d>.txt``; ``<seq>_time.txt`` has one comma-separated column per repetition.
    """
    if not 1 <= len(result_dirs) <= MAX_GOT10K_REPETITIONS:
        raise SubmissionError(f"GOT-10k accepts 1 to {MAX_GOT10K_REPETITIONS} repetitions, got {len(result_dirs)}")
    result_dirs = [Path(d) for d in result_dirs]
    _check_tags(sequences, "got10k")
    problems: list[str] = []
    entries = []
    for seq in sequences:
        boxes_per_run, times_per_run = [], []
        for result_dir in result_dirs:
            box_path, time_path = sequence_result_path(result_dir, seq), sequence_time_path(result_dir, seq)
            boxes = _read(lambda: read_sequence_results(result_dir, seq), box_path, problems)
            times = _read(lambda: read_sequence_times(result_dir, seq), time_path, problems)
            if boxes is not None and _check_values(box_path, boxes, len(seq), "box", problems):
                boxes_per_run.append(boxes)
            if times is not None and _check_values(time_path, times, len(seq), "time", problems):
                times_per_run.append(times)
        if len(boxes_per_run) == len(times_per_run) == len(result_dirs):
            entries.extend(SubmissionEntry(f"{seq.name}/{seq.name}_{k:03d}.txt", box_text(boxes))
                           for k, boxes in enumerate(boxes_per_run, start=1))
            time_rows = np.stack(times_per_run, axis=1)
            entries.append(SubmissionEntry(f"{seq.name}/{seq.name}_time.txt",
                                           "".join(",".join(f"{t:f}" for t in row) + "\n" for row in time_rows)))
    _raise_if_any(problems, "GOT-10k", ", ".join(str(d) for d in result_dirs))
    return entries


def trackingnet_entries(result_dirs: list[Path], sequences: list[Sequence]) -> list[SubmissionEntry]:
    """Validated archive entries for TrackingNet test (``<seq>.txt`` at the root) from one result folder."""
    if len(result_dirs) != 1:
        raise SubmissionError(f"TrackingNet takes the results of one run, got {len(result_dirs)} folders")
    result_dir = Path(result_dirs[0])
    _check_tags(sequences, "trackingnet")
    problems: list[str] = []
    entries = []
    for seq in sequences:
        box_path = sequence_result_path(result_dir, seq)
        boxes = _read(lambda: read_sequence_results(result_dir, seq), box_path, problems)
        if boxes is not None and _check_values(box_path, boxes, len(seq), "box", problems):
            entries.append(SubmissionEntry(f"{seq.name}.txt", box_text(boxes)))
    _raise_if_any(problems, "TrackingNet", result_dir)
    return entries


def write_zip(entries: list[SubmissionEntry], output: str | Path) -> Path:
    """Write ``entries`` into the zip ``output`` atomically (deflate)."""
    output = Path(output)
    with atomic_open(output, "wb") as handle:
        with zipfile.ZipFile(handle, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            for entry in entries:
                archive.writestr(entry.name, entry.text)
    return output
