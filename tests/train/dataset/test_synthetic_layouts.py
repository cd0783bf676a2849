"""The loaders read the team's synthetic GOT-10k and LaSOT writers (lib/utils/synthetic.py)."""
import numpy as np

from lib.train.dataset import Got10k, Lasot
from lib.datasets.storage import DirectorySource
from lib.utils.synthetic import render_videos, write_got10k, write_lasot


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
