"""Readers of the numeric text annotations of tracking datasets (boxes, flags, labels).

Two readings of the same files: the strict file readers (``read_rows``, ``read_flag_line``,
``read_label_column``) used for benchmark sequences, which reject blank lines inside a file and
non-finite values; and the in-memory parsers (``parse_boxes``, ``parse_integers``) used for training
data read from folders or lmdb databases, which accept commas, tabs or spaces and blank lines.
Malformed content raises :class:`AnnotationError` naming the file, the 1-based line and what was
expected there; a missing file raises :class:`~lib.datasets.layout.DatasetLayoutError`.
"""
from __future__ import annotations

import re
from pathlib import Path
from typing import Callable

import numpy as np

from lib.datasets.layout import missing_path_error
from lib.utils.errors import AnnotationError

# How the fields of one line are separated. "comma_or_space" accepts commas, tabs and runs of spaces,
# mixed freely (OTB), but still rejects empty fields such as "1,,2".
_SPLITTERS: dict[str, Callable[[str], list[str]]] = {
    ",": lambda line: line.split(","),
    "\t": lambda line: line.split("\t"),
    "comma_or_space": re.compile(r"\s*,\s*|\s+").split,
}
_DELIMITER_NAMES = {",": "comma", "\t": "tab", "comma_or_space": "comma/tab/space"}


def read_lines(path: Path, layout: str = "") -> list[str]:
    """Stripped lines of ``path`` without trailing blank lines; an empty line inside is an error."""
    path = Path(path)
    if not path.is_file():
        raise missing_path_error(path, "annotation file", layout)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as err:
        raise AnnotationError(f"{path}: not a text file ({err})") from None
    lines = [line.strip() for line in text.splitlines()]
    while lines and not lines[-1]:
        lines.pop()
    for number, line in enumerate(lines, start=1):
        if not line:
            raise AnnotationError(f"{path}: line {number} is empty (blank lines would shift the frame numbering)")
    return lines


def read_rows(path: Path, *, columns: int = 4, delimiter: str = ",", allow_nan: bool = False,
              what: str = "x,y,w,h", layout: str = "") -> np.ndarray:
    """Read one row of ``columns`` numbers per line as float64 ``(N, columns)``.

    ``delimiter`` is ``","``, ``"\\t"`` or ``"comma_or_space"``. ``NaN`` fields are accepted only with
    ``allow_nan``; infinities never. An empty file is an error.
    """
    split = _SPLITTERS[delimiter]
    expected = f"{columns} {_DELIMITER_NAMES[delimiter]}-separated numbers ({what})"
    lines = read_lines(path, layout)
    if not lines:
        raise AnnotationError(f"{path}: file is empty; expected one line of {expected} per frame")
    rows = _parse_rows_fast(lines, delimiter, columns)
    if rows is None:  # something is malformed: find the first bad line
        values = []
        for number, line in enumerate(lines, start=1):
            fields = split(line)
            try:
                if len(fields) != columns:
                    raise ValueError
                values.append(list(map(float, fields)))
            except ValueError:
                raise AnnotationError(f"{path}: line {number}: expected {expected}, got {line!r}") from None
        rows = np.array(values, dtype=np.float64)
    not_allowed = np.isinf(rows) if allow_nan else ~np.isfinite(rows)
    if not_allowed.any():
        index, column = np.argwhere(not_allowed)[0]
        raise AnnotationError(f"{path}: line {index + 1}: {rows[index, column]} is not allowed here; expected "
                              f"{expected}, got {lines[index]!r}")
    return rows


def _parse_rows_fast(lines: list[str], delimiter: str, columns: int) -> np.ndarray | None:
    """NumPy's C parser for single-delimiter files; ``None`` when any line does not parse."""
    if delimiter == "comma_or_space":
        return None
    try:
        rows = np.loadtxt(lines, delimiter=delimiter, comments=None, ndmin=2, dtype=np.float64)
    except ValueError:
        return None
    return rows if rows.shape == (len(lines), columns) else None


def read_flag_line(path: Path, *, layout: str = "") -> np.ndarray:
    """Read a single line of comma-separated 0/1 flags (one per frame) as a bool array."""
    lines = read_lines(path, layout)
    if len(lines) != 1:
        raise AnnotationError(f"{path}: expected exactly one line of comma-separated 0/1 flags, "
                              f"found {len(lines)} lines")
    fields = [field.strip() for field in lines[0].split(",")]
    for index, field in enumerate(fields, start=1):
        if field not in ("0", "1"):
            raise AnnotationError(f"{path}: line 1, value {index}: expected 0 or 1, got {field!r}")
    return np.array([field == "1" for field in fields], dtype=bool)


def read_label_column(path: Path, *, low: int, high: int, layout: str = "") -> np.ndarray:
    """Read one integer in ``[low, high]`` per line as an int64 array."""
    lines = read_lines(path, layout)
    labels = np.empty(len(lines), dtype=np.int64)
    for number, line in enumerate(lines, start=1):
        try:
            value = int(line)
        except ValueError:
            value = None
        if value is None or not low <= value <= high:
            raise AnnotationError(f"{path}: line {number}: expected one integer in {low}..{high}, got {line!r}")
        labels[number - 1] = value
    return labels

def _tokens(line: str) -> list[str]:
    return line.replace(",", " ").split()


def _first_bad_line(text: str, location: str, per_line: int | None, dtype: type) -> AnnotationError:
    """Build the error for the first line of ``text`` that does not parse as ``per_line`` numbers."""
    for number, line in enumerate(text.splitlines(), start=1):
        tokens = _tokens(line)
        if not tokens:
            continue
        if per_line is not None and len(tokens) != per_line:
            return AnnotationError(f"{location}:{number}: expected {per_line} comma-separated numbers, "
                                   f"got {line.strip()!r}")
        try:
            np.array(tokens, dtype=dtype)
        except ValueError:
            return AnnotationError(f"{location}:{number}: not a number in {line.strip()!r}")
    return AnnotationError(f"{location}: cannot parse the annotation")


def parse_boxes(text: str, location: str) -> np.ndarray:
    """``x,y,w,h`` lines (commas, tabs or spaces) as a float32 (N, 4) array; ``location`` names the file.

    Values are parsed as doubles and rounded to float32, as pandas does in the official loaders.
    """
    tokens = _tokens(text)
    if not tokens:
        raise AnnotationError(f"{location}: the box file is empty")
    stripped = text.strip()
    num_lines = stripped.count("\n") + 1
    if len(tokens) != 4 * num_lines:  # blank lines inside the file, or a malformed line
        num_lines = sum(1 for line in stripped.splitlines() if line.strip())
        if len(tokens) != 4 * num_lines:
            raise _first_bad_line(text, location, 4, np.float64)
    try:
        values = np.array(list(map(float, tokens)), dtype=np.float64)
    except ValueError:
        raise _first_bad_line(text, location, 4, np.float64) from None
    return values.astype(np.float32).reshape(-1, 4)


def parse_integers(text: str, location: str) -> np.ndarray:
    """Integers separated by newlines and/or commas (label files, flag lines) as an int64 array."""
    try:
        return np.array(_tokens(text), dtype=np.int64)
    except ValueError:
        raise _first_bad_line(text, location, None, np.int64) from None

