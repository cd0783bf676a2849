"""YouTube-VOS training layout: objects as sequences, boxes and masks from the palette annotation PNGs."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from lib.train.dataset import YoutubeVos, build_training_datasets
from lib.datasets.annotations import AnnotationError
from lib.datasets.storage import DirectorySource, IncompleteDatasetError
from lib.utils.settings import Settings

FRAMES = {"a1b2": ["00000", "00005"], "c3d4": ["00010"]}


@pytest.fixture()
def ytbvos_root(tmp_path: Path, layouts) -> Path:
    root = tmp_path / "YouTube-VOS"
    labels = {}
    # video a1b2: object 1 a rectangle moving right, object 2 a fixed block that disappears in 00005
    for k, frame in enumerate(FRAMES["a1b2"]):
        grid = np.zeros(layouts.FRAME_SHAPE, np.uint8)
        grid[2:6, 3 + k:9 + k] = 1
        if k == 0:
            grid[10:20, 20:30] = 2
        labels[("a1b2", frame)] = grid
    grid = np.zeros(layouts.FRAME_SHAPE, np.uint8)
    grid[0:24, 5:7] = 1
    labels[("c3d4", "00010")] = grid
    for s, ((video, frame), grid) in enumerate(labels.items()):
        layouts.write_palette_png(root / "train" / "Annotations" / video / f"{frame}.png", grid)
        layouts.write_frame(root / "train" / "JPEGImages" / video / f"{frame}.jpg", s, 0)
    meta = {"videos": {
        "a1b2": {"objects": {"1": {"category": "cat", "frames": FRAMES["a1b2"]},
                             "2": {"category": "box", "frames": FRAMES["a1b2"]}}},
        "c3d4": {"objects": {"1": {"category": "pole", "frames": FRAMES["c3d4"]}}}}}
    (root / "train" / "meta.json").write_text(json.dumps(meta))
    return root


def test_objects_are_sequences_with_mask_boxes(ytbvos_root, layouts):
    dataset = YoutubeVos(DirectorySource(ytbvos_root))
    assert len(dataset) == 3 and dataset.has_masks and dataset.is_video
    first = dataset.sequence_annotation(0)
    assert first.boxes_xywh.tolist() == [[3, 2, 6, 4], [4, 2, 6, 4]]
    assert first.visible.tolist() == [True, True]
    second = dataset.sequence_annotation(1)                # object 2 is absent from the second frame
    assert second.boxes_xywh.tolist() == [[20, 10, 10, 10], [0, 0, 0, 0]]
    assert second.visible.tolist() == [True, False]
    assert dataset.sequence_annotation(2).boxes_xywh.tolist() == [[5, 0, 2, 24]]
    frames, boxes = dataset.get_frames(0, [1, 0])
    layouts.assert_frame_is(frames[0], 1, 0)
    layouts.assert_frame_is(frames[1], 0, 0)
    assert boxes.tolist() == [[4, 2, 6, 4], [3, 2, 6, 4]]
    masks = dataset.get_masks(1, [0, 1])
    expected = np.zeros(layouts.FRAME_SHAPE, np.float32)
    expected[10:20, 20:30] = 1
    assert masks[0].dtype == np.float32 and np.array_equal(masks[0], expected)
    assert masks[1].sum() == 0


def test_built_by_name_from_settings(ytbvos_root):
    (dataset,) = build_training_datasets(["YTBVOS"], Settings(ytbvos_dir=str(ytbvos_root)))
    assert isinstance(dataset, YoutubeVos) and dataset.name == "YTBVOS"
    assert "train/Annotations/c3d4/00010.png" in dataset.source_files()


def test_missing_meta_frames_and_broken_json(ytbvos_root, tmp_path):
    with pytest.raises(IncompleteDatasetError, match="meta.json"):
        YoutubeVos(DirectorySource(tmp_path))
    (ytbvos_root / "train" / "JPEGImages" / "c3d4" / "00010.jpg").unlink()
    with pytest.raises(IncompleteDatasetError, match="c3d4/00010.jpg"):
        YoutubeVos(DirectorySource(ytbvos_root))
    (ytbvos_root / "train" / "meta.json").write_text('{"videos": {\n "x": {"objects": {"1": {"frames": 3}}}}}')
    with pytest.raises(AnnotationError, match=r"meta.json: video 'x': malformed"):
        YoutubeVos(DirectorySource(ytbvos_root))
    (ytbvos_root / "train" / "meta.json").write_text('{"videos": \n [')
    with pytest.raises(AnnotationError, match=r"meta.json:2: invalid JSON"):
        YoutubeVos(DirectorySource(ytbvos_root))


def test_every_listed_frame_and_mask_is_checked_at_construction(ytbvos_root):
    # later frames and annotation PNGs, not only each object's first frame
    (ytbvos_root / "train" / "JPEGImages" / "a1b2" / "00005.jpg").unlink()
    (ytbvos_root / "train" / "Annotations" / "c3d4" / "00010.png").unlink()
    with pytest.raises(IncompleteDatasetError) as error:
        YoutubeVos(DirectorySource(ytbvos_root))
    message = str(error.value)
    assert message.startswith("YTBVOS: 2 frame or annotation file(s) listed in meta.json missing")
    assert str(ytbvos_root / "train" / "JPEGImages" / "a1b2" / "00005.jpg") in message
    assert str(ytbvos_root / "train" / "Annotations" / "c3d4" / "00010.png") in message


def test_create_lmdb_copies_youtube_vos_and_training_reads_it(ytbvos_root, tmp_path, monkeypatch):
    """``ytbvos_lmdb_dir`` is a settings entry, so create_lmdb must be able to fill it (catalog row with lmdb)."""
    from tracking.create_lmdb import main as create_lmdb

    (tmp_path / "empty.yaml").write_text("")
    monkeypatch.setenv("AIATRACK_SETTINGS", str(tmp_path / "empty.yaml"))
    output = tmp_path / "ytbvos_lmdb"
    assert create_lmdb(["ytbvos", "--source", str(ytbvos_root), "--output", str(output)]) == 0
    raw = YoutubeVos(DirectorySource(ytbvos_root))
    (copy,) = build_training_datasets(["YTBVOS_lmdb"], Settings(ytbvos_lmdb_dir=str(output)))
    assert len(copy) == len(raw) == 3
    for seq_id in range(len(raw)):
        frame_ids = list(range(len(raw.sequence_annotation(seq_id))))
        raw_frames, raw_boxes = raw.get_frames(seq_id, frame_ids)
        copy_frames, copy_boxes = copy.get_frames(seq_id, frame_ids)
        assert raw_boxes.tolist() == copy_boxes.tolist()
        assert all(np.array_equal(a, b) for a, b in zip(raw_frames, copy_frames))
        for a, b in zip(raw.get_masks(seq_id, frame_ids), copy.get_masks(seq_id, frame_ids)):
            assert np.array_equal(a, b)
