"""Raw tracking results on disk, in the layout of the official ``tracking/test.py``.

Layout (docs/benchmarks.md#raw-results)::

    <results_dir>/<tracker>/<param>[_<id:03d>]/<sequence>.txt            LaSOT, OTB, NfS, UAV, ...
    <results_dir>/<tracker>/<param>[_<id:03d>]/got10k/<sequence>.txt      GOT-10k val/test
    <results_dir>/<tracker>/<param>[_<id:03d>]/got10k/<sequence>_time.txt
    <results_dir>/<tracker>/<param>[_<id:03d>]/trackingnet/<sequence>.txt (+ _time.txt)

Box files hold one ``x,y,w,h`` row per frame, comma separated integers truncated toward zero; row 0
is the initialisation box. Time files (GOT-10k and TrackingNet only) hold one ``%f`` line per frame.
"""
from __future__ import annotations

import io
import re
from pathlib import Path

import numpy as np

from lib.test.evaluation.sequence import Sequence
from lib.utils.io import atomic_write_texts
from lib.utils.paths import results_run_dir
from lib.utils.settings import Settings

_SEPARATOR = re.compile(r"[,\s]+")
_BLANKS = re.compile(r"[ \t]+")


def result_dir(settings: Settings, tracker: str, param: str, run_id: int | None = None) -> Path:
    """``<results_dir>/<tracker>/<param>`` (``<param>_%03d`` when ``run_id`` is given; ``lib/utils/paths.py``)."""
    return results_run_dir(settings.results_dir, tracker, param, run_id)


def sequence_result_path(result_dir: str | Path, sequence: Sequence) -> Path:
    """Path of the box file of ``sequence`` below ``result_dir`` (in its benchmark's declared ``timed_folder``)."""
    folder = Path(result_dir)
    if sequence.traits.timed_folder is not None:
        folder = folder / sequence.traits.timed_folder
    return folder / f"{sequence.name}.txt"


def sequence_time_path(result_dir: str | Path, sequence: Sequence) -> Path | None:
    """Path of the per-frame time file, or ``None`` for benchmarks that declare none (untimed)."""
    if sequence.traits.timed_folder is None:
        return None
    return sequence_result_path(result_dir, sequence).with_name(f"{sequence.name}_time.txt")


def format_boxes(boxes_xywh: np.ndarray) -> str:
    """Official box text: integers truncated toward zero, comma separated, one row per frame."""
    boxes = np.asarray(boxes_xywh, dtype=np.float64)
    if boxes.ndim != 2 or boxes.shape[1] != 4 or len(boxes) == 0:
        raise ValueError(f"boxes must have shape (N, 4) with N >= 1, got {boxes.shape}")
    if not np.all(np.isfinite(boxes)):
        row = int(np.nonzero(~np.all(np.isfinite(boxes), axis=1))[0][0])
        raise ValueError(f"box of frame {row} is not finite: {boxes[row].tolist()}")
    rows = np.trunc(boxes).astype(np.int64)
    return "".join(f"{x},{y},{w},{h}\n" for x, y, w, h in rows.tolist())


def format_times(times: np.ndarray) -> str:
    """Official time text: one ``%f`` value (seconds) per line."""
    return "".join(f"{t:f}\n" for t in np.asarray(times, dtype=np.float64).reshape(-1).tolist())


def write_sequence_results(result_dir: str | Path, sequence: Sequence, boxes_xywh: np.ndarray,
                           times: np.ndarray) -> Path:
    """Write the boxes (and, for timed benchmarks such as GOT-10k/TrackingNet, the times) of one sequence: both files or neither.

    Both files are written completely before either is renamed into place, the box file last, so an
    existing box file always means complete results (the runner skips sequences whose box file
    exists). Raises :class:`~lib.utils.io.WriteError` naming the file that could not be written.
    Returns the box file path.
    """
    boxes = np.asarray(boxes_xywh, dtype=np.float64)
    times = np.asarray(times, dtype=np.float64).reshape(-1)
    if len(times) != len(boxes):
        raise ValueError(f"sequence {sequence.name}: {len(boxes)} boxes but {len(times)} times")
    files = {}
    time_path = sequence_time_path(result_dir, sequence)
    if time_path is not None:
        files[time_path] = format_times(times)
    box_path = sequence_result_path(result_dir, sequence)
    files[box_path] = format_boxes(boxes)
    atomic_write_texts(files)
    return box_path


def result_folders(result_dir: str | Path, sequences: list[Sequence]) -> list[Path]:
    """The folders the results of ``sequences`` go to (``result_dir`` or its benchmark sub-folders)."""
    return list(dict.fromkeys(sequence_result_path(result_dir, s).parent for s in sequences))


def sequence_results_exist(result_dir: str | Path, sequence: Sequence) -> bool:
    """Whether the box file of ``sequence`` exists (the runner then skips the sequence)."""
    return sequence_result_path(result_dir, sequence).is_file()


def read_numeric_rows(path: str | Path, columns: int | None) -> np.ndarray:
    """Numbers separated by commas, tabs or spaces, one row per non-empty line, as float64.

    ``columns`` = required values per line (``None``: one value per line, returned as (N,)).
    Errors name the file and the 1-based line.
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"{path}: result file not found")
    text = path.read_text(encoding="utf-8")
    if not text.strip():
        raise ValueError(f"{path}: file is empty")
    expected = 1 if columns is None else columns
    try:  # fast path for well-formed files; anything unusual is parsed (and diagnosed) line by line
        values = np.loadtxt(io.StringIO(_BLANKS.sub(",", text)), delimiter=",", ndmin=2,
                            dtype=np.float64, comments=None)
        if values.shape[1] != expected:
            raise ValueError
    except ValueError:
        values = _parse_lines(path, text, expected)
    return values[:, 0] if columns is None else values


def _parse_lines(path: Path, text: str, expected: int) -> np.ndarray:
    """Line-by-line parse with an error naming the file and line of the first bad line."""
    rows = []
    for line_no, line in enumerate(text.splitlines(), start=1):
        stripped = line.strip()
        if not stripped:
            continue
        fields = _SEPARATOR.split(stripped)
        if len(fields) != expected:
            raise ValueError(f"{path}, line {line_no}: expected {expected} value(s), found {len(fields)}: {stripped!r}")
        try:
            rows.append([float(v) for v in fields])
        except ValueError:
            raise ValueError(f"{path}, line {line_no}: not a number: {stripped!r}") from None
    return np.asarray(rows, dtype=np.float64)


def read_sequence_results(result_dir: str | Path, sequence: Sequence) -> np.ndarray:
    """The (N, 4) float64 boxes stored for ``sequence`` (comma, tab or space separated)."""
    return read_numeric_rows(sequence_result_path(result_dir, sequence), 4)


def read_sequence_times(result_dir: str | Path, sequence: Sequence) -> np.ndarray | None:
    """The (N,) per-frame times of ``sequence``; ``None`` for benchmarks without time files."""
    path = sequence_time_path(result_dir, sequence)
    return None if path is None else read_numeric_rows(path, None)
