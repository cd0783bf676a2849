"""LaSOT training loader on a tiny dataset in the real layout."""
import shutil

import numpy as np
import pytest
import torch

from lib.lists import read_packaged_list
from lib.train.dataset import IncompleteDatasetError, Lasot
from lib.datasets.annotations import AnnotationError
from lib.datasets.storage import DirectorySource

NAMES = ["airplane-1", "rubicCube-7"]


def test_boxes_and_flags_follow_the_flag_files(lasot_root):
    dataset = Lasot(DirectorySource(lasot_root), sequence_names=NAMES)
    assert len(dataset) == 2 and dataset.is_video and dataset.name == "LASOT"
    ann = dataset.sequence_annotation(1)
    assert torch.equal(ann.boxes_xywh, torch.tensor([[10, 20, 30, 40], [0, 0, 0, 0], [5, 6, 7, 8], [1, 2, 0, 5]],
                                                    dtype=torch.float32))
    # frame 1: zero box and occluded; frame 2: out of view; frame 3: zero width
    assert ann.valid.tolist() == [True, False, True, False]
    assert ann.visible.tolist() == [True, False, False, False]
    assert dataset.sequence_annotation(0).visible.tolist() == [True, True, True]


def test_frames_are_the_one_based_files(lasot_root, layouts):
    dataset = Lasot(DirectorySource(lasot_root), sequence_names=NAMES)
    frames, boxes = dataset.get_frames(1, [2, 0, 2])
    for image, frame in zip(frames, [2, 0, 2]):
        layouts.assert_frame_is(image, 1, frame)
    assert boxes.tolist() == [[5, 6, 7, 8], [10, 20, 30, 40], [5, 6, 7, 8]]
    frames[0][:] = 0  # repeated frames are independent arrays
    layouts.assert_frame_is(frames[2], 1, 2)
    with pytest.raises(IndexError, match="rubicCube-7"):
        dataset.get_frames(1, [4])


def test_default_sequences_are_the_1120_training_names(tmp_path):
    names = read_packaged_list("lasot_train_1120.txt")
    assert len(names) == 1120 and not set(names) & set(read_packaged_list("lasot_test_280.txt"))
    with pytest.raises(IncompleteDatasetError, match="1120 of 1120 training sequences"):
        Lasot(DirectorySource(tmp_path))


def test_missing_last_frame_fails_at_construction(lasot_root, tmp_path):
    root = tmp_path / "LaSOT"
    shutil.copytree(lasot_root, root)
    (root / "rubicCube" / "rubicCube-7" / "img" / "00000004.jpg").unlink()
    with pytest.raises(IncompleteDatasetError, match="00000004.jpg"):
        Lasot(DirectorySource(root), sequence_names=NAMES)


def test_flag_count_mismatch_names_the_file(lasot_root, tmp_path):
    root = tmp_path / "LaSOT"
    shutil.copytree(lasot_root, root)
    (root / "airplane" / "airplane-1" / "out_of_view.txt").write_text("0,0")
    with pytest.raises(AnnotationError, match=r"airplane-1/out_of_view.txt: 2 flags but 3 boxes"):
        Lasot(DirectorySource(root), sequence_names=NAMES)


def test_malformed_box_line_names_file_and_line(lasot_root, tmp_path):
    root = tmp_path / "LaSOT"
    shutil.copytree(lasot_root, root)
    (root / "airplane" / "airplane-1" / "groundtruth.txt").write_text("1,2,3,4\n1,2,3\n1,2,3,4\n")
    with pytest.raises(AnnotationError, match=r"groundtruth.txt:2: expected 4"):
        Lasot(DirectorySource(root), sequence_names=NAMES)


def test_corrupt_frame_error_names_the_file(lasot_root, tmp_path):
    root = tmp_path / "LaSOT"
    shutil.copytree(lasot_root, root)
    bad = root / "airplane" / "airplane-1" / "img" / "00000002.jpg"
    bad.write_bytes(b"\xff\xd8 definitely not a jpeg")
    dataset = Lasot(DirectorySource(root), sequence_names=NAMES)
    with pytest.raises(ValueError, match=str(bad)):
        dataset.get_frames(0, [1])


def test_packed_annotations_match_each_file(lasot_root):
    dataset = Lasot(DirectorySource(lasot_root), sequence_names=NAMES)
    gt = np.loadtxt(lasot_root / "airplane" / "airplane-1" / "groundtruth.txt", delimiter=",", dtype=np.float32)
    assert np.array_equal(dataset.sequence_annotation(0).boxes_xywh.numpy(), gt)
    assert dataset.sequence_length(0) == 3 and dataset.sequence_length(1) == 4
