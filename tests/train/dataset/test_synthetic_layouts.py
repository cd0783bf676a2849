"""The loaders read the team's synthetic GOT-10k and LaSOT writers (lib/utils/synthetic.py)."""
import numpy as np

from lib.train.dataset import Got10k, Lasot, build_training_datasets
from lib.datasets.storage import DirectorySource
from lib.utils.settings import Settings
from lib.utils.synthetic import render_videos, write_got10k, write_lasot, write_vasttrack
from tracking.create_lmdb import main as create_lmdb


def small_videos():
    return list(render_videos(seed=5, count=3, num_frames=6, height=64, width=80, min_size=10, max_size=30))


def test_synthetic_got10k(tmp_path):
    videos = small_videos()
    write_got10k(tmp_path, videos)
    dataset = Got10k(DirectorySource(tmp_path), split="all")
    assert len(dataset) == 3
    for seq_id, video in enumerate(videos):
        ann = dataset.sequence_annotation(seq_id)
        assert np.allclose(ann.boxes_xywh.numpy(), video.boxes_xywh, atol=1e-4)
        assert ann.visible.tolist() == (video.cover > 0).tolist()  # boxes are never empty
        frames, _ = dataset.get_frames(seq_id, [0, 5])
        for image, t in zip(frames, [0, 5]):
            error = np.abs(image.astype(int) - video.frames[t]).mean()  # JPEG round trip of clutter
            assert error < 10 and error < np.abs(image[:, :, ::-1].astype(int) - video.frames[t]).mean()


def test_synthetic_lasot(tmp_path):
    videos = small_videos()
    names = write_lasot(tmp_path, videos)
    dataset = Lasot(DirectorySource(tmp_path), sequence_names=names)
    for seq_id, video in enumerate(videos):
        ann = dataset.sequence_annotation(seq_id)
        assert np.array_equal(ann.boxes_xywh.numpy(), video.boxes_xywh.astype(np.float32))
        assert ann.visible.tolist() == (~video.absent).tolist()


def test_synthetic_vasttrack_raw_and_lmdb(tmp_path):
    videos = small_videos()
    names = write_vasttrack(tmp_path / "VastTrack_train", videos)
    # An absent frame (0,0,0,0) in the lower-case ground-truth spelling some sequences use.
    seq_dir = next((tmp_path / "VastTrack_train").glob(f"*/{names[1]}"))
    boxes = videos[1].boxes_xywh.astype(np.float32).copy()
    boxes[2] = 0
    (seq_dir / "Groundtruth.txt").unlink()
    (seq_dir / "groundtruth.txt").write_text("".join(",".join(f"{v:g}" for v in box) + "\n" for box in boxes))
    (tmp_path / "VastTrack_train" / "readme.txt").write_text("beside the class folders\n")
    settings = Settings(vasttrack_train_dir=str(tmp_path / "VastTrack_train"),
                        vasttrack_train_lmdb_dir=str(tmp_path / "lmdb"))
    raw, = build_training_datasets(["VASTTRACK"], settings)
    assert raw.sequence_names == sorted(names)
    expected_visible = {name: [True] * len(video) for name, video in zip(names, videos)}
    expected_visible[names[1]][2] = False
    for seq_id, name in enumerate(raw.sequence_names):
        video = videos[names.index(name)]
        ann = raw.sequence_annotation(seq_id)
        expected = boxes if name == names[1] else video.boxes_xywh.astype(np.float32)
        assert np.array_equal(ann.boxes_xywh.numpy(), expected)
        assert ann.visible.tolist() == expected_visible[name]
        frames, _ = raw.get_frames(seq_id, [0, 5])
        assert np.abs(frames[1].astype(int) - video.frames[5]).mean() < 10
    assert create_lmdb(["vasttrack_train", "--source", str(tmp_path / "VastTrack_train"),
                        "--output", str(tmp_path / "lmdb")]) == 0
    copy, = build_training_datasets(["VASTTRACK_lmdb"], settings)
    assert copy.sequence_names == raw.sequence_names
    np.testing.assert_array_equal(copy.sequence_annotation(1).visible, raw.sequence_annotation(1).visible)
