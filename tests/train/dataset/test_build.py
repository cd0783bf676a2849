"""build_training_datasets: names from DATA.TRAIN.DATASETS_NAME, roots from the settings."""
import pytest

from lib.train.dataset import Coco, IncompleteDatasetError, TrackingNet, build_training_datasets
from lib.train.dataset.lmdb_store import convert_to_lmdb
from lib.datasets.storage import DirectorySource
from lib.utils.settings import Settings


def test_raw_and_lmdb_names(coco_root, trackingnet_root, tmp_path):
    raw = Coco(DirectorySource(coco_root))
    convert_to_lmdb(raw.source, raw.source_files(), tmp_path / "coco_lmdb", {"dataset": "coco"}, progress=False)
    settings = Settings(coco_dir=str(coco_root), coco_lmdb_dir=str(tmp_path / "coco_lmdb"),
                        trackingnet_dir=str(trackingnet_root))
    datasets = build_training_datasets(["COCO17", "COCO17_lmdb", "TRACKINGNET"], settings, trackingnet_chunks=[2])
    assert [d.name for d in datasets] == ["COCO17", "COCO17_lmdb", "TRACKINGNET"]
    assert [type(d) for d in datasets] == [Coco, Coco, TrackingNet]
    assert [len(d) for d in datasets] == [3, 3, 1]


def test_unknown_name_lists_known_ones():
    with pytest.raises(ValueError, match="GOT10K_vot_train_lmdb"):
        build_training_datasets(["GOT10K_val"], Settings())


def test_unset_or_missing_root_fails_before_training(tmp_path):
    with pytest.raises(FileNotFoundError, match="'lasot_lmdb_dir' is not set"):
        build_training_datasets(["LASOT_lmdb"], Settings())
    with pytest.raises(FileNotFoundError, match="does not exist"):
        build_training_datasets(["GOT10K_vot_train"], Settings(got10k_dir=str(tmp_path / "nowhere")))


def test_incomplete_root_fails_at_build_time(lasot_root, trackingnet_root):
    with pytest.raises(IncompleteDatasetError, match="training sequences have no groundtruth.txt"):
        build_training_datasets(["LASOT"], Settings(lasot_dir=str(lasot_root)))
    with pytest.raises(IncompleteDatasetError, match="TRAIN_1/anno"):
        build_training_datasets(["TRACKINGNET"], Settings(trackingnet_dir=str(trackingnet_root)))
