"""AVisT (120 sequences) as a benchmark: the benchmark view of ``lib/datasets/avist.py``
(format: docs/benchmarks.md#avist)."""
from __future__ import annotations

from pathlib import Path
from typing import Iterable

from lib.datasets.avist import LAYOUT, benchmark_sequences
from lib.test.evaluation.sequence import Sequence

__all__ = ["LAYOUT", "load_avist"]


def load_avist(root: Path, sequences: Iterable[str] | None = None) -> list[Sequence]:
    """AVisT sequences under ``root`` (dataset tag ``avist``), sorted by name."""
    return [Sequence(dataset="avist", **vars(record)) for record in benchmark_sequences(root, sequences)]
