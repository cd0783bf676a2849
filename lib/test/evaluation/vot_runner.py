"""VOT experiments run natively: supervised (reset-based, VOT2016-2019) and multistart (anchor-based, VOT2020+).

Both follow vot-toolkit 0.7.x (``vot/experiment/multirun.py``, ``vot/experiment/multistart.py``) so that
the trajectories they write equal the toolkit's for the same deterministic tracker:

* **supervised**: initialise on the ground truth of frame 0; a frame whose (TraX-rounded) region
  overlaps the ground truth by ``<= failure_overlap`` (0) is a failure (code 2); the tracker is
  re-initialised ``skip_initialize`` (5) frames later; the frames in between are code 0. The toolkit
  re-initialises on that frame whatever its region (it does not skip ahead): an unknown region (NaN,
  code 0) cannot be sent over TraX and ends the sequence with an error, an empty one reaches the
  tracker. Here both end that sequence with an :class:`~lib.utils.errors.AnnotationError` naming
  ``groundtruth.txt`` and the line; the other sequences go on.
* **multistart**: for every anchor (``anchor.value`` > 0 forward, < 0 backward) one run initialised
  there and run to the last frame (forward) or to frame 0 (backward, stored in that reversed order).
  Every anchor's region is checked before any run starts (the toolkit finds an unknown or empty one
  only when it reaches that anchor). The real-time variant (``realtime``, VOT2020-2022) delivers frames
  at the sequence's rate: see :mod:`lib.test.evaluation.vot_realtime`.

The tracker receives an axis-aligned box: rectangle ground truth as is, a mask's tight box, and for a
polygon either the area-preserving box of the SiamRPN++/SiamAttn wrappers (``area``, pysot
``get_axis_aligned_bbox``) or its min-max hull (``hull``). A fresh tracker is built for every
initialisation. The region recorded for a frame is the tracker's ``target_polygon`` (8 floats) when it
gives one and the ground truth is a polygon, its ``target_mask`` when it gives one and the ground truth is
a mask (VOT2020, VOT2022 ``shortterm``), else its ``target_bbox`` (xywh).
"""
from __future__ import annotations

import functools
import math
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

import numpy as np

from lib.test.analysis.vot_overlap import region_overlap
from lib.test.evaluation.runner import FrameCallback
from lib.test.evaluation.sequence import Sequence
from lib.test.evaluation.traits import VotTraits
from lib.test.evaluation.vot import MaskRegion, PolygonRegion, RectangleRegion, Region, SpecialRegion, region_box
from lib.test.evaluation.vot_realtime import RealtimeConfig, RealtimeSchedule
from lib.test.evaluation.vot_results import (FAILURE, INITIALIZATION, UNKNOWN, as_reported, multistart_name,
                                             supervised_name, toolkit_region, trajectory_exists, write_trajectory)
from lib.test.tracker.base import Tracker, TrackerFactory, TrackingTraits
from lib.utils.errors import AnnotationError
from lib.utils.image import read_image

INIT_METHODS = ("area", "hull")


def _check_method(method: str) -> None:
    if method not in INIT_METHODS:
        raise ValueError(f"unknown initialisation method {method!r}; known: {', '.join(INIT_METHODS)}")


def init_box(region: Region, method: str = "area") -> list[float]:
    """The ``x, y, w, h`` box a tracker is initialised with on ``region`` (see the module docstring).

    ``area`` (polygons only): centre = vertex mean, size = the min-max box scaled by
    ``sqrt(|p1 p2| * |p2 p3| / (hull w * hull h))`` plus one pixel, as pysot's ``get_axis_aligned_bbox``
    with its ``cx - (w - 1) / 2`` corner. Raises ValueError for unknown/empty regions or methods.
    """
    _check_method(method)
    if isinstance(region, SpecialRegion):
        raise ValueError(f"cannot initialise on a special region (code {region.code})")
    box = region_box(region)
    if isinstance(region, PolygonRegion) and method == "area" and len(region.points) >= 3:
        p = region.points
        hull_w, hull_h = box[2], box[3]
        if hull_w > 0 and hull_h > 0:
            scale = math.sqrt(np.linalg.norm(p[0] - p[1]) * np.linalg.norm(p[1] - p[2]) / (hull_w * hull_h))
            cx, cy = p[:, 0].mean(), p[:, 1].mean()
            w, h = scale * hull_w + 1, scale * hull_h + 1
            box = np.array([cx - (w - 1) / 2, cy - (h - 1) / 2, w, h])
    if not (box[2] > 0 and box[3] > 0):
        raise ValueError(f"cannot initialise on an empty region (box {box.tolist()})")
    return [float(v) for v in box]


def start_box(sequence: Sequence, frame: int, method: str, purpose: str) -> list[float]:
    """:func:`init_box` of the ground truth of 0-based ``frame`` as the toolkit sends it to a tracker.

    ``sequence`` comes from :func:`~lib.test.evaluation.vot.load_vot`. An unknown or empty region raises
    :class:`AnnotationError` naming ``groundtruth.txt``, line ``frame + 1``, and ``purpose`` (why the
    tracker starts there); an unknown ``method`` raises ValueError.
    """
    _check_method(method)
    try:
        return init_box(as_reported(toolkit_region(sequence.extra["regions"][frame])), method)
    except ValueError as err:
        raise AnnotationError(f"{sequence.extra['groundtruth_file']}: line {frame + 1} (frame {frame}, 0-based): "
                              f"{purpose} needs a region with an area: {err}") from None


def output_region(output: dict[str, Any], polygon: bool, mask: bool = False) -> Region:
    """The tracker's answer as a region: ``target_polygon`` when ``polygon`` and given, ``target_mask`` ((H, W)
    bool image) when ``mask`` and given, else ``target_bbox``."""
    if polygon and output.get("target_polygon") is not None:
        return PolygonRegion(np.asarray(output["target_polygon"], dtype=np.float64).reshape(-1, 2))
    if mask and output.get("target_mask") is not None:
        return MaskRegion(0, 0, np.asarray(output["target_mask"], dtype=bool))
    return RectangleRegion(*(float(v) for v in output["target_bbox"]))


Clock = Callable[[], float]  # seconds, monotonic (time.perf_counter)


def _timed(call: Callable[..., dict[str, Any]], *args: Any,
           clock: Clock = time.perf_counter) -> tuple[dict[str, Any], float]:
    start = clock()
    result = call(*args)
    return result, clock() - start


def _start(factory: TrackerFactory, traits: TrackingTraits, frame: str, box: list[float],
           clock: Clock = time.perf_counter) -> tuple[Tracker, float, np.ndarray]:
    """A fresh tracker initialised on ``frame`` with ``box`` (x, y, w, h); (tracker, seconds, image (H, W, 3))."""
    image = read_image(frame)
    tracker = factory(traits)
    _, seconds = _timed(tracker.initialize, image, {"init_bbox": box}, clock=clock)
    return tracker, seconds, image


def run_supervised(factory: TrackerFactory, sequence: Sequence, skip_initialize: int = 5,
                   failure_overlap: float = 0.0, method: str = "area") -> tuple[list[Region], list[float | None]]:
    """One supervised run: per frame the recorded region (codes 0/1/2 or the tracker's) and seconds (None = skipped).

    Raises :class:`AnnotationError` (see :func:`start_box`) when a (re-)initialisation frame has no region.
    """
    if skip_initialize < 1:
        raise ValueError(f"skip_initialize must be >= 1, got {skip_initialize}")
    truth = [toolkit_region(r) for r in sequence.extra["regions"]]
    polygon, mask = isinstance(truth[0], PolygonRegion), isinstance(truth[0], MaskRegion)
    regions: list[Region] = [SpecialRegion(UNKNOWN)] * len(sequence)
    times: list[float | None] = [None] * len(sequence)
    frame, purpose = 0, "the first frame"
    while frame < len(sequence):
        box = start_box(sequence, frame, method, purpose)
        tracker, times[frame], image = _start(factory, sequence.traits.tracking, sequence.frames[frame], box)
        size = (image.shape[1], image.shape[0])
        regions[frame] = SpecialRegion(INITIALIZATION)
        frame += 1
        while frame < len(sequence):
            output, times[frame] = _timed(tracker.track, read_image(sequence.frames[frame]))
            region = as_reported(output_region(output, polygon, mask))
            if region_overlap(region, truth[frame], size) <= failure_overlap:
                regions[frame] = SpecialRegion(FAILURE)
                purpose = (f"the re-initialisation after the failure at frame {frame} (the VOT toolkit does not "
                           "skip ahead either)")
                frame += skip_initialize
                break
            regions[frame] = region
            frame += 1
    return regions, times


def anchor_runs(sequence: Sequence) -> list[tuple[int, bool]]:
    """(0-based anchor frame, backward?) for every forward then every backward anchor, as the toolkit orders them."""
    anchors = np.asarray(sequence.extra.get("anchors", ()), dtype=np.float64)
    runs = [(int(i), False) for i in np.flatnonzero(anchors > 0)]
    runs += [(int(i), True) for i in np.flatnonzero(anchors < 0)]
    if not runs:
        raise ValueError(f"sequence {sequence.name}: no anchors (anchor.value) for the multistart experiment")
    return runs


def _anchor_box(sequence: Sequence, anchor: int, backward: bool, method: str) -> list[float]:
    return start_box(sequence, anchor, method, f"the {'backward' if backward else 'forward'} anchor")


def check_anchor_regions(sequence: Sequence, method: str = "area") -> None:
    """Raise :class:`AnnotationError` (see :func:`start_box`) for the first anchor whose region is unknown or empty."""
    for anchor, backward in anchor_runs(sequence):
        _anchor_box(sequence, anchor, backward, method)


def run_from_anchor(factory: TrackerFactory, sequence: Sequence, anchor: int, backward: bool,
                    method: str = "area", realtime: RealtimeConfig | None = None,
                    clock: Clock = time.perf_counter) -> tuple[list[Region], list[float | None]]:
    """One multistart run: regions and seconds in run order (anchor first; backward runs end at frame 0).

    With ``realtime`` the frames arrive at the sequence's rate (:mod:`lib.test.evaluation.vot_realtime`):
    a frame that arrives while the tracker is still busy records the late region again and no seconds (None:
    the tracker did not run; the toolkit writes 0 there).
    ``clock`` measures the tracker's seconds.
    """
    truth = [toolkit_region(r) for r in sequence.extra["regions"]]
    order = list(range(anchor, -1, -1)) if backward else list(range(anchor, len(sequence)))
    polygon, mask = isinstance(truth[0], PolygonRegion), isinstance(truth[0], MaskRegion)
    box = _anchor_box(sequence, anchor, backward, method)
    tracker, seconds, _ = _start(factory, sequence.traits.tracking, sequence.frames[anchor], box, clock)
    schedule = None
    if realtime is not None:
        schedule = RealtimeSchedule(realtime.grace, realtime.interval(sequence.extra.get("fps")))
        schedule.initialized(seconds, as_reported(truth[anchor]))
    regions: list[Region] = [SpecialRegion(INITIALIZATION)]
    times: list[float | None] = [seconds]
    for index in order[1:]:
        late = schedule.held() if schedule is not None else None
        if late is not None:
            regions.append(late)
            times.append(None)
            continue
        output, seconds = _timed(tracker.track, read_image(sequence.frames[index]), clock=clock)
        region = as_reported(output_region(output, polygon, mask))
        if schedule is not None:
            schedule.answered(seconds, region)
        regions.append(region)
        times.append(seconds)
    return regions, times


def _run_missing(runs: dict[str, Callable[[], tuple[list[Region], list[float | None]]]], result_dir: str | Path,
                 sequence: Sequence, on_frame: FrameCallback | None) -> tuple[int, float]:
    """Run and write each trajectory ``name -> run`` not yet on disk; frames tracked and tracker seconds."""
    frames, seconds = 0, 0.0
    for name, run in runs.items():
        if trajectory_exists(result_dir, sequence.name, name):
            continue
        regions, times = run()
        write_trajectory(result_dir, sequence.name, name, regions, times)
        done = [t for t in times if t is not None]
        frames, seconds = frames + len(done), seconds + float(sum(done))
        if on_frame is not None:
            on_frame(len(done))
    return frames, seconds


@dataclass(frozen=True)
class SupervisedTask:
    """Runner task (``lib.test.evaluation.runner.SequenceTask``): ``repetitions`` supervised runs per sequence."""

    repetitions: int = 1
    skip_initialize: int = 5
    failure_overlap: float = 0.0
    method: str = "area"

    def done(self, result_dir: str | Path, sequence: Sequence) -> bool:
        return all(trajectory_exists(result_dir, sequence.name, supervised_name(sequence.name, r))
                   for r in range(1, self.repetitions + 1))

    def run(self, factory: TrackerFactory, sequence: Sequence, result_dir: str | Path,
            on_frame: FrameCallback | None = None) -> tuple[int, float]:
        run = functools.partial(run_supervised, factory, sequence, self.skip_initialize,
                                self.failure_overlap, self.method)
        runs = {supervised_name(sequence.name, r): run for r in range(1, self.repetitions + 1)}
        return _run_missing(runs, result_dir, sequence, on_frame)


@dataclass(frozen=True)
class MultistartTask:
    """Runner task: one run from every anchor of a sequence (runs already on disk are kept).

    ``realtime``: the real-time experiment's options (None: the baseline experiment); ``clock``: see
    :func:`run_from_anchor`.
    """

    method: str = "area"
    realtime: RealtimeConfig | None = None
    clock: Clock = time.perf_counter

    def done(self, result_dir: str | Path, sequence: Sequence) -> bool:
        """Whether every anchor's run is on disk; first checks every anchor's region (:func:`check_anchor_regions`).

        The runner asks this of every sequence before it tracks any, so a bad anchor stops the benchmark
        before any tracking, with the ``groundtruth.txt`` line.
        """
        check_anchor_regions(sequence, self.method)
        return all(trajectory_exists(result_dir, sequence.name, multistart_name(sequence.name, anchor))
                   for anchor, _ in anchor_runs(sequence))

    def run(self, factory: TrackerFactory, sequence: Sequence, result_dir: str | Path,
            on_frame: FrameCallback | None = None) -> tuple[int, float]:
        runs = {multistart_name(sequence.name, anchor): functools.partial(
                    run_from_anchor, factory, sequence, anchor, backward, self.method, self.realtime, self.clock)
                for anchor, backward in anchor_runs(sequence)}
        return _run_missing(runs, result_dir, sequence, on_frame)


EXPERIMENTS = ("baseline", "realtime")


def vot_task(vot: VotTraits | None, repetitions: int = 1, method: str = "area",
             experiment: str = "baseline") -> SupervisedTask | MultistartTask | None:
    """The runner task of a benchmark's declared VOT experiment (``BenchmarkTraits.vot``); None without one.

    ``experiment``: ``baseline`` or ``realtime`` (multistart benchmarks only, the stacks' grace 3 and default
    20 fps); ValueError otherwise.
    """
    if repetitions < 1:
        raise ValueError(f"repetitions must be >= 1, got {repetitions}")
    if experiment not in EXPERIMENTS:
        raise ValueError(f"unknown VOT experiment {experiment!r}; known: {', '.join(EXPERIMENTS)}")
    if vot is None:
        if experiment != "baseline":
            raise ValueError(f"the {experiment} experiment applies to the VOT benchmarks only")
        return None
    if vot.protocol == "supervised":
        if experiment != "baseline":
            raise ValueError(f"the {experiment} experiment applies to the multistart (anchor-based) VOT benchmarks "
                             f"only, not to the supervised {vot.stack}")
        return SupervisedTask(repetitions=repetitions, method=method)
    return MultistartTask(method=method, realtime=RealtimeConfig() if experiment == "realtime" else None)
