"""What a benchmark declares about itself, so that runners, result files, metrics, protocols and trackers
never parse its name: the tracker's view (HYPER row, init style), the result layout, how target absence
is annotated, and the VOT experiment it is scored with."""
from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from lib.test.tracker.base import InitStyle, TrackingTraits

__all__ = ["Absence", "BenchmarkTraits", "InitStyle", "TrackingTraits", "VotTraits"]


class Absence(Enum):
    """How the ground truth marks frames where the target is not visible (docs/benchmarks.md)."""

    NONE = "none"  # no absence information: every frame with a positive-size box counts
    VISIBILITY_FLAGS = "visibility_flags"  # per-frame flags (LaSOT); required, absent frames leave the scores
    NAN_GROUND_TRUTH = "nan_ground_truth"  # absent frames are NaN ground-truth rows (UAV123)


@dataclass(frozen=True)
class VotTraits:
    """The VOT experiment of a benchmark: its stack (a key of ``lib.test.analysis.vot.STACKS``) and
    protocol (``"supervised"``: reset-based runs, ``"multistart"``: anchor-based runs)."""

    stack: str
    protocol: str

    def __post_init__(self) -> None:
        if self.protocol not in ("supervised", "multistart"):
            raise ValueError(f"VOT protocol must be 'supervised' or 'multistart', got {self.protocol!r}")


@dataclass(frozen=True)
class BenchmarkTraits:
    """Everything consumers need to know about a benchmark besides its sequences.

    ``tracking``: what trackers are told (HYPER row, init style). ``timed_folder``: results go to this
    sub-folder of the run folder, each box file with a per-frame time file (None: box files directly in the
    run folder, no time files). ``absence``: how absent targets are annotated. ``vot``: the VOT experiment
    (None: a one-pass benchmark).
    """

    tracking: TrackingTraits = TrackingTraits()
    timed_folder: str | None = None
    absence: Absence = Absence.NONE
    vot: VotTraits | None = None
