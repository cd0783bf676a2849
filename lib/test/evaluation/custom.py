"""Your own sequences as a benchmark (``--dataset custom --root DIR``): the benchmark view of
``lib/datasets/custom.py`` (format: docs/custom-data.md).
"""
from __future__ import annotations

from pathlib import Path
from typing import Iterable

from lib.datasets.custom import LAYOUT, benchmark_sequences
from lib.test.evaluation.sequence import Sequence

__all__ = ["LAYOUT", "load_custom"]


def load_custom(root: Path, sequences: Iterable[str] | None = None) -> list[Sequence]:
    """The sequences of the custom root ``root`` (``list.txt`` order, else sorted folder names)."""
    return [Sequence(dataset="custom", **vars(record)) for record in benchmark_sequences(root, sequences)]
