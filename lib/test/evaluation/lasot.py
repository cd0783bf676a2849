"""LaSOT test set (280 sequences), its extension (150) and its 1120 training sequences as benchmarks:
the benchmark view of ``lib/datasets/lasot.py`` (format: docs/benchmarks.md#lasot).
"""
from __future__ import annotations

from pathlib import Path
from typing import Iterable

from lib.datasets.lasot import LAYOUT, SPLIT_LISTS, benchmark_sequences, class_of
from lib.test.evaluation.sequence import Sequence

__all__ = ["LAYOUT", "SPLIT_LISTS", "class_of", "load_lasot"]


def load_lasot(root: Path, split: str, sequences: Iterable[str] | None = None) -> list[Sequence]:
    """LaSOT sequences of ``split`` (test, train, extension) found under ``root``, in list order."""
    return [Sequence(dataset="lasot", **vars(record)) for record in benchmark_sequences(root, split, sequences)]
