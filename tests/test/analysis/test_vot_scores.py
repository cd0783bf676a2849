"""VOT accuracy, robustness and EAO (toolkit 0.7.x definitions) against hand-computed values."""
import math

import numpy as np
import pytest

from lib.test.analysis.vot import (STACKS, VotStack, evaluate_multistart, evaluate_supervised, load_stack,
                                   multistart_eao_partial, multistart_run, supervised_accuracy, supervised_eao_curve,
                                   supervised_segments)
from lib.test.evaluation.vot import RectangleRegion, SpecialRegion, load_vot
from lib.test.evaluation.vot_results import multistart_name, supervised_name, write_trajectory
from lib.utils.synthetic import render_video, write_vot

O = -1  # a tracker region (no special code)


def test_supervised_accuracy_skips_burn_in_failures_and_skipped_frames():
    codes = np.array([1] + [O] * 11 + [2, 0, 0])
    overlaps = np.zeros(15)
    overlaps[10], overlaps[11] = 0.4, 0.6
    assert supervised_accuracy(overlaps, codes, burnin=10) == pytest.approx(0.5)  # frames 10, 11 only
    overlaps[3:10] = 0.5
    assert supervised_accuracy(overlaps, codes, burnin=3) == pytest.approx((0.5 * 7 + 1.0) / 9)
    assert supervised_accuracy(overlaps, np.array([1] * 15), burnin=3) == 0.0  # nothing left


def test_supervised_eao_curve_pads_failed_segments_with_zeros():
    codes = np.array([1, O, O, 2, 0, 0, 0, 0, 1, O, O, O])
    overlaps = np.array([0, 0.8, 0.6, 0, 0, 0, 0, 0, 0, 0.4, 0.2, 0.6])
    segments = supervised_segments(overlaps, codes)
    assert [(len(o), ok) for o, ok in segments] == [(3, False), (4, True)]
    # j=1: (.8+.4)/2; j=2: (.7+.3)/2; j=3: failed (.8+.6+0)/3 and (.4+.2+.6)/3
    np.testing.assert_allclose(supervised_eao_curve(segments), [0, 0.6, 0.5, (1.4 / 3 + 0.4) / 2])
    # a failure within the last frames (no re-initialisation) leaves no trailing segment
    assert len(supervised_segments(np.zeros(4), np.array([1, O, 2, 0]))) == 1
    assert supervised_segments(np.ones(3), np.array([1, O, O]))[0][1] is True


def test_multistart_failure_needs_a_streak_on_non_empty_ground_truth():
    overlaps = np.array([0, 0.5, 0.05, 0.1, 0.5, 0, 0, 0, 0.5])
    assert multistart_run(overlaps, np.zeros(9, dtype=bool), threshold=0.1, grace=3) == 5  # streak 5,6,7
    empty = np.zeros(9, dtype=bool)
    empty[6] = True  # an empty ground-truth frame breaks the streak
    assert multistart_run(overlaps, empty, threshold=0.1, grace=3) == 9


def test_multistart_eao_partial_curve():
    phi, active = multistart_eao_partial([(np.array([0, 0.5, 0.3]), True), (np.array([0, 0.4, 0, 0]), False)], 6)
    np.testing.assert_allclose(phi, [0, 0.45, 0.3, 0.4 / 3, 0.4 / 3, 0.1])
    np.testing.assert_array_equal(active, [0, 2, 2, 1, 1, 1])


def test_stacks_and_stack_files(tmp_path):
    assert (STACKS["vot2016"].low, STACKS["vot2016"].high) == (108, 371)
    assert (STACKS["vot2018"].low, STACKS["vot2018"].high) == (100, 356)
    assert (STACKS["vot2019"].low, STACKS["vot2019"].high) == (46, 291)
    assert (STACKS["vot2020"].protocol, STACKS["vot2020"].low, STACKS["vot2020"].high) == ("multistart", 115, 755)
    stack = tmp_path / "mine.yaml"
    stack.write_text("experiments:\n  baseline:\n    type: supervised\n    analyses:\n"
                     "      - type: supervised_eao_score\n        low: 3\n        high: 9\n")
    assert (load_stack(str(stack)).protocol, load_stack(str(stack)).low, load_stack(str(stack)).high) == \
        ("supervised", 3, 9)
    with pytest.raises(ValueError, match="unknown stack"):
        load_stack("vot1999")


def _dataset(tmp_path, region, frames, anchor_spacing=0):
    video = render_video(5, 0, num_frames=frames, height=64, width=80, min_size=10, max_size=30, name="seq")
    write_vot(tmp_path, [video], region, anchor_spacing)
    return load_vot(tmp_path), [RectangleRegion(*box) for box in video.boxes_xywh]


def test_supervised_scores_of_hand_made_runs(tmp_path):
    (sequence,), boxes = _dataset(tmp_path / "data", "rectangle", 12)
    results = tmp_path / "results"
    regions = [SpecialRegion(1)] + boxes[1:3] + [SpecialRegion(2)] + [SpecialRegion(0)] * 4 + [SpecialRegion(1)] \
        + boxes[9:]
    write_trajectory(results, "seq", supervised_name("seq", 1), regions, [0.1] * 12)
    stack = VotStack("test", "supervised", 1, 3, burnin=2)
    evaluation = evaluate_supervised([sequence], results, stack)
    # kept frames: 2 and 10, 11 (burn-in 2 after frames 0 and 8), all perfect
    assert evaluation.scores["A"] == pytest.approx(1.0)
    assert evaluation.scores["failures"] == 1 and evaluation.scores["R"] == pytest.approx(1.0)
    assert evaluation.scores["R100"] == pytest.approx(100 / 12)
    assert evaluation.scores["AR_robustness"] == pytest.approx(math.exp(-30 * 1 / 12))
    # segments [0,1,1] failed and [0,1,1,1] ok: curve 0, 1, 1, (2/3 + 1) / 2
    np.testing.assert_allclose(evaluation.eao_curve, [0, 1, 1, 5 / 6])
    assert evaluation.scores["EAO"] == pytest.approx((1 + 1 + 5 / 6) / 3)


def test_multistart_scores_of_hand_made_runs(tmp_path):
    (sequence,), boxes = _dataset(tmp_path / "data", "mask", 8, anchor_spacing=4)
    assert sequence.extra["anchors"].tolist() == [1, 0, 0, 0, -1, 0, 0, -1]
    results = tmp_path / "results"
    far = RectangleRegion(70, 50, 5, 5)  # off the target
    forward = [SpecialRegion(1)] + boxes[1:3] + [far] * 5  # fails at frame 3 (grace 3)
    write_trajectory(results, "seq", multistart_name("seq", 0), forward, [0.1] * 8)
    for anchor in (4, 7):
        run = [SpecialRegion(1)] + [boxes[i] for i in range(anchor - 1, -1, -1)]
        write_trajectory(results, "seq", multistart_name("seq", anchor), run, [0.1] * len(run))
    stack = VotStack("test", "multistart", 2, 6, grace=3)
    evaluation = evaluate_multistart([sequence], results, stack)
    # useful lengths 3 + 5 + 8, overlaps summed 2 + 4 + 7 (the initialisation frame scores 0)
    assert evaluation.scores["A"] == pytest.approx(13 / 16)
    assert evaluation.scores["R"] == pytest.approx(16 / 21)
    np.testing.assert_allclose(evaluation.eao_curve, [0, 1, 1, 8 / 9, 5 / 6, 0.7])
    assert evaluation.scores["EAO"] == pytest.approx((1 + 8 / 9 + 5 / 6 + 0.7) / 4)
    (results / "seq" / "seq_00000007.txt").unlink()
    with pytest.raises(FileNotFoundError, match="seq_00000007"):
        evaluate_multistart([sequence], results, stack)
