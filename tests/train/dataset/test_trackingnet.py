"""TrackingNet training loader: chunk selection, numeric frame names, human-annotated frames only."""
import shutil

import pytest

from lib.train.dataset import IncompleteDatasetError, TrackingNet
from lib.datasets.storage import DirectorySource


def test_chunks_select_sequences(trackingnet_root):
    assert TrackingNet(DirectorySource(trackingnet_root), chunks=[0, 2]).sequence_names == \
        ["AbCdEfGhIjK_0", "ZyXwVuTsRqP_3", "MnOpQrStUvW_1"]
    assert TrackingNet(DirectorySource(trackingnet_root), chunks=[2]).sequence_names == ["MnOpQrStUvW_1"]


def test_only_human_annotated_frames_are_visible(trackingnet_root):
    dataset = TrackingNet(DirectorySource(trackingnet_root), chunks=[0, 2])
    ann = dataset.sequence_annotation(0)  # 65 frames, frame 30 has zero width
    assert len(ann) == 65
    assert [i for i, v in enumerate(ann.valid.tolist()) if not v] == [30]
    assert [i for i, v in enumerate(ann.visible.tolist()) if v] == [0, 60, 64]
    assert [i for i, v in enumerate(dataset.sequence_annotation(1).visible.tolist()) if v] == [0, 2]
    assert [i for i, v in enumerate(dataset.sequence_annotation(2).visible.tolist()) if v] == [0, 30]


def test_frames_use_unpadded_numeric_names(trackingnet_root, layouts):
    dataset = TrackingNet(DirectorySource(trackingnet_root), chunks=[0, 2])
    frames, boxes = dataset.get_frames(0, [10, 2, 60])
    for image, frame in zip(frames, [10, 2, 60]):
        layouts.assert_frame_is(image, layouts.trackingnet_seed(0, 0), frame)
    assert boxes.tolist() == [[12.5, 2.0, 20.5, 10.75], [2.5, 2.0, 20.5, 10.75], [75.0, 2.0, 20.5, 10.75]]


def test_missing_chunk_fails_at_construction(trackingnet_root):
    with pytest.raises(IncompleteDatasetError, match="TRAIN_1/anno"):
        TrackingNet(DirectorySource(trackingnet_root))
    with pytest.raises(ValueError, match="0..11"):
        TrackingNet(DirectorySource(trackingnet_root), chunks=[12])


def test_frames_not_extracted_fails_at_construction(trackingnet_root, tmp_path):
    root = tmp_path / "TrackingNet"
    shutil.copytree(trackingnet_root, root)
    shutil.rmtree(root / "TRAIN_2" / "frames" / "MnOpQrStUvW_1")
    with pytest.raises(IncompleteDatasetError, match=r"(?s)MnOpQrStUvW_1/0.jpg.*must be extracted"):
        TrackingNet(DirectorySource(root), chunks=[0, 2])
