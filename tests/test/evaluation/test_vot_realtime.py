"""VOT's real-time experiment: which frames reach the tracker and which repeat a late region."""
from __future__ import annotations

import pytest

from lib.test.evaluation.traits import VotTraits
from lib.test.evaluation.vot import load_vot
from lib.test.evaluation.vot_realtime import RealtimeConfig, RealtimeSchedule
from lib.test.evaluation.vot_results import multistart_name, read_trajectory
from lib.test.evaluation.vot_runner import MultistartTask, run_from_anchor, vot_task
from lib.utils.errors import AnnotationError
from lib.utils.synthetic import render_video, write_vot

from tests.test.sleeping_tracker import (WORKED_ANSWERS, WORKED_COSTS, SimulatedClock, SleepingTracker,
                                         write_worked_sequence)


def _sequence(tmp_path, fps_line: str, num_frames: int = 12):
    """A rectangle sequence with anchors 0 (forward) and ``num_frames - 1`` (backward) and ``fps_line``."""
    video = render_video(5, 0, num_frames=num_frames, height=64, width=80, min_size=12, max_size=30, name="seq")
    write_vot(tmp_path, [video], "rectangle", anchor_spacing=num_frames)
    sequence_file = tmp_path / "sequences" / "seq" / "sequence"
    sequence_file.write_text(sequence_file.read_text().replace("fps=30", fps_line))
    (sequence,) = load_vot(tmp_path)
    return sequence, tmp_path / "sequences" / "seq"


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


def test_worked_example_with_a_simulated_clock(tmp_path):
    # The worked example that vot-toolkit 0.7.4 reproduces with real sleeps (test_vot_toolkit_realtime.py).
    seq_dir = write_worked_sequence(tmp_path)
    (sequence,) = load_vot(tmp_path)
    assert sequence.extra["fps"] == 4.0
    clock = SimulatedClock()
    tracker = SleepingTracker.for_sequence(seq_dir, WORKED_COSTS, clock)
    MultistartTask(realtime=RealtimeConfig(grace=1), clock=clock).run(lambda _: tracker, sequence, tmp_path / "out")
    for anchor, expected in WORKED_ANSWERS.items():
        assert tracker.answers(read_trajectory(tmp_path / "out", "seq", multistart_name("seq", anchor))) == expected
    # the baseline experiment shows every frame to the tracker, however slow
    regions, _ = run_from_anchor(lambda _: tracker, sequence, 0, backward=False, clock=clock)
    assert tracker.answers(regions) == [-1] + list(range(1, 16))


def test_held_frames_record_no_seconds_and_grace_counts_the_initialisation(tmp_path):
    sequence, seq_dir = _sequence(tmp_path, "fps=8")  # interval 0.125 s
    clock = SimulatedClock()
    # init late (grace 3 -> 2), frames 2 and 3 late (-> 0), frame 4 late: debt 0.275 -> 5 and 6 held
    tracker = SleepingTracker.for_sequence(seq_dir, {0: 0.5, 2: 0.5, 3: 0.5, 4: 0.4}, clock)
    regions, times = run_from_anchor(lambda _: tracker, sequence, 0, backward=False,
                                     realtime=RealtimeConfig(grace=3), clock=clock)
    assert tracker.answers(regions) == [-1, 1, 2, 3, 4, 4, 4, 7, 8, 9, 10, 11]
    assert [t is None for t in times] == [i in (5, 6) for i in range(12)]  # held: the tracker did not run
    assert [t for t in times if t is not None] == pytest.approx([0.5, 0.0, 0.5, 0.5, 0.4, 0.0, 0.0, 0.0, 0.0, 0.0])


def test_without_fps_line_the_default_20_fps(tmp_path):
    sequence, seq_dir = _sequence(tmp_path, "format=default")
    assert sequence.extra["fps"] is None
    clock = SimulatedClock()
    # backward from 11; interval 0.05 s, grace 0; frame 9 takes 0.16 s: debt 0.11 -> 8 held (0.06), 7 held (0.01)
    tracker = SleepingTracker.for_sequence(seq_dir, {9: 0.16}, clock)
    regions, _ = run_from_anchor(lambda _: tracker, sequence, 11, backward=True, realtime=RealtimeConfig(grace=0),
                                 clock=clock)
    assert tracker.answers(regions) == [-1, 10, 9, 9, 9, 6, 5, 4, 3, 2, 1, 0]


def test_realtime_with_a_sleeping_tracker(tmp_path):
    # Real time: 4 fps (0.25 s a frame), grace 0; frame 3 sleeps 0.875 s = 3.5 intervals: debt 0.625 ->
    # frames 4 and 5 repeat frame 3's box (0.375, 0.125 left), frame 6 is tracked. Margins: 0.125 s.
    sequence, seq_dir = _sequence(tmp_path, "fps=4", num_frames=8)
    tracker = SleepingTracker.for_sequence(seq_dir, {3: 0.875})
    regions, _ = run_from_anchor(lambda _: tracker, sequence, 0, backward=False, realtime=RealtimeConfig(grace=0))
    assert tracker.answers(regions) == [-1, 1, 2, 3, 3, 3, 6, 7]


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
