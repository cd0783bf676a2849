"""lmdb copies made by tracking/create_lmdb.py give the same frames and annotations as the raw folders."""
import json

import lmdb
import numpy as np
import pytest
import torch

from lib.train.dataset import Coco, Got10k, IncompleteDatasetError, Lasot, TrackingNet
from lib.train.dataset.lmdb_store import MANIFEST_KEY, LmdbSource, convert_to_lmdb
from lib.datasets.storage import DirectorySource
from tracking.create_lmdb import main as create_lmdb


def assert_same_dataset(raw, copy):
    assert len(raw) == len(copy) and raw.sequence_names == copy.sequence_names
    for seq_id in range(len(raw)):
        a, b = raw.sequence_annotation(seq_id), copy.sequence_annotation(seq_id)
        assert torch.equal(a.boxes_xywh, b.boxes_xywh) and torch.equal(a.valid, b.valid)
        assert torch.equal(a.visible, b.visible)
        frame_ids = list(range(raw.sequence_length(seq_id)))
        raw_frames, raw_boxes = raw.get_frames(seq_id, frame_ids)
        copy_frames, copy_boxes = copy.get_frames(seq_id, frame_ids)
        assert torch.equal(raw_boxes, copy_boxes)
        assert all(np.array_equal(x, y) for x, y in zip(raw_frames, copy_frames))


def test_lasot_lmdb_is_identical(lasot_root, tmp_path):
    names = ["airplane-1", "rubicCube-7"]
    raw = Lasot(DirectorySource(lasot_root), sequence_names=names)
    convert_to_lmdb(raw.source, raw.source_files(), tmp_path / "lasot_lmdb", {"dataset": "lasot"}, progress=False)
    assert_same_dataset(raw, Lasot(LmdbSource(tmp_path / "lasot_lmdb"), sequence_names=names))


def test_got10k_lmdb_keeps_list_txt_for_every_split(got10k_root, tmp_path):
    assert create_lmdb(["got10k", "--source", str(got10k_root), "--output", str(tmp_path / "got_lmdb"),
                        "--commit-every", "3"]) == 0
    source = LmdbSource(tmp_path / "got_lmdb")
    assert source.manifest["dataset"] == "got10k" and source.manifest["sequences"] == 4
    for indices in ([0, 1, 2, 3], [3, 1]):
        assert_same_dataset(Got10k(DirectorySource(got10k_root), split="custom", indices=indices),
                            Got10k(source, split="custom", indices=indices))


def test_trackingnet_lmdb_holds_the_chosen_chunks(trackingnet_root, tmp_path):
    output = tmp_path / "trackingnet_lmdb"
    assert create_lmdb(["trackingnet", "--source", str(trackingnet_root), "--output", str(output),
                        "--chunks", "0", "2"]) == 0
    source = LmdbSource(output)
    assert source.list_dir("TRAIN_0/anno") == ["AbCdEfGhIjK_0.txt", "ZyXwVuTsRqP_3.txt"]
    assert not source.exists("TRAIN_0/zips")
    assert_same_dataset(TrackingNet(DirectorySource(trackingnet_root), chunks=[0, 2]),
                        TrackingNet(source, chunks=[0, 2]))
    with pytest.raises(IncompleteDatasetError, match="TRAIN_1/anno"):
        TrackingNet(source, chunks=[0, 1])


def test_coco_lmdb_is_identical(coco_root, tmp_path):
    assert create_lmdb(["coco", "--source", str(coco_root), "--output", str(tmp_path / "coco_lmdb")]) == 0
    assert_same_dataset(Coco(DirectorySource(coco_root)), Coco(LmdbSource(tmp_path / "coco_lmdb")))


def test_interrupted_conversion_resumes_and_only_finished_database_appears(got10k_root, tmp_path):
    source = DirectorySource(got10k_root)
    files = Got10k(source, split="all").source_files()
    output = tmp_path / "db"
    with pytest.raises(FileNotFoundError, match="no_such_file"):
        convert_to_lmdb(source, files[:7] + ["train/no_such_file"] + files[7:], output, {}, commit_every=4,
                        progress=False)
    assert not output.exists()
    with pytest.raises(FileNotFoundError, match="unfinished conversion"):
        LmdbSource(output)
    partial = tmp_path / "db.partial"
    with lmdb.open(str(partial), readonly=True, lock=False) as env:
        assert env.stat()["entries"] == 4  # the first transaction was committed, the failing one was not
    convert_to_lmdb(source, files, output, {"dataset": "got10k"}, progress=False)
    assert not partial.exists()
    with lmdb.open(str(output), readonly=True, lock=False) as env, env.begin() as txn:
        assert env.stat()["entries"] == len(files) + 1
        assert json.loads(txn.get(MANIFEST_KEY))["files"] == len(files)
        for rel in files:
            assert txn.get(rel.encode()) == (got10k_root / rel).read_bytes()
    with pytest.raises(FileExistsError):
        convert_to_lmdb(source, files, output, {}, progress=False)


def test_database_without_manifest_is_rejected(tmp_path):
    with lmdb.open(str(tmp_path / "foreign"), map_size=1 << 20) as env, env.begin(write=True) as txn:
        txn.put(b"train/list.txt", b"x\n")
    with pytest.raises(IncompleteDatasetError, match="no manifest"):
        LmdbSource(tmp_path / "foreign")
    with pytest.raises(FileNotFoundError, match="does not exist"):
        LmdbSource(tmp_path / "absent")


def test_lmdb_errors_name_the_key(got10k_root, tmp_path):
    source = DirectorySource(got10k_root)
    convert_to_lmdb(source, ["train/list.txt", "train/GOT-10k_Train_000001/00000001.jpg"], tmp_path / "db", {},
                    progress=False)
    copy = LmdbSource(tmp_path / "db")
    with pytest.raises(FileNotFoundError, match=r"db\[train/GOT-10k_Train_000001/00000002.jpg\]"):
        copy.read_image("train/GOT-10k_Train_000001/00000002.jpg")
    with pytest.raises(ValueError, match=r"db\[train/list.txt\]"):
        copy.read_image("train/list.txt")
    with pytest.raises(FileNotFoundError, match="folder not found"):
        copy.list_dir("val")


def _first_frame(dataset):
    return dataset.get_frames(0, [0])[0][0]


def test_lmdb_dataset_works_in_forked_and_unpickled_copies(coco_root, tmp_path):
    import multiprocessing
    import pickle

    raw = Coco(DirectorySource(coco_root))
    convert_to_lmdb(raw.source, raw.source_files(), tmp_path / "db", {}, progress=False)
    copy = Coco(LmdbSource(tmp_path / "db"))
    expected = _first_frame(copy)  # the parent has opened the environment before forking
    with multiprocessing.get_context("fork").Pool(1) as pool:
        assert np.array_equal(pool.apply(_first_frame, (copy,)), expected)
    assert np.array_equal(_first_frame(pickle.loads(pickle.dumps(copy))), expected)


def test_create_lmdb_reports_bad_input_without_traceback(tmp_path, trackingnet_root, capsys, monkeypatch):
    monkeypatch.delenv("AIATRACK_COCO_LMDB_DIR", raising=False)
    (tmp_path / "empty_settings.yaml").write_text("")
    monkeypatch.setenv("AIATRACK_SETTINGS", str(tmp_path / "empty_settings.yaml"))
    assert create_lmdb(["coco", "--source", str(tmp_path / "missing"), "--output", str(tmp_path / "o")]) == 2
    assert "does not exist" in capsys.readouterr().err
    assert create_lmdb(["coco", "--source", str(tmp_path)]) == 2
    assert "pass --output" in capsys.readouterr().err
    assert create_lmdb(["trackingnet", "--source", str(trackingnet_root), "--output", str(tmp_path / "t")]) == 2
    assert "TRAIN_1/anno" in capsys.readouterr().err and not (tmp_path / "t").exists()


def test_list_dir_matches_the_folder(tmp_path):
    root = tmp_path / "raw"
    for rel in ["d/a/x.txt", "d/a-b.txt", "d/a.txt", "d/b/c/y.txt", "e.txt"]:
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(rel)
    files = ["d/a/x.txt", "d/a-b.txt", "d/a.txt", "d/b/c/y.txt", "e.txt"]
    convert_to_lmdb(DirectorySource(root), files, tmp_path / "db", {}, progress=False)
    raw, copy = DirectorySource(root), LmdbSource(tmp_path / "db")
    for folder in ["d", "d/a", "d/b"]:
        assert copy.list_dir(folder) == raw.list_dir(folder)
    assert raw.list_dir("d") == ["a", "a-b.txt", "a.txt", "b"]
