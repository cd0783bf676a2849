"""Several sequences tracked together in one process, one batched network step per frame (``test.py --batch``).

Up to ``batch`` sequences are in flight; each has its own tracker (state, memory and the hyper-parameters of
its benchmark traits), all made by one factory and so sharing one prepared network. Every step advances each
tracker in flight by one frame through the plug-in's :data:`~lib.test.tracker.base.BatchStep` (its
``track_batch``). A sequence's first frame goes through its own ``initialize``. The next frame of every
sequence in flight is read by a thread pool while the current step runs, so decoding overlaps tracking.

A finished sequence is written at once (atomically, as in the one-at-a-time runner) and the next pending
sequence takes its place, so sequences of different lengths leave and join the batch freely. A sequence
whose frame cannot be read fails alone; an error raised by a batched step fails every sequence of that step
(the step may have advanced some of their trackers already, so none of them can go on faithfully).
"""
from __future__ import annotations

import time
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterator

import numpy as np

from lib.test.evaluation.outcomes import SequenceOutcome, failed
from lib.test.evaluation.results import write_sequence_results
from lib.test.evaluation.sequence import Sequence
from lib.test.tracker.base import BatchStep, Tracker, TrackerFactory
from lib.utils.image import read_image

#: ``next_sequence(wait) -> Sequence | None``: the next sequence to track. With ``wait`` False (other sequences
#: are in flight) it returns None when none is available right now; with ``wait`` True None means none will come.
SequenceSource = Callable[[bool], "Sequence | None"]
FrameCallback = Callable[[int], None]  # called with the number of frames just tracked

MAX_READ_THREADS = 8


@dataclass(eq=False)
class _InFlight:
    """One sequence being tracked: its tracker, results so far and the read of its next frame."""

    sequence: Sequence
    tracker: Tracker
    boxes: np.ndarray   # (N, 4) xywh
    times: np.ndarray   # (N,) seconds
    frame: Future       # the read of frame ``index``
    index: int = 0


def track_batched(factory: TrackerFactory, step: BatchStep, next_sequence: SequenceSource, batch: int,
                  result_dir: str | Path, on_frame: FrameCallback | None = None) -> Iterator[SequenceOutcome]:
    """Track the sequences of ``next_sequence`` ``batch`` at a time; the outcome of each as it is written.

    Results are the files of :func:`~lib.test.evaluation.results.write_sequence_results` (boxes (N, 4) xywh,
    row 0 = the first-frame box; per-frame seconds, a step's time shared equally by its frames). A failed
    write yields an outcome with ``stops_run`` set; the caller then makes ``next_sequence`` return None.
    ValueError when ``batch`` < 1.
    """
    if batch < 1:
        raise ValueError(f"batch must be >= 1, got {batch}")
    flying: list[_InFlight] = []
    with ThreadPoolExecutor(max_workers=min(batch, MAX_READ_THREADS), thread_name_prefix="frame-reader") as pool:
        try:
            while True:
                while len(flying) < batch and (sequence := next_sequence(not flying)) is not None:
                    started = _start(factory, sequence, pool)
                    if isinstance(started, SequenceOutcome):
                        yield started
                    else:
                        flying.append(started)
                if not flying:
                    return
                images: dict[_InFlight, np.ndarray] = {}
                for entry in flying:
                    try:
                        images[entry] = entry.frame.result()
                        if entry.index == 0:
                            _initialize(entry, images[entry])
                    except Exception as exc:  # this sequence alone: unreadable frame, bad first box, ...
                        images.pop(entry, None)
                        yield failed(entry.sequence.name, exc)
                tracking = [entry for entry in images if entry.index > 0]
                try:
                    _step(step, tracking, images)
                except Exception as exc:
                    yield from (failed(entry.sequence.name, exc) for entry in tracking)
                    images = {entry: image for entry, image in images.items() if entry.index == 0}
                flying = list(images)
                if on_frame is not None and flying:
                    on_frame(len(flying))
                for entry in list(flying):
                    entry.index += 1
                    if entry.index < len(entry.sequence):
                        entry.frame = pool.submit(read_image, entry.sequence.frames[entry.index])
                    else:
                        flying.remove(entry)
                        yield _write(entry, result_dir)
        finally:
            for entry in flying:  # stopped early (Ctrl-C, the consumer closed the generator): drop pending reads
                entry.frame.cancel()


def _start(factory: TrackerFactory, sequence: Sequence, pool: ThreadPoolExecutor) -> _InFlight | SequenceOutcome:
    """A new sequence in flight (its first frame being read), or its failure when no tracker can be made."""
    try:
        tracker = factory(sequence.traits.tracking)
    except Exception as exc:
        return failed(sequence.name, exc)
    return _InFlight(sequence, tracker, np.zeros((len(sequence), 4), dtype=np.float64),
                     np.zeros(len(sequence), dtype=np.float64), pool.submit(read_image, sequence.frames[0]))


def _initialize(entry: _InFlight, image: np.ndarray) -> None:
    """Start ``entry``'s tracker on its first frame, recording box and time."""
    start = time.perf_counter()
    output = entry.tracker.initialize(image, {"init_bbox": entry.sequence.init_box_xywh})
    entry.times[0] = time.perf_counter() - start
    entry.boxes[0] = output["target_bbox"]


def _step(step: BatchStep, tracking: list[_InFlight], images: dict[_InFlight, np.ndarray]) -> None:
    """Advance the trackers of ``tracking`` by one frame in one batched call, recording boxes and times."""
    if not tracking:
        return
    start = time.perf_counter()
    outputs = step([entry.tracker for entry in tracking], [images[entry] for entry in tracking])
    share = (time.perf_counter() - start) / len(tracking)
    for entry, output in zip(tracking, outputs, strict=True):
        entry.times[entry.index] = share
        entry.boxes[entry.index] = output["target_bbox"]


def _write(entry: _InFlight, result_dir: str | Path) -> SequenceOutcome:
    """Write a finished sequence's results; its outcome."""
    try:
        write_sequence_results(result_dir, entry.sequence, entry.boxes, entry.times)
    except Exception as exc:
        return failed(entry.sequence.name, exc)
    return SequenceOutcome(entry.sequence.name, len(entry.sequence), float(entry.times.sum()))
