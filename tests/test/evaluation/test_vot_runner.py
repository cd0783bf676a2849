"""VOT supervised and multistart runs with a scripted tracker: failure codes, re-initialisation, anchors."""
import math
from typing import Any

import numpy as np
import pytest

from lib.test.evaluation import AnnotationError
from lib.test.evaluation.runner import TrackerSpec, run_benchmark
from lib.test.evaluation.vot import PolygonRegion, RectangleRegion, SpecialRegion, load_vot, parse_region
from lib.test.evaluation.vot_results import read_trajectory
from lib.test.evaluation.vot_runner import (MultistartTask, SupervisedTask, anchor_runs, init_box, run_from_anchor,
                                            run_supervised)
from lib.test.tracker.base import Tracker
from lib.utils.image import read_image
from lib.utils.synthetic import render_video, write_vot


class ScriptedTracker(Tracker):
    """Answers the ground-truth box of the frame it is shown (found by image content), off target on ``lost``."""

    def __init__(self, frames: list[np.ndarray], boxes: np.ndarray, lost: set[int], inits: list[int]) -> None:
        self.frames, self.boxes, self.lost, self.inits = frames, boxes, lost, inits

    def _index(self, image: np.ndarray) -> int:
        return next(i for i, frame in enumerate(self.frames) if np.array_equal(frame, image))

    def initialize(self, image: np.ndarray, info: dict[str, Any]) -> dict[str, Any]:
        self.inits.append(self._index(image))
        return {}

    def track(self, image: np.ndarray, info: dict[str, Any] | None = None) -> dict[str, Any]:
        index = self._index(image)
        return {"target_bbox": [0.0, 0.0, 1.0, 1.0] if index in self.lost else self.boxes[index].tolist()}


@pytest.fixture()
def vot_sequence(tmp_path):
    video = render_video(4, 0, num_frames=16, height=64, width=80, min_size=12, max_size=30, name="seq")
    write_vot(tmp_path, [video], "rectangle", anchor_spacing=8)
    (sequence,) = load_vot(tmp_path)
    frames = [read_image(path) for path in sequence.frames]
    return sequence, frames, video.boxes_xywh


def test_init_box_from_polygon_rectangle_and_mask():
    # A square of side 10 rotated by 45 degrees: hull 14.14 wide, area-preserving side 10 (+1 pixel).
    h = 10 / math.sqrt(2)
    square = PolygonRegion(np.array([[50, 50 - h], [50 + h, 50], [50, 50 + h], [50 - h, 50]]))
    x, y, w, ht = init_box(square, "area")
    assert w == pytest.approx(11) and ht == pytest.approx(11)
    assert (x + (w - 1) / 2, y + (ht - 1) / 2) == pytest.approx((50, 50))
    assert init_box(square, "hull") == pytest.approx([50 - h, 50 - h, 2 * h, 2 * h])
    assert init_box(RectangleRegion(1, 2, 3, 4)) == [1, 2, 3, 4]
    assert init_box(parse_region("m2,3,4,2,1,3,1,2,1")) == [3, 3, 3, 2]  # tight box of the mask pixels
    with pytest.raises(ValueError, match="special region"):
        init_box(SpecialRegion(0))
    with pytest.raises(ValueError, match="unknown initialisation method"):
        init_box(square, "bbox")


def test_supervised_run_fails_and_reinitialises_five_frames_later(vot_sequence):
    sequence, frames, boxes = vot_sequence
    inits: list[int] = []
    factory = lambda _: ScriptedTracker(frames, boxes, lost={4, 12}, inits=inits)  # noqa: E731
    regions, times = run_supervised(factory, sequence)
    codes = [r.code if isinstance(r, SpecialRegion) else -1 for r in regions]
    # init 0, failure 4, skip 5..8, init 9, failure 12, frames 13..15 skipped (no frame left to re-init)
    assert codes == [1, -1, -1, -1, 2, 0, 0, 0, 0, 1, -1, -1, 2, 0, 0, 0]
    assert inits == [0, 9]
    assert regions[1] == RectangleRegion(*boxes[1])
    assert [t is None for t in times] == [c == 0 for c in codes]


def test_multistart_runs_forward_and_backward(vot_sequence):
    sequence, frames, boxes = vot_sequence
    assert anchor_runs(sequence) == [(0, False), (8, True), (15, True)]
    inits: list[int] = []
    factory = lambda _: ScriptedTracker(frames, boxes, lost=set(), inits=inits)  # noqa: E731
    regions, _ = run_from_anchor(factory, sequence, 8, backward=True)
    assert inits == [8] and len(regions) == 9 and regions[0] == SpecialRegion(1)
    assert regions[1] == RectangleRegion(*boxes[7]) and regions[-1] == RectangleRegion(*boxes[0])
    sequence.extra["anchors"][:] = 0
    with pytest.raises(ValueError, match="no anchors"):
        anchor_runs(sequence)


def test_runner_tasks_write_the_toolkit_layout(tmp_path, vot_sequence):
    """The VOT tasks go through the benchmark runner (random tiny AiATrack: only the layout is checked)."""
    sequence, _, _ = vot_sequence
    spec = TrackerSpec("aiatrack", "tiny", None)
    with pytest.warns(UserWarning, match="RANDOMLY"):
        summary = run_benchmark(spec, [sequence], "vot", tmp_path / "sup", progress=False,
                                task=SupervisedTask(repetitions=2))
    assert len(summary.done) == 1 and not summary.failed
    for name in ("seq_001", "seq_002"):
        assert (tmp_path / "sup" / "seq" / f"{name}_time.value").is_file()
        assert read_trajectory(tmp_path / "sup", "seq", name)[0] == SpecialRegion(1)
    summary = run_benchmark(spec, [sequence], "vot", tmp_path / "sup", progress=False,
                            task=SupervisedTask(repetitions=2))
    assert summary.skipped == ["seq"]
    with pytest.warns(UserWarning, match="RANDOMLY"):
        run_benchmark(spec, [sequence], "vot", tmp_path / "ms", progress=False, task=MultistartTask())
    assert sorted(p.name for p in (tmp_path / "ms" / "seq").glob("*.txt")) == \
        ["seq_00000000.txt", "seq_00000008.txt", "seq_00000015.txt"]
    assert len(read_trajectory(tmp_path / "ms", "seq", "seq_00000008")) == 9


def _rewrite_region(root, frame: int, text: str):
    """Replace the ground truth of 0-based ``frame`` of sequence ``seq`` under ``root`` and reload it."""
    gt = root / "sequences" / "seq" / "groundtruth.txt"
    lines = gt.read_text().splitlines()
    lines[frame] = text
    gt.write_text("\n".join(lines) + "\n")
    (sequence,) = load_vot(root)
    return sequence, gt


@pytest.mark.parametrize("region", ["nan,nan,nan,nan", "0", "20,20,0,5"], ids=["nan", "code-0", "zero-width"])
def test_reinitialisation_on_a_region_without_area_names_the_file_and_line(tmp_path, vot_sequence, region):
    """Like the toolkit, no search for a later frame: the run stops at frame 9, naming groundtruth.txt line 10."""
    _, frames, boxes = vot_sequence
    sequence, gt = _rewrite_region(tmp_path, 9, region)
    inits: list[int] = []
    factory = lambda _: ScriptedTracker(frames, boxes, lost={4}, inits=inits)  # noqa: E731
    with pytest.raises(AnnotationError, match="failure at frame 4") as err:
        run_supervised(factory, sequence)
    assert str(err.value).startswith(f"{gt}: line 10 (frame 9, 0-based): ")
    assert inits == [0]


def test_anchor_without_area_stops_the_benchmark_before_any_tracking(tmp_path, vot_sequence):
    sequence, gt = _rewrite_region(tmp_path, 15, "0,0,0,0")  # the last (backward) anchor
    spec = TrackerSpec("aiatrack", "tiny", None)
    with pytest.raises(AnnotationError, match="backward anchor") as err:
        run_benchmark(spec, [sequence], "vot", tmp_path / "ms", progress=False, task=MultistartTask())
    assert str(err.value).startswith(f"{gt}: line 16 (frame 15, 0-based): ")
    assert not list((tmp_path / "ms").rglob("*.txt"))  # the anchors 0 and 8 were not run first


class MaskTracker(ScriptedTracker):
    """Answers, besides the box, a full-image mask: the box's pixels with its first row left out."""

    def track(self, image: np.ndarray, info: dict[str, Any] | None = None) -> dict[str, Any]:
        out = super().track(image)
        x, y, w, h = (int(round(v)) for v in out["target_bbox"])
        mask = np.zeros(image.shape[:2], dtype=bool)
        mask[y + 1:y + h, x:x + w] = True
        return {**out, "target_mask": mask}


@pytest.mark.parametrize("region", ["mask", "rectangle"])
def test_a_tracker_mask_is_recorded_on_mask_ground_truth_only(tmp_path, region):
    video = render_video(4, 0, num_frames=6, height=64, width=80, min_size=12, max_size=30, name="seq")
    write_vot(tmp_path, [video], region, anchor_spacing=6)
    (sequence,) = load_vot(tmp_path)
    frames = [read_image(path) for path in sequence.frames]
    factory = lambda _: MaskTracker(frames, video.boxes_xywh, lost=set(), inits=[])  # noqa: E731
    MultistartTask().run(factory, sequence, tmp_path / "out")
    lines = (tmp_path / "out" / "seq" / "seq_00000000.txt").read_text().splitlines()
    for frame in range(1, 6):
        x, y, w, h = (int(round(v)) for v in MaskTracker(frames, video.boxes_xywh, set(), []).track(
            frames[frame])["target_bbox"])
        # the toolkit's text: the mask cropped to its pixels, offset, size, then runs starting with zeros
        expected = f"m{x},{y + 1},{w},{h - 1},0,{w * (h - 1)}" if region == "mask" else None
        if expected is None:
            assert lines[frame].count(",") == 3 and not lines[frame].startswith("m")
        else:
            assert lines[frame] == expected
