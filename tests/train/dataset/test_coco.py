"""COCO 2017 as one-frame sequences: non-crowd annotations, boxes from the JSON, w and h > 50."""
import json
import shutil

import numpy as np
import pytest
import torch

from lib.train.dataset import Coco, IncompleteDatasetError
from lib.datasets.annotations import AnnotationError
from lib.datasets.storage import DirectorySource


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


def _edited_copy(coco_root, tmp_path, changes: dict[int, dict]):
    """A copy of the COCO root whose annotations ``id`` are updated with ``changes[id]``."""
    root = tmp_path / "COCO"
    shutil.copytree(coco_root, root)
    path = root / "annotations" / "instances_train2017.json"
    instances = json.loads(path.read_text())
    for ann in instances["annotations"]:
        ann.update(changes.get(ann["id"], {}))
    path.write_text(json.dumps(instances))
    return root


def test_segmentations_without_a_polygon_of_three_points_give_no_mask(coco_root, tmp_path):
    rectangle = [3.0, 4.0, 54.0, 4.0, 54.0, 54.0, 3.0, 54.0]  # annotation 14's own polygon
    root = _edited_copy(coco_root, tmp_path, {
        11: {"segmentation": []},                                   # empty
        12: {"segmentation": [[0.0, 0.0, 40.0, 80.0]]},              # two points (pycocotools: "a box")
        14: {"segmentation": [[3.0, 4.0, 20.0, 30.0], rectangle]},  # a two-point part and a real polygon
    })
    dataset = Coco(DirectorySource(root), with_masks=True)
    assert dataset.get_masks(0, [0, 0]) == [None, None]
    assert dataset.get_masks(1, [0]) == [None]
    (mask,) = dataset.get_masks(2, [0])
    (expected,) = Coco(DirectorySource(coco_root), with_masks=True).get_masks(2, [0])
    assert np.array_equal(mask, expected)  # the two-point part adds nothing


def test_rle_segmentations_are_rasterized(coco_root, tmp_path):
    # uncompressed RLE: column-major runs over the 24 x 32 image; column 2 rows 5..14, then nothing
    counts = [2 * 24 + 5, 10, 24 * 32 - 2 * 24 - 15]
    root = _edited_copy(coco_root, tmp_path, {11: {"segmentation": {"counts": counts, "size": [24, 32]}},
                                              14: {"segmentation": {"counts": [24 * 32], "size": [24, 32]}}})
    dataset = Coco(DirectorySource(root), with_masks=True)
    expected = np.zeros((24, 32), np.float32)
    expected[5:15, 2] = 1
    (mask,) = dataset.get_masks(0, [0])
    assert np.array_equal(mask, expected)
    assert dataset.get_masks(2, [0]) == [None]  # an RLE without a foreground pixel


@pytest.mark.parametrize("segmentation", ["polygon", [1.0, 2.0, 3.0, 4.0, 5.0, 6.0], {"counts": [4]}])
def test_malformed_segmentation_is_refused_at_construction(coco_root, tmp_path, segmentation):
    root = _edited_copy(coco_root, tmp_path, {12: {"segmentation": segmentation}})
    Coco(DirectorySource(root))  # boxes only: the segmentation is not read
    with pytest.raises(AnnotationError, match=r"instances_train2017.json: annotation 12: segmentation must be"):
        Coco(DirectorySource(root), with_masks=True)


def test_no_box_of_positive_area_is_refused(coco_root, tmp_path):
    root = _edited_copy(coco_root, tmp_path, {11: {"bbox": [1.0, 2.0, 0.0, 70.0]}, 12: {"bbox": [0.0, 0.0, 40.0, 0.0]},
                                              14: {"bbox": [3.0, 4.0, 0.0, 0.0]}})
    with pytest.raises(AnnotationError, match=r"instances_train2017.json: none of the 3 non-crowd annotations"):
        Coco(DirectorySource(root))
