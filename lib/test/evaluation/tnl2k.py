"""TNL2K test set (700 sequences) as a benchmark: the benchmark view of ``lib/datasets/tnl2k.py``
(format: docs/benchmarks.md#tnl2k)."""
from __future__ import annotations

from pathlib import Path
from typing import Iterable

from lib.datasets.tnl2k import LAYOUT, benchmark_sequences
from lib.test.evaluation.sequence import Sequence

__all__ = ["LAYOUT", "load_tnl2k"]


def load_tnl2k(root: Path, sequences: Iterable[str] | None = None) -> list[Sequence]:
    """TNL2K test sequences under ``root`` (dataset tag ``tnl2k``), sorted by name."""
    return [Sequence(dataset="tnl2k", **vars(record)) for record in benchmark_sequences(root, sequences)]
