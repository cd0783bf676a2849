"""LaSOT / LaSOT extension loader on a tiny dataset in the real layout."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from lib.test.evaluation import AnnotationError, DatasetLayoutError, load_benchmark


def _write_sequence(root: Path, name: str, boxes: list[str], occlusion: str, out_of_view: str, write_frames) -> None:
    seq_dir = root / name.split("-")[0] / name
    write_frames(seq_dir / "img", [f"{i:08d}.jpg" for i in range(1, len(boxes) + 1)])
    (seq_dir / "groundtruth.txt").write_text("\n".join(boxes) + "\n")
    (seq_dir / "full_occlusion.txt").write_text(occlusion)
    (seq_dir / "out_of_view.txt").write_text(out_of_view)
    (seq_dir / "nlp.txt").write_text("white airplane flying over the runway\n")


@pytest.fixture
def lasot_root(tmp_path: Path, write_frames) -> Path:
    root = tmp_path / "LaSOT"
    # Frame 3 is occluded and repeats the previous box, frame 4 is out of view with a zero box.
    _write_sequence(root, "airplane-1", ["318,204,97,61", "320,206,97,60", "320,206,97,60", "0,0,0,0",
                                         "330,210,90,58"], "0,0,1,0,0", "0,0,0,1,0", write_frames)
    _write_sequence(root, "airplane-9", ["1,2,3,4", "5,6,7,8", "9,10,11,12"], "0,0,0", "0,0,0", write_frames)
    _write_sequence(root, "atv-1", ["0,7,20,30", "2,8,20,31"], "0,0", "0,1", write_frames)  # extension class
    return root


def test_test_sequences(lasot_root: Path, settings_for) -> None:
    seqs = load_benchmark("lasot", settings_for(lasot_dir=lasot_root), sequences=["airplane-9", "airplane-1"])
    assert [s.name for s in seqs] == ["airplane-9", "airplane-1"]
    seq = seqs[1]
    img = lasot_root / "airplane" / "airplane-1" / "img"
    assert seq.frames == [str(img / "00000001.jpg"), str(img / "00000002.jpg"), str(img / "00000003.jpg"),
                          str(img / "00000004.jpg"), str(img / "00000005.jpg")]
    np.testing.assert_array_equal(seq.ground_truth_xywh, [[318, 204, 97, 61], [320, 206, 97, 60], [320, 206, 97, 60],
                                                          [0, 0, 0, 0], [330, 210, 90, 58]])
    assert seq.ground_truth_xywh.dtype == np.float64
    assert seq.target_visible.tolist() == [True, True, False, False, True]
    assert (seq.dataset, seq.object_class) == ("lasot", "airplane")
    assert seqs[0].target_visible.tolist() == [True, True, True]


def test_extension_reads_the_lasot_root_by_default(lasot_root: Path, settings_for) -> None:
    (seq,) = load_benchmark("lasot_ext", settings_for(lasot_dir=lasot_root), sequences=["atv-1"])
    assert seq.frames == [str(lasot_root / "atv" / "atv-1" / "img" / "00000001.jpg"),
                          str(lasot_root / "atv" / "atv-1" / "img" / "00000002.jpg")]
    assert (seq.dataset, seq.object_class) == ("lasot", "atv")
    assert seq.target_visible.tolist() == [True, False]


def test_extension_root_can_be_separate(tmp_path: Path, write_frames, settings_for) -> None:
    ext_root = tmp_path / "LaSOT_extension"
    _write_sequence(ext_root, "atv-2", ["1,1,5,5"], "0", "0", write_frames)
    (seq,) = load_benchmark("lasot_ext", settings_for(lasot_dir=tmp_path / "absent", lasot_ext_dir=ext_root),
                            sequences=["atv-2"])
    assert seq.frames == [str(ext_root / "atv" / "atv-2" / "img" / "00000001.jpg")]


def test_full_list_names_the_missing_sequences(lasot_root: Path, settings_for) -> None:
    with pytest.raises(DatasetLayoutError) as err:
        load_benchmark("lasot", settings_for(lasot_dir=lasot_root))
    message = str(err.value)
    assert "278 of 280" in message and "airplane-13" in message and "--sequence NAME" in message
    assert str(lasot_root / "airplane" / "airplane-13") in message


def test_unknown_sequence_name(lasot_root: Path, settings_for) -> None:
    with pytest.raises(ValueError, match="airplane-2"):
        load_benchmark("lasot", settings_for(lasot_dir=lasot_root), sequences=["airplane-2"])


def test_missing_frame_is_named(lasot_root: Path, settings_for) -> None:
    last = lasot_root / "airplane" / "airplane-1" / "img" / "00000005.jpg"
    last.unlink()
    with pytest.raises(DatasetLayoutError, match="00000005.jpg") as err:
        load_benchmark("lasot", settings_for(lasot_dir=lasot_root), sequences=["airplane-1"])
    assert str(last) in str(err.value) and "img/00000001.jpg" in str(err.value)


def test_malformed_box_line(lasot_root: Path, settings_for) -> None:
    gt = lasot_root / "airplane" / "airplane-9" / "groundtruth.txt"
    gt.write_text("1,2,3,4\n5,6,7\n9,10,11,12\n")
    with pytest.raises(AnnotationError) as err:
        load_benchmark("lasot", settings_for(lasot_dir=lasot_root), sequences=["airplane-9"])
    assert f"{gt}: line 2:" in str(err.value) and "'5,6,7'" in str(err.value)


def test_flag_count_must_match(lasot_root: Path, settings_for) -> None:
    flags = lasot_root / "airplane" / "airplane-9" / "out_of_view.txt"
    flags.write_text("0,0")
    with pytest.raises(AnnotationError, match="2 flags") as err:
        load_benchmark("lasot", settings_for(lasot_dir=lasot_root), sequences=["airplane-9"])
    assert str(flags) in str(err.value)


def test_flags_must_be_one_line_of_zeros_and_ones(lasot_root: Path, settings_for) -> None:
    flags = lasot_root / "airplane" / "airplane-9" / "full_occlusion.txt"
    flags.write_text("0,2,0")
    with pytest.raises(AnnotationError, match="line 1, value 2"):
        load_benchmark("lasot", settings_for(lasot_dir=lasot_root), sequences=["airplane-9"])
