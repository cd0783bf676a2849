"""Synthetic videos: determinism, box validity, and the GOT-10k / LaSOT layouts on disk."""
from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest

from lib.utils.synthetic import render_video, render_videos, write_got10k, write_lasot

FRAMES = 24


def _tree_bytes(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def test_same_seed_same_video_and_different_seed_differs():
    a, b = render_video(3, 1, num_frames=FRAMES), render_video(3, 1, num_frames=FRAMES)
    assert np.array_equal(a.frames, b.frames) and np.array_equal(a.boxes_xywh, b.boxes_xywh)
    assert np.array_equal(a.cover, b.cover)
    c = render_video(4, 1, num_frames=FRAMES)
    assert not np.array_equal(a.boxes_xywh, c.boxes_xywh)


def test_boxes_inside_frame_sizes_in_range_and_motion_smooth():
    for video in render_videos(11, 8, num_frames=FRAMES):
        x, y, w, h = video.boxes_xywh.T
        height, width = video.frames.shape[1:3]
        assert (x >= 0).all() and (y >= 0).all() and (x + w <= width).all() and (y + h <= height).all()
        assert (w >= 30).all() and (h >= 30).all() and (w <= 150).all() and (h <= 150).all()
        assert np.array_equal(video.boxes_xywh, np.round(video.boxes_xywh))
        centres = video.boxes_xywh[:, :2] + video.boxes_xywh[:, 2:] / 2
        # at most 4% of the 400 px diagonal per frame, plus rounding
        assert np.abs(np.diff(centres, axis=0)).max() <= 0.04 * 400 + 1.5


def test_target_drawn_on_its_box():
    video = render_video(5, 0, num_frames=4)
    x, y, w, h = (int(v) for v in video.boxes_xywh[0])
    patch = video.frames[0, y:y + h, x:x + w]
    # dark 5-px border (at 64 px texture scale) around a saturated checkerboard
    assert patch[0].max() <= 40 and patch[:, 0].max() <= 40
    hsv = cv2.cvtColor(np.ascontiguousarray(patch[h // 4:3 * h // 4, w // 4:3 * w // 4]), cv2.COLOR_RGB2HSV)
    assert np.median(hsv[..., 1]) >= 150
    assert video.frames[0].max() > 0


def test_occluded_frames_have_low_cover_and_exist_in_some_videos():
    covers = [video.cover for video in render_videos(2, 8, num_frames=40)]
    assert any((c == 0).any() for c in covers)
    for c in covers:
        assert ((c >= 0) & (c <= 8)).all()


def test_got10k_layout(tmp_path: Path):
    videos = list(render_videos(1, 3, num_frames=FRAMES))
    names = write_got10k(tmp_path, videos, "train")
    write_got10k(tmp_path, videos[:2], "test")
    split = tmp_path / "train"
    assert split.joinpath("list.txt").read_text().split() == names == [
        "GOT-10k_Train_000001", "GOT-10k_Train_000002", "GOT-10k_Train_000003"]
    for name, video in zip(names, videos):
        seq = split / name
        assert sorted(p.name for p in seq.glob("*.jpg")) == [f"{i:08d}.jpg" for i in range(1, FRAMES + 1)]
        gt = np.loadtxt(seq / "groundtruth.txt", delimiter=",")
        assert gt.shape == (FRAMES, 4) and np.allclose(gt, video.boxes_xywh)
        first_line = (seq / "groundtruth.txt").read_text().splitlines()[0]
        assert all(len(v.split(".")[1]) == 4 for v in first_line.split(","))
        absence = np.loadtxt(seq / "absence.label", dtype=int)
        cover = np.loadtxt(seq / "cover.label", dtype=int)
        cut = np.loadtxt(seq / "cut_by_image.label", dtype=int)
        assert absence.shape == cover.shape == cut.shape == (FRAMES,)
        assert np.array_equal(absence == 1, cover == 0)
        meta = (seq / "meta_info.ini").read_text().splitlines()
        assert meta[0] == "[METAINFO]"
        assert [line.split(": ")[0] for line in meta[1:]] == [
            "url", "begin", "end", "anno_fps", "object_class", "motion_class", "major_class", "root_class",
            "motion_adverb", "resolution"]
        assert meta[5] == f"object_class: {video.object_class}" and meta[10] == "resolution: (320, 240)"
        image = cv2.imread(str(seq / "00000001.jpg"))
        assert image.shape == (240, 320, 3)
        # JPEG of the RGB frame stored as BGR on disk: colours match after conversion, up to compression
        assert np.abs(image[..., ::-1].astype(int) - video.frames[0].astype(int)).mean() < 8
    test_gt = (tmp_path / "test" / "GOT-10k_Test_000001" / "groundtruth.txt").read_text().splitlines()
    assert len(test_gt) == 1
    assert np.allclose(np.array(test_gt[0].split(","), float), videos[0].boxes_xywh[0])
    assert not (tmp_path / "test" / "GOT-10k_Test_000001" / "absence.label").exists()


def test_lasot_layout(tmp_path: Path):
    videos = list(render_videos(9, 5, num_frames=FRAMES))
    names = write_lasot(tmp_path, videos)
    assert len(set(names)) == 5
    for name, video in zip(names, videos):
        cls, k = name.split("-")
        assert cls == video.object_class and int(k) >= 1
        seq = tmp_path / cls / name
        assert sorted(p.name for p in (seq / "img").glob("*.jpg")) == [f"{i:08d}.jpg" for i in range(1, FRAMES + 1)]
        lines = (seq / "groundtruth.txt").read_text().splitlines()
        assert len(lines) == FRAMES and all(v.isdigit() for v in lines[0].split(","))
        assert np.array_equal(np.loadtxt(seq / "groundtruth.txt", delimiter=","), video.boxes_xywh)
        for flags_file in ("full_occlusion.txt", "out_of_view.txt"):
            rows = (seq / flags_file).read_text().splitlines()
            assert len(rows) == 1 and len(rows[0].split(",")) == FRAMES
        occlusion = np.array((seq / "full_occlusion.txt").read_text().strip().split(","), int)
        assert np.array_equal(occlusion == 1, video.cover == 0)
        assert (seq / "nlp.txt").read_text().strip()


def test_writers_deterministic(tmp_path: Path):
    for out in ("a", "b"):
        write_got10k(tmp_path / out / "got", render_videos(6, 2, num_frames=12), "train")
        write_lasot(tmp_path / out / "lasot", render_videos(6, 2, num_frames=12))
    first, second = _tree_bytes(tmp_path / "a"), _tree_bytes(tmp_path / "b")
    assert first.keys() == second.keys() and len(first) > 50
    assert first == second


def test_bad_arguments_rejected(tmp_path: Path):
    with pytest.raises(ValueError, match="cannot render"):
        render_video(0, num_frames=0)
    with pytest.raises(ValueError, match="split"):
        write_got10k(tmp_path, [], "training")


def test_training_loaders_read_the_written_sets(tmp_path: Path):
    from lib.train.dataset import Got10k, Lasot
    from lib.datasets.storage import DirectorySource

    videos = list(render_videos(7, 3, num_frames=FRAMES))
    assert all(video.absent.any() for video in videos)  # seed 7: every video has hidden frames
    write_got10k(tmp_path / "got", videos, "train")
    lasot_names = write_lasot(tmp_path / "lasot", videos)
    got = Got10k(DirectorySource(tmp_path / "got"), split="all")
    lasot = Lasot(DirectorySource(tmp_path / "lasot"), sequence_names=lasot_names)
    for dataset in (got, lasot):
        assert len(dataset) == 3
        for i, video in enumerate(videos):
            annotation = dataset.sequence_annotation(i)
            assert np.allclose(annotation.boxes_xywh.numpy(), video.boxes_xywh)
            assert np.array_equal(annotation.visible.numpy(), ~video.absent)
        frames, boxes = dataset.get_frames(1, [0, FRAMES - 1])
        assert frames[0].shape == (240, 320, 3) and np.allclose(boxes.numpy(), videos[1].boxes_xywh[[0, -1]])
