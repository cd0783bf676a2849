"""GOT-10k training loader: split files index into the real train/list.txt."""
import shutil

import numpy as np
import pytest

from lib.lists import read_packaged_list
from lib.train.dataset import Got10k, IncompleteDatasetError
from lib.train.dataset.got10k import split_indices
from lib.datasets.storage import DirectorySource


def test_split_indices_select_lines_of_list_txt(got10k_root, layouts):
    # list.txt: 000003, 000001, 000004, 000002 -> indices [2, 0] are 000004 then 000003
    dataset = Got10k(DirectorySource(got10k_root), split="custom", indices=[2, 0])
    assert dataset.sequence_names == ["GOT-10k_Train_000004", "GOT-10k_Train_000003"]
    frames, boxes = dataset.get_frames(0, [3, 1])
    layouts.assert_frame_is(frames[0], 4, 3)
    layouts.assert_frame_is(frames[1], 4, 1)
    assert boxes.tolist() == [[13, 14, 15, 16], [5, 6, 7, 8]]


def test_all_split_is_list_order(got10k_root):
    dataset = Got10k(DirectorySource(got10k_root), split="all")
    assert dataset.sequence_names == ["GOT-10k_Train_000003", "GOT-10k_Train_000001",
                                      "GOT-10k_Train_000004", "GOT-10k_Train_000002"]


def test_visibility_uses_absence_and_cover(got10k_root):
    dataset = Got10k(DirectorySource(got10k_root), split="all")
    ann = dataset.sequence_annotation(2)  # 000004: absence 0,0,1,0; cover 8,0,8,3
    assert ann.valid.tolist() == [True, True, True, True]
    assert ann.visible.tolist() == [True, False, False, True]
    ann = dataset.sequence_annotation(0)  # absence 0,1,0; cover 8,8,5; third box has w = 0
    assert ann.valid.tolist() == [True, True, False]
    assert ann.visible.tolist() == [True, False, False]
    assert np.allclose(ann.boxes_xywh[0].numpy(), [816.4176, 445.2819, 292.6381, 194.1479])


def test_packaged_splits():
    full, vot = split_indices("train_full"), split_indices("vot_train")
    assert sorted(full) == list(range(9335))
    assert len(vot) == 7086 == len(set(vot)) and set(vot) <= set(full)
    assert len(read_packaged_list("got10k_vot_exclude.txt")) == 1000


def test_split_beyond_list_fails_at_construction(got10k_root):
    with pytest.raises(IncompleteDatasetError, match=r"indices up to 9334 .* lists only 4 sequences"):
        Got10k(DirectorySource(got10k_root), split="train_full")


def test_root_must_hold_train_list(got10k_root):
    with pytest.raises(IncompleteDatasetError, match="train/list.txt"):
        Got10k(DirectorySource(got10k_root / "train"), split="all")


def test_missing_sequence_folder_fails_at_construction(got10k_root, tmp_path):
    root = tmp_path / "GOT10k"
    shutil.copytree(got10k_root, root)
    shutil.rmtree(root / "train" / "GOT-10k_Train_000001")
    with pytest.raises(IncompleteDatasetError, match="1 of 4 sequences .*GOT-10k_Train_000001/groundtruth.txt"):
        Got10k(DirectorySource(root), split="all")


def test_label_count_mismatch_names_the_file(got10k_root, tmp_path):
    root = tmp_path / "GOT10k"
    shutil.copytree(got10k_root, root)
    (root / "train" / "GOT-10k_Train_000002" / "cover.label").write_text("8\n8\n")
    with pytest.raises(ValueError, match="GOT-10k_Train_000002/cover.label: 2 labels but 3 boxes"):
        Got10k(DirectorySource(root), split="all")


def test_missing_frame_error_names_the_file(got10k_root, tmp_path):
    root = tmp_path / "GOT10k"
    shutil.copytree(got10k_root, root)
    missing = root / "train" / "GOT-10k_Train_000004" / "00000002.jpg"
    dataset = Got10k(DirectorySource(root), split="all")
    missing.unlink()  # a middle frame deleted after start-up: reported by name when read
    with pytest.raises(FileNotFoundError, match=str(missing)):
        dataset.get_frames(2, [1])


def test_missing_middle_frame_is_found_when_the_dataset_is_built(got10k_root, tmp_path):
    root = tmp_path / "GOT10k"
    shutil.copytree(got10k_root, root)
    missing = root / "train" / "GOT-10k_Train_000004" / "00000002.jpg"
    missing.unlink()
    with pytest.raises(IncompleteDatasetError, match=rf"1 frame file\(s\) missing .*\n  {missing}\n"):
        Got10k(DirectorySource(root), split="all")
