"""VOT's real-time experiment: which frames reach the tracker and which repeat a late region."""
from __future__ import annotations

import time
from typing import Any

import numpy as np
import pytest

from lib.test.evaluation.vot import RectangleRegion, SpecialRegion, load_vot
from lib.test.evaluation.vot_realtime import RealtimeConfig, RealtimeSchedule
from lib.test.evaluation.vot_runner import MultistartTask, run_from_anchor, vot_task
from lib.test.evaluation.traits import VotTraits
from lib.test.tracker.base import Tracker
from lib.utils.errors import AnnotationError
from lib.utils.image import read_image
from lib.utils.synthetic import render_video, write_vot


class SlowTracker(Tracker):
    """Answers frame i's ground-truth box shifted right by i pixels (so every answer differs) after
    ``cost[i]`` seconds: spent by ``sleep`` (real time) or by advancing ``clock`` (a simulated clock)."""

    def __init__(self, frames: list[np.ndarray], boxes: np.ndarray, cost: dict[int, float],
                 clock: "SimulatedClock | None" = None) -> None:
        self.frames, self.boxes, self.cost, self.clock = frames, boxes, cost, clock

    def _spend(self, index: int) -> None:
        seconds = self.cost.get(index, 0.0)
        if self.clock is not None:
            self.clock.now += seconds
        elif seconds:
            time.sleep(seconds)

    def _index(self, image: np.ndarray) -> int:
        return next(i for i, frame in enumerate(self.frames) if np.array_equal(frame, image))

    def initialize(self, image: np.ndarray, info: dict[str, Any]) -> dict[str, Any]:
        self._spend(self._index(image))
        return {}

    def track(self, image: np.ndarray, info: dict[str, Any] | None = None) -> dict[str, Any]:
        index = self._index(image)
        self._spend(index)
        x, y, w, h = self.boxes[index]
        return {"target_bbox": [float(x + index), float(y), float(w), float(h)]}


class SimulatedClock:
    """Seconds that pass only when a tracker spends them."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def _sequence(tmp_path, fps: str, num_frames: int = 12):
    video = render_video(5, 0, num_frames=num_frames, height=64, width=80, min_size=12, max_size=30, name="seq")
    write_vot(tmp_path, [video], "rectangle", anchor_spacing=num_frames)
    sequence_file = tmp_path / "sequences" / "seq" / "sequence"
    sequence_file.write_text(sequence_file.read_text().replace("fps=30", fps))
    (sequence,) = load_vot(tmp_path)
    return sequence, [read_image(path) for path in sequence.frames], video.boxes_xywh


def _tracked(regions, boxes, order) -> list[int]:
    """For every frame of a run, the frame whose answer it records (-1 for the initialisation)."""
    answers = {i: RectangleRegion(*(float(np.float32(v)) for v in (b[0] + i, b[1], b[2], b[3])))
               for i, b in enumerate(boxes)}
    found = []
    for region in regions:
        if isinstance(region, SpecialRegion):
            found.append(-1)
            continue
        rounded = RectangleRegion(*(round(v, 3) for v in (region.x, region.y, region.w, region.h)))
        found.append(next(i for i in order if RectangleRegion(*(round(v, 3) for v in (
            answers[i].x, answers[i].y, answers[i].w, answers[i].h))) == rounded))
    return found


def test_schedule_worked_example():
    # interval 1/8 s (exact in binary), grace 1. Frame costs: 1 -> 0.5 s (late, forgiven by the grace),
    # 3 -> 0.5 s: debt 0.375 > 0.125 -> frame 4 held (0.25), frame 5 held (0.125), frame 6: 0.125 is not
    # > 0.125 -> tracked. 7 -> 0.3 s: debt 0.175 -> frame 8 held (0.05), frame 9 tracked.
    schedule = RealtimeSchedule(grace=1, interval=0.125)
    schedule.initialized(0.0, "init")
    costs = {1: 0.5, 3: 0.5, 7: 0.3}
    recorded = []
    for frame in range(1, 11):
        late = schedule.held()
        if late is not None:
            recorded.append(late)
            continue
        schedule.answered(costs.get(frame, 0.01), f"answer {frame}")
        recorded.append(f"answer {frame}")
    assert recorded == ["answer 1", "answer 2", "answer 3", "answer 3", "answer 3", "answer 6", "answer 7",
                        "answer 7", "answer 9", "answer 10"]


def test_late_initialisation_holds_the_initial_region_and_grace_renews():
    schedule = RealtimeSchedule(grace=0, interval=0.1)
    schedule.initialized(0.25, "ground truth")  # debt 0.15: one frame held
    assert [schedule.held(), schedule.held()] == ["ground truth", None]
    schedule = RealtimeSchedule(grace=1, interval=0.1)
    for _ in range(2):  # every initialisation forgives one late call again
        schedule.initialized(0.5, "ground truth")
        assert schedule.held() is None


def test_realtime_run_with_simulated_clock(tmp_path):
    sequence, frames, boxes = _sequence(tmp_path, "fps=8")  # interval 0.125 s
    clock = SimulatedClock()
    costs = {0: 0.5, 2: 0.5, 3: 0.5, 4: 0.4}  # init late (grace 3 -> 2), 2 and 3 late (-> 0), 4 late: debt 0.275
    factory = lambda _: SlowTracker(frames, boxes, costs, clock)  # noqa: E731
    regions, times = run_from_anchor(factory, sequence, 0, backward=False, realtime=RealtimeConfig(grace=3),
                                     clock=clock)
    assert _tracked(regions, boxes, range(len(frames))) == [-1, 1, 2, 3, 4, 4, 4, 7, 8, 9, 10, 11]
    assert times == pytest.approx([0.5, 0.0, 0.5, 0.5, 0.4, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0])
    baseline, _ = run_from_anchor(factory, sequence, 0, backward=False, clock=clock)
    assert _tracked(baseline, boxes, range(len(frames))) == [-1] + list(range(1, len(frames)))


def test_backward_run_without_fps_line_uses_the_default_20_fps(tmp_path):
    sequence, frames, boxes = _sequence(tmp_path, "format=default")
    assert sequence.extra["fps"] is None
    clock = SimulatedClock()
    # anchors 0 (forward) and 11 (backward); interval 0.05 s, grace 0; frame 9 takes 0.16 s
    factory = lambda _: SlowTracker(frames, boxes, {9: 0.16}, clock)  # noqa: E731
    regions, _ = run_from_anchor(factory, sequence, 11, backward=True, realtime=RealtimeConfig(grace=0),
                                 clock=clock)
    # debt 0.11: frame 8 held (0.06), frame 7 held (0.01), frame 6 tracked
    assert _tracked(regions, boxes, range(len(frames))) == [-1, 10, 9, 9, 9, 6, 5, 4, 3, 2, 1, 0]


def test_realtime_with_a_sleeping_tracker(tmp_path):
    # Real time: 4 fps (0.25 s a frame), grace 0; frame 3 sleeps 0.875 s = 3.5 intervals: debt 0.625 ->
    # frames 4 and 5 repeat frame 3's box (0.375, 0.125 left), frame 6 is tracked. Margins: 0.125 s.
    sequence, frames, boxes = _sequence(tmp_path, "fps=4", num_frames=8)
    factory = lambda _: SlowTracker(frames, boxes, {3: 0.875})  # noqa: E731
    regions, _ = run_from_anchor(factory, sequence, 0, backward=False, realtime=RealtimeConfig(grace=0))
    assert _tracked(regions, boxes, range(len(frames))) == [-1, 1, 2, 3, 3, 3, 6, 7]


def test_fps_line_is_checked(tmp_path):
    with pytest.raises(AnnotationError, match=r"sequence: line 2: fps=fast is not a positive number"):
        _sequence(tmp_path, "fps=fast")


def test_realtime_is_for_multistart_benchmarks_only():
    task = vot_task(VotTraits("vot2022", "multistart"), experiment="realtime")
    assert isinstance(task, MultistartTask) and task.realtime == RealtimeConfig(grace=3, fps=20.0)
    assert vot_task(VotTraits("vot2022", "multistart")).realtime is None
    with pytest.raises(ValueError, match="multistart"):
        vot_task(VotTraits("vot2018", "supervised"), experiment="realtime")
    with pytest.raises(ValueError, match="unknown VOT experiment"):
        vot_task(VotTraits("vot2022", "multistart"), experiment="unsupervised")
