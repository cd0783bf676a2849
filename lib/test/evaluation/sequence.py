"""The sequence object every benchmark loader returns."""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from lib.test.evaluation.traits import BenchmarkTraits


@dataclass
class Sequence:
    """One benchmark video.

    ``ground_truth_xywh`` is (N, 4) float64 for fully annotated benchmarks, or (1, 4) when only the
    first frame is annotated (GOT-10k test, TrackingNet test). ``target_visible`` is (N,) bool or
    ``None`` when the benchmark has no visibility information. ``traits`` are those of the benchmark the
    sequence was loaded from (set by ``lib.test.evaluation.load_benchmark``).
    """

    name: str
    frames: list[str]
    ground_truth_xywh: np.ndarray
    dataset: str
    target_visible: np.ndarray | None = None
    object_class: str | None = None
    extra: dict = field(default_factory=dict)
    init_box_source: str = ""  # where the first-frame box is written: "<file>, line <n>" (for error messages)
    traits: BenchmarkTraits = BenchmarkTraits()

    def __len__(self) -> int:
        return len(self.frames)

    @property
    def init_box_xywh(self) -> list[float]:
        """Ground-truth box of the first frame (the tracker's initialisation)."""
        return [float(v) for v in self.ground_truth_xywh[0]]
