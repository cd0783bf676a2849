"""GOT-10k test/val loader on a tiny dataset in the real layout."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from lib.test.evaluation import AnnotationError, DatasetLayoutError, load_benchmark
from lib.utils.synthetic import render_videos, write_got10k

META_INFO = """[METAINFO]
url: https://www.youtube.com/watch?v=abc
begin: 00:00:00
end: 00:00:12
anno_fps: 10Hz
object_class: blob
motion_class: drifting
major_class: shape
root_class: object
motion_adverb: slowly
resolution: (1280, 720)
"""


@pytest.fixture
def got_root(tmp_path: Path, write_frames) -> Path:
    root = tmp_path / "GOT10k"
    (root / "test").mkdir(parents=True)
    (root / "test" / "list.txt").write_text("GOT-10k_Test_000002\nGOT-10k_Test_000001\n")
    for name, count in (("GOT-10k_Test_000001", 4), ("GOT-10k_Test_000002", 3)):
        write_frames(root / "test" / name, [f"{i:08d}.jpg" for i in range(count, 0, -1)])
    (root / "test" / "GOT-10k_Test_000001" / "groundtruth.txt").write_text("816.4176,445.2819,292.6381,194.1479\n")
    (root / "test" / "GOT-10k_Test_000002" / "groundtruth.txt").write_text("1.5,2.25,30.0,40.125")
    val = root / "val" / "GOT-10k_Val_000001"
    write_frames(val, [f"{i:08d}.jpg" for i in range(1, 5)])
    (root / "val" / "list.txt").write_text("GOT-10k_Val_000001\n")
    (val / "groundtruth.txt").write_text("10.0000,20.0000,30.0000,40.0000\n11.0000,21.0000,30.0000,40.0000\n"
                                         "12.0000,22.0000,30.0000,40.0000\n13.5000,23.0000,30.0000,40.0000\n")
    (val / "absence.label").write_text("0\n0\n1\n0\n")
    (val / "cover.label").write_text("8\n3\n0\n0\n")
    (val / "cut_by_image.label").write_text("0\n0\n0\n1\n")
    (val / "meta_info.ini").write_text(META_INFO)
    return root


def test_test_split_has_first_frame_box_only(got_root: Path, settings_for) -> None:
    seqs = load_benchmark("got10k_test", settings_for(got10k_dir=got_root))
    assert [s.name for s in seqs] == ["GOT-10k_Test_000002", "GOT-10k_Test_000001"]  # list.txt order
    seq = seqs[1]
    folder = got_root / "test" / "GOT-10k_Test_000001"
    assert seq.frames == [str(folder / "00000001.jpg"), str(folder / "00000002.jpg"), str(folder / "00000003.jpg"),
                          str(folder / "00000004.jpg")]
    assert seq.ground_truth_xywh.shape == (1, 4)
    np.testing.assert_array_equal(seq.ground_truth_xywh, [[816.4176, 445.2819, 292.6381, 194.1479]])
    assert seqs[0].init_box_xywh == [1.5, 2.25, 30.0, 40.125]  # one line without trailing newline
    assert (seq.dataset, seq.target_visible) == ("got10k", None)


def test_val_split_reads_labels_and_meta_info(got_root: Path, settings_for) -> None:
    (seq,) = load_benchmark("got10k_val", settings_for(got10k_dir=got_root))
    np.testing.assert_array_equal(seq.ground_truth_xywh, [[10, 20, 30, 40], [11, 21, 30, 40], [12, 22, 30, 40],
                                                          [13.5, 23, 30, 40]])
    # visible = not absent and cover > 0
    assert seq.target_visible.tolist() == [True, True, False, False]
    assert seq.extra["cover"].tolist() == [8, 3, 0, 0]
    assert seq.extra["resolution"] == (1280, 720)
    assert (seq.dataset, seq.object_class) == ("got10k", "blob")


def test_subset_and_unknown_split(got_root: Path, settings_for) -> None:
    (seq,) = load_benchmark("got10k_test", settings_for(got10k_dir=got_root), sequences=["GOT-10k_Test_000001"])
    assert len(seq) == 4
    with pytest.raises(ValueError, match="no split 'val'"):
        load_benchmark("got10k_test", settings_for(got10k_dir=got_root), split="val")


def test_gap_in_frame_numbers_names_the_missing_frame(got_root: Path, settings_for) -> None:
    missing = got_root / "test" / "GOT-10k_Test_000001" / "00000003.jpg"
    missing.unlink()
    with pytest.raises(DatasetLayoutError, match="frame not found") as err:
        load_benchmark("got10k_test", settings_for(got10k_dir=got_root))
    assert str(missing) in str(err.value)


def test_missing_list_and_sequence_folder(got_root: Path, settings_for) -> None:
    (got_root / "val" / "list.txt").write_text("GOT-10k_Val_000001\nGOT-10k_Val_000002\n")
    with pytest.raises(DatasetLayoutError, match="1 of 2") as err:
        load_benchmark("got10k_val", settings_for(got10k_dir=got_root))
    assert str(got_root / "val" / "GOT-10k_Val_000002") in str(err.value)
    (got_root / "test" / "list.txt").unlink()
    with pytest.raises(DatasetLayoutError, match="sequence list not found") as err:
        load_benchmark("got10k_test", settings_for(got10k_dir=got_root))
    assert str(got_root / "test" / "list.txt") in str(err.value) and "list.txt (one sequence name" in str(err.value)


def test_label_errors_name_file_and_line(got_root: Path, settings_for) -> None:
    cover = got_root / "val" / "GOT-10k_Val_000001" / "cover.label"
    cover.write_text("8\n9\n0\n0\n")
    with pytest.raises(AnnotationError) as err:
        load_benchmark("got10k_val", settings_for(got10k_dir=got_root))
    assert f"{cover}: line 2: expected one integer in 0..8, got '9'" in str(err.value)
    cover.write_text("8\n3\n0\n")
    with pytest.raises(AnnotationError, match="3 lines for 4 frames"):
        load_benchmark("got10k_val", settings_for(got10k_dir=got_root))


def test_val_ground_truth_must_cover_every_frame(got_root: Path, settings_for) -> None:
    gt = got_root / "val" / "GOT-10k_Val_000001" / "groundtruth.txt"
    gt.write_text("10,20,30,40\n11,21,30,40\n")
    with pytest.raises(AnnotationError, match="2 lines for 4 frames") as err:
        load_benchmark("got10k_val", settings_for(got10k_dir=got_root))
    assert str(gt) in str(err.value)


def test_malformed_resolution_names_the_line(got_root: Path, settings_for) -> None:
    meta = got_root / "val" / "GOT-10k_Val_000001" / "meta_info.ini"
    meta.write_text(META_INFO.replace("(1280, 720)", "1280x720"))
    with pytest.raises(AnnotationError, match="line 11: resolution"):
        load_benchmark("got10k_val", settings_for(got10k_dir=got_root))


def test_reads_what_the_synthetic_writer_produces(tmp_path: Path, settings_for) -> None:
    """Cross-check with an independent producer of the layout (lib/utils/synthetic.py)."""
    videos = list(render_videos(seed=3, count=2, num_frames=12, height=64, width=80, min_size=8, max_size=30))
    write_got10k(tmp_path, videos, split="val")
    write_got10k(tmp_path, videos[:1], split="test")
    val = load_benchmark("got10k_val", settings_for(got10k_dir=tmp_path))
    assert [s.name for s in val] == ["GOT-10k_Val_000001", "GOT-10k_Val_000002"]
    for seq, video in zip(val, videos):
        assert len(seq) == len(video) == 12
        np.testing.assert_allclose(seq.ground_truth_xywh, video.boxes_xywh, atol=1e-4)
        np.testing.assert_array_equal(seq.target_visible, video.cover > 0)
        np.testing.assert_array_equal(seq.extra["cover"], video.cover)
        assert seq.extra["resolution"] == (80, 64) and seq.object_class == video.object_class
    (test,) = load_benchmark("got10k_test", settings_for(got10k_dir=tmp_path))
    assert len(test) == 12 and test.ground_truth_xywh.shape == (1, 4)
    np.testing.assert_allclose(test.ground_truth_xywh[0], videos[0].boxes_xywh[0], atol=1e-4)
