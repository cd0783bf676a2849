"""GOT-10k test and validation sets (180 sequences each) as benchmarks: the benchmark view of
``lib/datasets/got10k.py`` (format: docs/benchmarks.md#got-10k).
"""
from __future__ import annotations

from pathlib import Path
from typing import Iterable

from lib.datasets.got10k import LAYOUT, benchmark_sequences
from lib.test.evaluation.sequence import Sequence

__all__ = ["LAYOUT", "load_got10k"]


def load_got10k(root: Path, split: str, sequences: Iterable[str] | None = None) -> list[Sequence]:
    """GOT-10k sequences of ``split`` (``test`` or ``val``) in the order of ``<root>/<split>/list.txt``."""
    return [Sequence(dataset="got10k", **vars(record)) for record in benchmark_sequences(root, split, sequences)]
