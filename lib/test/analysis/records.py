"""The records passed between box-result protocols, their readers, reports and plots: one sequence's
boxes, how a curve is drawn, and one tracker's scores."""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from lib.test.evaluation.sequence import Sequence


@dataclass(frozen=True)
class SequenceInput:
    """One sequence with one tracker's boxes (``None``: no result file) and per-frame times."""

    sequence: Sequence
    boxes: np.ndarray | None
    times: np.ndarray | None = None


@dataclass(frozen=True)
class CurveSpec:
    """How to draw one averaged curve: thresholds on x, which score labels the legend."""

    key: str
    title: str
    xlabel: str
    thresholds: np.ndarray
    score: str
    legend_loc: str


@dataclass
class Evaluation:
    """Scores of one tracker (result folder) under one protocol. Scores and curves are in percent."""

    label: str
    protocol: str
    scores: dict[str, float]
    per_sequence: dict[str, dict[str, float]]
    curves: dict[str, np.ndarray]
    notes: list[str] = field(default_factory=list)
