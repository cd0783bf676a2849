"""VOT's real-time experiment (VOT2020-2022 ``realtime``): frames arrive at the sequence's frame rate.

The rule is vot-toolkit 0.7.x's ``RealtimeTrackerRuntime`` (``vot/tracker/__init__.py``), with the
frame interval ``1 / fps`` (``fps=`` of ``<seq>/sequence``, else the experiment's default, 20):

* a call (initialisation or frame) that takes longer than the interval, while ``grace`` late calls
  remain, only uses up one of them (the ``grace`` budget is renewed at every initialisation);
* once the grace is spent, a late call leaves a debt ``seconds - interval``; while the debt exceeds one
  interval, the next frame is not shown to the tracker: the late call's region is recorded again and
  the debt shrinks by one interval; the first frame with debt ``<= interval`` goes to the tracker
  and the remaining debt is forgiven.
* a late initialisation holds the region the tracker was initialised with (the toolkit holds its
  initialisation reply, which echoes the ground truth).

Worked example (interval 0.1 s, grace 0, costs 0.05, 0.35, 0.05 ...): the 0.35 s frame leaves debt
0.25, so the next frame repeats its region (debt 0.15), and so does the one after (debt 0.05); the third
frame after it is tracked again.
"""
from __future__ import annotations

from dataclasses import dataclass

from lib.test.evaluation.vot import Region

DEFAULT_FPS = 20.0  # the toolkit's RealtimeConfig.fps, used when a sequence file has no fps= line
STACK_GRACE = 3  # realtime.grace of the vot2020/2021/2022 short-term stacks


@dataclass(frozen=True)
class RealtimeConfig:
    """The ``realtime`` options of a stack experiment: ``grace`` late calls forgiven, default ``fps`` (Hz)."""

    grace: int = STACK_GRACE
    fps: float = DEFAULT_FPS

    def __post_init__(self) -> None:
        if self.grace < 0 or not self.fps > 0:
            raise ValueError(f"realtime needs grace >= 0 and fps > 0, got grace={self.grace}, fps={self.fps}")

    def interval(self, sequence_fps: float | None) -> float:
        """Seconds between two frames of a sequence whose metadata gives ``sequence_fps`` (None: the default)."""
        return 1.0 / (sequence_fps if sequence_fps is not None else self.fps)


class RealtimeSchedule:
    """Which frames of one run reach the tracker, and which repeat the last late region (module docstring).

    Use: :meth:`initialized` after the initialisation, then per frame :meth:`held` (a region: record it,
    time 0, without calling the tracker; None: call the tracker and report with :meth:`answered`).
    """

    def __init__(self, grace: int, interval: float) -> None:
        self._grace, self._interval = grace, interval
        self._countdown, self._debt, self._late_region = grace, 0.0, None

    def initialized(self, seconds: float, region: Region) -> None:
        """The tracker took ``seconds`` to initialise on ``region`` (restarts the grace budget)."""
        self._countdown, self._debt, self._late_region = self._grace, 0.0, None
        self._settle(seconds, region)

    def held(self) -> Region | None:
        """The region recorded for the next frame if it arrives while the tracker is still busy, else None."""
        if self._debt > self._interval:
            self._debt -= self._interval
            return self._late_region
        self._debt, self._late_region = 0.0, None
        return None

    def answered(self, seconds: float, region: Region) -> None:
        """The tracker took ``seconds`` for a frame and answered ``region``."""
        self._settle(seconds, region)

    def _settle(self, seconds: float, region: Region) -> None:
        if seconds <= self._interval:
            return
        if self._countdown > 0:
            self._countdown -= 1
            return
        self._debt, self._late_region = seconds - self._interval, region
