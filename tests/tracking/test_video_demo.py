"""tracking/video_demo.py: a video file or a folder of frames in, an annotated video and boxes out."""
import cv2
import numpy as np
import pytest

from lib.utils.video import parse_box
from tracking.video_demo import main


def _write_video(path, frames_rgb, fps=10.0):
    height, width = frames_rgb.shape[1:3]
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"mp4v"), fps, (width, height))
    assert writer.isOpened()
    for frame in frames_rgb:
        writer.write(cv2.cvtColor(frame, cv2.COLOR_RGB2BGR))
    writer.release()


def _read_video(path):
    capture = cv2.VideoCapture(str(path))
    frames = []
    while True:
        ok, frame = capture.read()
        if not ok:
            break
        frames.append(frame)
    capture.release()
    return frames


def _box_arg(video):
    return ",".join(str(int(v)) for v in video.boxes_xywh[0])


def test_video_file_gives_annotated_video_and_boxes(synthetic_videos, tiny_checkpoint, tmp_path, capsys):
    video = synthetic_videos[0]
    source = tmp_path / "clip.avi"
    _write_video(source, video.frames)
    output = tmp_path / "out" / "tracked.mp4"
    assert main([str(source), "--init-bbox", _box_arg(video), "--checkpoint", str(tiny_checkpoint),
                 "--output", str(output), "--no-progress"]) == 0
    assert "Weights: AiATrack weights from" in capsys.readouterr().out
    frames = _read_video(output)
    assert len(frames) == len(video) and frames[0].shape == video.frames[0].shape
    boxes = np.loadtxt(output.with_suffix(".txt"), delimiter=",")
    assert boxes.shape == (len(video), 4) and np.isfinite(boxes).all()
    np.testing.assert_allclose(boxes[0], video.boxes_xywh[0])
    # The drawn box is visible: frame 0 differs from the source where its green outline lies.
    x, y, w, h = (int(v) for v in video.boxes_xywh[0])
    assert frames[0][y + h // 2, x, 1] > 200 and frames[0][y + h // 2, x, 0] < 80


def test_folder_of_frames(synthetic_videos, tiny_checkpoint, tmp_path):
    video = synthetic_videos[1]
    folder = tmp_path / "frames"
    folder.mkdir()
    for index, frame in enumerate(video.frames):
        cv2.imwrite(str(folder / f"{index:05d}.png"), cv2.cvtColor(frame, cv2.COLOR_RGB2BGR))
    output = tmp_path / "tracked.mp4"
    boxes_file = tmp_path / "boxes.txt"
    assert main([str(folder), "--init-bbox", _box_arg(video), "--checkpoint", str(tiny_checkpoint),
                 "--output", str(output), "--boxes", str(boxes_file), "--no-progress"]) == 0
    assert len(_read_video(output)) == len(video)
    assert len(boxes_file.read_text().splitlines()) == len(video)


def test_without_box_and_display_is_a_clear_error(synthetic_videos, tiny_checkpoint, tmp_path, monkeypatch, capsys):
    monkeypatch.delenv("DISPLAY", raising=False)
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    source = tmp_path / "clip.avi"
    _write_video(source, synthetic_videos[0].frames)
    output = tmp_path / "tracked.mp4"
    assert main([str(source), "--checkpoint", str(tiny_checkpoint), "--output", str(output), "--no-progress"]) == 2
    assert "--init-bbox" in capsys.readouterr().err
    assert not output.exists()


def test_missing_video_is_a_clear_error(tiny_checkpoint, tmp_path, capsys):
    assert main([str(tmp_path / "nothing.mp4"), "--init-bbox", "1,2,3,4", "--checkpoint", str(tiny_checkpoint)]) == 2
    assert "video not found" in capsys.readouterr().err


@pytest.mark.parametrize("text", ["1,2,3", "a,b,c,d", "1,2,0,4"])
def test_bad_init_box_is_rejected(text):
    with pytest.raises(Exception, match="init-bbox"):
        parse_box(text)


def test_box_outside_the_first_frame_is_refused(synthetic_videos, tiny_checkpoint, tmp_path, capsys):
    source = tmp_path / "clip.avi"
    _write_video(source, synthetic_videos[0].frames)  # 128x96 frames
    output = tmp_path / "tracked.mp4"
    assert main([str(source), "--init-bbox", "400,300,50,40", "--checkpoint", str(tiny_checkpoint),
                 "--output", str(output), "--no-progress"]) == 2
    err = capsys.readouterr().err
    assert err == (f"error: {source}: --init-bbox: first-frame box 400,300,50,40 lies entirely outside the "
                   "128x96 image\n")
    assert not output.exists() and not output.with_suffix(".txt").exists()


def test_weights_of_another_architecture_are_one_line(synthetic_videos, tiny_checkpoint, tmp_path, capsys):
    # Tiny-config weights with the paper's configuration: the tracker is built inside the error handling.
    source = tmp_path / "clip.avi"
    _write_video(source, synthetic_videos[0].frames)
    code = main([str(source), "--init-bbox", _box_arg(synthetic_videos[0]), "--checkpoint", str(tiny_checkpoint),
                 "--config", "baseline", "--output", str(tmp_path / "t.mp4"), "--no-progress"])
    err = capsys.readouterr().err
    assert code == 2 and err.startswith(f"error: {tiny_checkpoint}: weights do not fit the model")
    assert len(err.splitlines()) == 1
