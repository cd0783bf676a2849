"""TNL2K test-set loader on a tiny dataset in the real layout."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from lib.test.evaluation import AnnotationError, DatasetLayoutError, load_benchmark


def _write_sequence(root: Path, name: str, boxes: list[str], frame_names: list[str], write_frames) -> Path:
    seq_dir = root / name
    write_frames(seq_dir / "imgs", frame_names)
    (seq_dir / "groundtruth.txt").write_text("\n".join(boxes) + "\n")
    (seq_dir / "language.txt").write_text("the man in a black coat\n")
    return seq_dir


@pytest.fixture
def tnl2k_root(tmp_path: Path, write_frames) -> Path:
    root = tmp_path / "TNL2K_test"
    # Frame 3 is absent (0,0,0,0); frame 4 has zero height but is not absent. 2.png sorts after 10.png by name.
    _write_sequence(root, "test_015_Sord_video_Q01_done", ["10,20,30,40", "11,21,30,40", "0,0,0,0", "12,22,30,0"]
                    + ["13,23,30,40"] * 7, [f"{i}.png" for i in range(1, 12)], write_frames)
    seq_dir = _write_sequence(root, "Assian_video_Z03_done", ["5,6,7,8", "5,6,7,9"], ["00001.jpg", "00002.jpg"],
                              write_frames)
    (seq_dir / "language.txt").write_bytes(b"a \xff sign\n\n")
    (root / "not_a_sequence").mkdir()  # no groundtruth.txt
    return root


def test_sequences_frames_visibility_and_language(tnl2k_root: Path, settings_for) -> None:
    seqs = load_benchmark("tnl2k", settings_for(tnl2k_dir=tnl2k_root))
    assert [s.name for s in seqs] == ["Assian_video_Z03_done", "test_015_Sord_video_Q01_done"]
    seq = seqs[1]
    imgs = tnl2k_root / "test_015_Sord_video_Q01_done" / "imgs"
    assert seq.frames == [str(imgs / f"{i}.png") for i in range(1, 12)]
    assert seq.ground_truth_xywh.shape == (11, 4) and seq.init_box_xywh == [10, 20, 30, 40]
    np.testing.assert_array_equal(seq.target_visible, [True, True, False] + [True] * 8)
    assert seq.extra["language"] == "the man in a black coat"
    assert seq.dataset == "tnl2k" and seq.traits.tracking.hyper_key == "TNL2K"
    assert seqs[0].extra["language"] == "a \ufffd sign"  # undecodable bytes do not make it unloadable
    assert seqs[0].frames[-1] == str(tnl2k_root / "Assian_video_Z03_done" / "imgs" / "00002.jpg")


def test_malformed_box_line_names_file_and_line(tnl2k_root: Path, settings_for) -> None:
    gt = tnl2k_root / "Assian_video_Z03_done" / "groundtruth.txt"
    gt.write_text("5,6,7,8\n5,6,7\n")
    with pytest.raises(AnnotationError, match=rf"{gt}: line 2: expected 4 comma-separated numbers"):
        load_benchmark("tnl2k", settings_for(tnl2k_dir=tnl2k_root), sequences=["Assian_video_Z03_done"])


def test_frame_count_must_match_the_ground_truth(tnl2k_root: Path, settings_for) -> None:
    (tnl2k_root / "Assian_video_Z03_done" / "imgs" / "00002.jpg").unlink()
    with pytest.raises(AnnotationError, match=r"groundtruth.txt: 2 lines but 1 frames"):
        load_benchmark("tnl2k", settings_for(tnl2k_dir=tnl2k_root))


def test_missing_language_file_and_root_are_named(tnl2k_root: Path, settings_for, tmp_path: Path) -> None:
    (tnl2k_root / "Assian_video_Z03_done" / "language.txt").unlink()
    with pytest.raises(DatasetLayoutError, match="language.txt"):
        load_benchmark("tnl2k", settings_for(tnl2k_dir=tnl2k_root))
    with pytest.raises(DatasetLayoutError, match="no sequence folder with a groundtruth.txt"):
        load_benchmark("tnl2k", settings_for(tnl2k_dir=tmp_path / "TNL2K_test" / "not_a_sequence"))


def test_unknown_sequence_name(tnl2k_root: Path, settings_for) -> None:
    with pytest.raises(ValueError, match=r"TNL2K: unknown sequence name\(s\) \['nope'\]"):
        load_benchmark("tnl2k", settings_for(tnl2k_dir=tnl2k_root), sequences=["nope"])
