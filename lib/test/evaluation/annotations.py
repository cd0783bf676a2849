"""Strict readers for the numeric text annotations of tracking benchmarks.

Malformed content raises :class:`AnnotationError` naming the file, the 1-based line and what was
expected there; a missing file raises :class:`~lib.test.evaluation.layout.DatasetLayoutError`.
"""
from __future__ import annotations

import re
from pathlib import Path
from typing import Callable

import numpy as np

from lib.test.evaluation.layout import missing_path_error
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
