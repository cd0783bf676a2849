"""tracking/video_demo.py with several targets, box files, real-time sources and Ctrl-C."""
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import cv2
import numpy as np
import pytest

from lib.app import open_session
from lib.utils.synthetic import render_video
from lib.utils.video import FrameSource
from tracking.video_demo import main

REPO = Path(__file__).resolve().parents[2]
BOXES = ([20.0, 15.0, 30.0, 24.0], [70.0, 40.0, 26.0, 30.0])


def _write_video(path, frames_rgb, fps=10.0):
    height, width = frames_rgb.shape[1:3]
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"mp4v"), fps, (width, height))
    for frame in frames_rgb:
        writer.write(cv2.cvtColor(frame, cv2.COLOR_RGB2BGR))
    writer.release()


def _frame_count(path):
    capture = cv2.VideoCapture(str(path))
    count = 0
    while capture.read()[0]:
        count += 1
    capture.release()
    return count


def _api_boxes(checkpoint, frames, boxes):
    """Rows ``frame,id,x,y,w,h`` of the API tracking ``boxes`` on ``frames`` (list of (index, image))."""
    session = open_session("aiatrack", checkpoint=str(checkpoint))
    rows = []
    for n, (index, image) in enumerate(frames):
        results = session.start(image, boxes) if n == 0 else session.update(image)
        rows += [[index + 1, r.target_id, *r.box] for r in results]
    return np.asarray(rows)


@pytest.fixture(scope="module")
def clip(tmp_path_factory):
    path = tmp_path_factory.mktemp("clip") / "clip.avi"
    _write_video(path, render_video(5, 0, num_frames=8, height=96, width=128, min_size=14, max_size=36).frames)
    return path


def test_several_targets_give_mot_rows_equal_to_the_api(clip, tiny_checkpoint, tmp_path):
    output = tmp_path / "multi.mp4"
    box_args = [a for box in BOXES for a in ("--init-bbox", ",".join(f"{v:g}" for v in box))]
    assert main([str(clip), *box_args, "--checkpoint", str(tiny_checkpoint), "--output", str(output),
                 "--no-progress"]) == 0
    mot = np.loadtxt(output.with_suffix(".mot.txt"), delimiter=",")
    assert mot.shape == (16, 7)
    expected = _api_boxes(tiny_checkpoint, list(enumerate(FrameSource(clip))), BOXES)
    np.testing.assert_allclose(mot[:, :6], expected, atol=0.006)  # written with 2 decimals
    assert not output.with_suffix(".txt").exists()  # the x,y,w,h file is for one target only
    # Target 2 is drawn in its own colour (BGR 255,128,0) on the first frame.
    first = cv2.VideoCapture(str(output)).read()[1]
    x, y, w, h = (int(v) for v in BOXES[1])
    assert first[y + h // 2, x, 0] > 180 and first[y + h // 2, x, 2] < 90
    assert _frame_count(output) == 8


def test_box_file_gives_one_target_per_line(clip, tiny_checkpoint, tmp_path):
    boxes = tmp_path / "boxes.txt"
    boxes.write_text("# x,y,w,h\n20 15 30 24\n\n70,40,26,30\n")
    output = tmp_path / "file.mp4"
    assert main([str(clip), "--init-boxes", str(boxes), "--checkpoint", str(tiny_checkpoint),
                 "--output", str(output), "--no-progress"]) == 0
    mot = np.loadtxt(output.with_suffix(".mot.txt"), delimiter=",")
    assert sorted(set(mot[:, 1])) == [1, 2]


@pytest.mark.parametrize("content, message", [
    ("20,15,30,24\n70,40,0,30\n", "boxes.txt:2: expected x,y,w,h with w, h > 0"),
    ("20,15,30,24\n400,300,10,10\n", "boxes.txt:2: first-frame box 400,300,10,10 lies entirely outside"),
])
def test_bad_box_file_names_file_and_line(clip, tiny_checkpoint, tmp_path, capsys, content, message):
    boxes = tmp_path / "boxes.txt"
    boxes.write_text(content)
    output = tmp_path / "bad.mp4"
    assert main([str(clip), "--init-boxes", str(boxes), "--checkpoint", str(tiny_checkpoint),
                 "--output", str(output), "--no-progress"]) == 2
    err = capsys.readouterr().err
    assert len(err.splitlines()) == 1 and message in err
    assert not output.exists()


def test_realtime_drops_frames_and_accounts_latency(tiny_checkpoint, tmp_path):
    video = render_video(6, 0, num_frames=40, height=96, width=128, min_size=14, max_size=36)
    folder = tmp_path / "frames"
    folder.mkdir()
    for index, frame in enumerate(video.frames):
        cv2.imwrite(str(folder / f"{index:03d}.png"), cv2.cvtColor(frame, cv2.COLOR_RGB2BGR))
    output = tmp_path / "live.mp4"
    box = ",".join(f"{v:g}" for v in video.boxes_xywh[0])
    start = time.monotonic()
    assert main(["--source", str(folder), "--realtime", "--fps", "400", "--init-bbox", box,
                 "--checkpoint", str(tiny_checkpoint), "--output", str(output), "--no-progress"]) == 0
    wall = time.monotonic() - start
    mot = np.loadtxt(output.with_suffix(".mot.txt"), delimiter=",", ndmin=2)
    timing = np.loadtxt(output.with_suffix(".timing.csv"), delimiter=",", skiprows=1, ndmin=2)
    processed = mot[:, 0].astype(int)
    assert processed[0] == 1 and processed[-1] == 40 and np.all(np.diff(processed) > 0)
    assert len(processed) < 40  # the tracker is slower than 400 fps: frames were dropped
    np.testing.assert_array_equal(timing[:, 0], processed)
    assert np.all(timing[:, 1] > 0) and np.all(timing[:, 1] < wall * 1000)
    assert _frame_count(output) == len(processed)
    frames = [(index - 1, video.frames[index - 1]) for index in processed]  # PNG frames are lossless
    np.testing.assert_allclose(mot[:, :6], _api_boxes(tiny_checkpoint, frames, [video.boxes_xywh[0]]), atol=0.006)
    assert not output.with_suffix(".txt").exists()  # frames were dropped: only the MOT file has frame numbers


def test_unreachable_stream_is_one_line(tiny_checkpoint, tmp_path, capsys):
    assert main(["--source", "rtsp://127.0.0.1:9/live", "--init-bbox", "1,1,5,5", "--checkpoint",
                 str(tiny_checkpoint), "--output", str(tmp_path / "s.mp4")]) == 2
    assert capsys.readouterr().err == ("error: stream rtsp://127.0.0.1:9/live: OpenCV cannot open it "
                                       "(unreachable or unsupported)\n")


def test_ctrl_c_leaves_valid_outputs(tiny_checkpoint, tmp_path):
    video = render_video(8, 0, num_frames=120, height=96, width=128, min_size=14, max_size=36)
    clip = tmp_path / "long.avi"
    _write_video(clip, video.frames, fps=10.0)  # played in real time: 12 s, interrupted long before
    output = tmp_path / "stopped.mp4"
    box = ",".join(f"{v:g}" for v in video.boxes_xywh[0])
    env = dict(os.environ, PYTHONPATH=str(REPO), OMP_NUM_THREADS="1")
    process = subprocess.Popen([sys.executable, "-m", "tracking.video_demo", str(clip), "--realtime", "--init-bbox",
                                box, "--checkpoint", str(tiny_checkpoint), "--output", str(output), "--no-progress"],
                               cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    partial = tmp_path / ".stopped.partial.mp4"
    deadline = time.monotonic() + 60
    while not (partial.exists() and partial.stat().st_size > 0) and process.poll() is None:
        assert time.monotonic() < deadline, "the demo wrote no frame within 60 s"
        time.sleep(0.05)  # poll interval of the explicit wait for the first frames on disk
    process.send_signal(signal.SIGINT)
    _, err = process.communicate(timeout=60)
    assert process.returncode == 130, err
    assert "interrupted: the outputs hold the frames tracked so far" in err
    mot = np.loadtxt(output.with_suffix(".mot.txt"), delimiter=",", ndmin=2)
    assert 1 <= len(mot) < 120 and _frame_count(output) == len(mot)
    assert not partial.exists()


def test_unsupported_video_is_one_line(tiny_checkpoint, tmp_path, capsys):
    clip = tmp_path / "notes.mp4"
    clip.write_text("not a video\n")
    output = tmp_path / "u.mp4"
    assert main(["--source", str(clip), "--init-bbox", "1,1,5,5", "--checkpoint", str(tiny_checkpoint),
                 "--output", str(output)]) == 2
    err = capsys.readouterr().err
    assert len(err.splitlines()) == 1 and err.startswith(f"error: {clip}: ") and not output.exists()
