"""VastTrack test-set loader on a tiny dataset in the real layout."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from lib.test.evaluation import AnnotationError, DatasetLayoutError, load_benchmark


def _write_sequence(root: Path, class_name: str, name: str, boxes: list[str], write_frames,
                    gt_name: str = "Groundtruth.txt") -> Path:
    seq_dir = root / class_name / name
    write_frames(seq_dir / "imgs", [f"{i:05d}.jpg" for i in range(1, len(boxes) + 1)])
    (seq_dir / gt_name).write_text("\n".join(boxes) + "\n")
    (seq_dir / "nlp.txt").write_text("the black ant carrying a  seed\n")
    return seq_dir


@pytest.fixture
def vasttrack_root(tmp_path: Path, write_frames) -> Path:
    root = tmp_path / "VastTrack"
    # Frame 3 is absent (0,0,0,0); frame 4 has zero height but is not absent.
    _write_sequence(root, "Black Ant", "Black Ant-10", ["10,20,30,40", "11,21,30,40", "0,0,0,0", "12,22,30,0"]
                    + ["13,23,30,40"] * 8, write_frames)
    _write_sequence(root, "Black Ant", "Black Ant-2", ["5,6,7,8", "5,6,7,9"], write_frames)
    # A hyphen inside the class name, and the lower-case ground-truth spelling some sequences use.
    _write_sequence(root, "Black-Tailed Gull", "Black-Tailed Gull-4", ["1,2,3,4"] * 3, write_frames,
                    gt_name="groundtruth.txt")
    (root / "Black Ant" / "not_a_sequence").mkdir()  # no ground truth
    (root / "readme.txt").write_text("not a class folder\n")
    return root


def test_sequences_frames_visibility_class_and_language(vasttrack_root: Path, settings_for) -> None:
    seqs = load_benchmark("vasttrack", settings_for(vasttrack_dir=vasttrack_root))
    assert [s.name for s in seqs] == ["Black Ant-10", "Black Ant-2", "Black-Tailed Gull-4"]
    seq = seqs[0]
    imgs = vasttrack_root / "Black Ant" / "Black Ant-10" / "imgs"
    assert seq.frames == [str(imgs / f"{i:05d}.jpg") for i in range(1, 13)]
    assert seq.ground_truth_xywh.shape == (12, 4) and seq.init_box_xywh == [10, 20, 30, 40]
    np.testing.assert_array_equal(seq.target_visible, [True, True, False] + [True] * 9)
    assert seq.extra["language"] == "the black ant carrying a seed"
    assert seq.object_class == "Black Ant" and seqs[2].object_class == "Black-Tailed Gull"
    assert seq.dataset == "vasttrack" and seq.traits.tracking.hyper_key == "VASTTRACK"
    np.testing.assert_array_equal(seqs[2].ground_truth_xywh, [[1, 2, 3, 4]] * 3)
    assert seqs[2].init_box_source.endswith("groundtruth.txt, line 1")


def test_malformed_box_line_names_file_and_line(vasttrack_root: Path, settings_for) -> None:
    gt = vasttrack_root / "Black Ant" / "Black Ant-2" / "Groundtruth.txt"
    gt.write_text("5,6,7,8\n5,6,7\n")
    with pytest.raises(AnnotationError, match=rf"{gt}: line 2: expected 4 comma-separated numbers"):
        load_benchmark("vasttrack", settings_for(vasttrack_dir=vasttrack_root), sequences=["Black Ant-2"])


def test_missing_last_frame_language_file_and_root_are_named(vasttrack_root: Path, settings_for,
                                                             tmp_path: Path) -> None:
    last = vasttrack_root / "Black Ant" / "Black Ant-2" / "imgs" / "00002.jpg"
    last.unlink()
    with pytest.raises(DatasetLayoutError, match=str(last)):
        load_benchmark("vasttrack", settings_for(vasttrack_dir=vasttrack_root), sequences=["Black Ant-2"])
    language = vasttrack_root / "Black Ant" / "Black Ant-10" / "nlp.txt"
    language.unlink()
    with pytest.raises(DatasetLayoutError, match=str(language)):
        load_benchmark("vasttrack", settings_for(vasttrack_dir=vasttrack_root), sequences=["Black Ant-10"])
    with pytest.raises(DatasetLayoutError, match="no <Class>/<seq> folder with a Groundtruth.txt"):
        load_benchmark("vasttrack", settings_for(vasttrack_dir=vasttrack_root / "Black Ant"))


def test_unknown_sequence_name(vasttrack_root: Path, settings_for) -> None:
    with pytest.raises(ValueError, match=r"VastTrack: unknown sequence name\(s\) \['nope'\]"):
        load_benchmark("vasttrack", settings_for(vasttrack_dir=vasttrack_root), sequences=["nope"])
