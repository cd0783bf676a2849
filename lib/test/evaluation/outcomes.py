"""What a benchmark run reports: the outcome of each sequence and the summary of the run."""
from __future__ import annotations

from dataclasses import dataclass, field

from lib.utils.io import WriteError


@dataclass
class SequenceOutcome:
    """Result of one sequence: frames tracked and tracker seconds, or the error that stopped it."""

    name: str
    frames: int = 0
    seconds: float = 0.0
    error: str | None = None
    fatal: bool = False     # the error is a tracker build failure, not a problem of this sequence
    stops_run: bool = False  # no later sequence can succeed either (lost worker, unwritable results)


def failed(name: str, exc: Exception) -> SequenceOutcome:
    """The outcome of sequence ``name`` stopped by ``exc``: a :class:`~lib.utils.io.WriteError` stops the run
    (later results could not be stored either); any other error fails this sequence only."""
    if isinstance(exc, WriteError):
        return SequenceOutcome(name, error=str(exc), stops_run=True)
    return SequenceOutcome(name, error=f"{type(exc).__name__}: {exc}")


@dataclass
class RunSummary:
    """What a benchmark run did. ``not_run``: sequences left untouched because the run stopped early."""

    done: list[SequenceOutcome] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    failed: list[SequenceOutcome] = field(default_factory=list)
    not_run: list[str] = field(default_factory=list)
    wall_seconds: float = 0.0

    @property
    def frames(self) -> int:
        """Frames tracked in this run (skipped sequences excluded)."""
        return sum(o.frames for o in self.done)

    @property
    def fps(self) -> float:
        """Frames per second of tracker time (initialize + track calls), as the official runner reports.

        In a batched run each frame is charged its share of the batched step (step seconds / batch size)."""
        seconds = sum(o.seconds for o in self.done)
        return self.frames / seconds if seconds > 0 else 0.0

    @property
    def wall_fps(self) -> float:
        """Frames tracked per second of wall clock (reading, tracking and writing, over all workers)."""
        return self.frames / self.wall_seconds if self.wall_seconds > 0 else 0.0

    @property
    def sequences_per_hour(self) -> float:
        """Sequences tracked per hour of wall clock."""
        return 3600.0 * len(self.done) / self.wall_seconds if self.wall_seconds > 0 else 0.0
