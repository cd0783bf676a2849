"""A tiny multi-sequence scheduler for the batched-step tests: sequences join and leave the batch."""
from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from lib.test.tracker.base import BatchStep, Tracker


def run_interleaved(step: BatchStep, make: Callable[[int], Tracker], videos: Sequence[np.ndarray],
                    init_boxes: Sequence[Sequence[float]], starts: Sequence[int],
                    inspect: Callable[[int, Tracker], Any] = lambda i, t: None) -> list[list[tuple[dict, Any]]]:
    """Run ``videos[i]`` from batch step ``starts[i]`` until its last frame, all live sequences advancing
    together through ``step``; returns per sequence its (result, ``inspect(i, tracker)``) of frames 1...

    ``make(i)`` builds sequence i's tracker, initialised on its frame 0 at its start step.
    """
    trackers: dict[int, Tracker] = {}
    next_frame: dict[int, int] = {}
    outputs: list[list[tuple[dict, Any]]] = [[] for _ in videos]
    clock = 0
    while len(next_frame) or clock <= max(starts):
        for i, start in enumerate(starts):
            if start == clock:
                trackers[i] = make(i)
                trackers[i].initialize(videos[i][0], {"init_bbox": list(init_boxes[i])})
                next_frame[i] = 1
        live = sorted(i for i in next_frame if next_frame[i] < len(videos[i]))
        results = step([trackers[i] for i in live], [videos[i][next_frame[i]] for i in live]) if live else []
        for i, result in zip(live, results):
            outputs[i].append((result, inspect(i, trackers[i])))
            next_frame[i] += 1
            if next_frame[i] == len(videos[i]):
                del next_frame[i]
        clock += 1
    return outputs


def one_by_one(step: BatchStep) -> BatchStep:
    """``step`` on one tracker at a time: the sequential reference of a path that ``track`` does not take."""
    return lambda trackers, images: [step([tracker], [image])[0] for tracker, image in zip(trackers, images)]
