"""Parsing of annotation text (boxes, per-frame labels) held in memory (read from folders or lmdb)."""
from __future__ import annotations

import numpy as np

from lib.utils.errors import AnnotationError


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

