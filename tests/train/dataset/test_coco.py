"""COCO 2017 as one-frame sequences: non-crowd annotations, boxes from the JSON, w and h > 50."""
import shutil

import numpy as np
import pytest
import torch

from lib.train.dataset import Coco, IncompleteDatasetError
from lib.train.dataset.parsing import AnnotationError
from lib.train.dataset.storage import DirectorySource


def test_non_crowd_annotations_are_sequences(coco_root):
    dataset = Coco(DirectorySource(coco_root))
    assert not dataset.is_video and dataset.name == "COCO17"
    assert dataset.sequence_names == ["11", "12", "14"]  # 13 is a crowd
    boxes = [dataset.sequence_annotation(i).boxes_xywh.tolist() for i in range(3)]
    assert boxes == [[[1.5, 2.25, 60.0, 70.0]], [[0.0, 0.0, 40.0, 80.0]], [[3.0, 4.0, 51.0, 50.0]]]
    assert [dataset.sequence_annotation(i).valid.tolist() for i in range(3)] == [[True], [False], [False]]
    assert [dataset.sequence_annotation(i).visible.tolist() for i in range(3)] == [[True], [False], [False]]


def test_every_frame_id_is_the_image(coco_root, layouts):
    dataset = Coco(DirectorySource(coco_root))
    frames, boxes = dataset.get_frames(1, [0, 1, 1])
    assert len(frames) == 3
    for image in frames:
        layouts.assert_frame_is(image, 2, 0)  # annotation 12 lies on image 2
    assert torch.equal(boxes, torch.tensor([[0.0, 0.0, 40.0, 80.0]] * 3))
    frames[0][:] = 0
    layouts.assert_frame_is(frames[1], 2, 0)


def test_missing_image_fails_at_construction(coco_root, tmp_path):
    root = tmp_path / "COCO"
    shutil.copytree(coco_root, root)
    (root / "images" / "train2017" / "000000000002.jpg").unlink()
    with pytest.raises(IncompleteDatasetError, match="000000000002.jpg"):
        Coco(DirectorySource(root))


def test_missing_or_broken_json(coco_root, tmp_path):
    with pytest.raises(IncompleteDatasetError, match="instances_train2017.json"):
        Coco(DirectorySource(tmp_path))
    root = tmp_path / "COCO"
    shutil.copytree(coco_root, root)
    (root / "annotations" / "instances_train2017.json").write_text('{"images": [\n  1,\n')
    with pytest.raises(AnnotationError, match=r"instances_train2017.json:3: invalid JSON"):
        Coco(DirectorySource(root))


def test_masks_rasterize_the_polygons(coco_root):
    dataset = Coco(DirectorySource(coco_root), with_masks=True)
    assert dataset.has_masks and not Coco(DirectorySource(coco_root)).has_masks
    # annotation 14: the rectangle x 3..54, y 4..54 clipped to the 24 x 32 image
    first, again = dataset.get_masks(2, [0, 0])
    assert first.shape == (24, 32) and first.dtype == np.float32
    assert first[5:, 4:].all() and not first[:3].any() and not first[:, :2].any()
    assert np.array_equal(first, again)
    with pytest.raises(RuntimeError, match="without masks"):
        Coco(DirectorySource(coco_root)).get_masks(0, [0])
