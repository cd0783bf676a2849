"""VastTrack test set (3,500 sequences) as a benchmark: the benchmark view of ``lib/datasets/vasttrack.py``
(format: docs/benchmarks.md#vasttrack)."""
from __future__ import annotations

from pathlib import Path
from typing import Iterable

from lib.datasets.vasttrack import LAYOUT, benchmark_sequences
from lib.test.evaluation.sequence import Sequence

__all__ = ["LAYOUT", "load_vasttrack"]


def load_vasttrack(root: Path, sequences: Iterable[str] | None = None) -> list[Sequence]:
    """VastTrack test sequences under ``root`` (dataset tag ``vasttrack``), sorted by name."""
    return [Sequence(dataset="vasttrack", **vars(record)) for record in benchmark_sequences(root, sequences)]
