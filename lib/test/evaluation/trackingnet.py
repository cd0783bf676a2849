"""TrackingNet test set (511 sequences) and its TRAIN_k chunks as benchmarks: the benchmark view of
``lib/datasets/trackingnet.py`` (format: docs/benchmarks.md#trackingnet).
"""
from __future__ import annotations

from pathlib import Path
from typing import Iterable

from lib.datasets.trackingnet import LAYOUT, SPLITS, benchmark_sequences
from lib.test.evaluation.sequence import Sequence

__all__ = ["LAYOUT", "SPLITS", "load_trackingnet"]


def load_trackingnet(root: Path, split: str, sequences: Iterable[str] | None = None) -> list[Sequence]:
    """TrackingNet sequences of ``split`` (``TEST`` or ``TRAIN_k``), sorted by name."""
    return [Sequence(dataset="trackingnet", **vars(record)) for record in benchmark_sequences(root, split, sequences)]
