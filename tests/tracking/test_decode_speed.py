"""tracking/dev/decode_speed.py on the CPU: it writes decodable 1280x720-style frames and times the CPU decoders."""
from __future__ import annotations

import re

import numpy as np
import pytest
import torch

from lib.utils.image import read_image
from lib.utils.synthetic import render_video
from tracking.dev.decode_speed import cpu_rate, main, write_frames


def test_written_frames_decode_to_the_rendered_video(tmp_path):
    paths = write_frames(tmp_path, 3, 72, 128)
    video = render_video(2024, 0, num_frames=3, height=72, width=128, min_size=9, max_size=24)
    assert [p.name for p in paths] == ["00000001.jpg", "00000002.jpg", "00000003.jpg"]
    for path, frame in zip(paths, video.frames):
        decoded = read_image(path)
        assert decoded.shape == (72, 128, 3)
        assert np.abs(decoded.astype(int) - frame.astype(int)).mean() < 8  # JPEG at quality 95 of a noisy texture


@pytest.mark.parametrize("processes", [1, 2])
def test_cpu_rate_decodes_every_frame(tmp_path, processes):
    paths = write_frames(tmp_path, 4, 48, 64)
    assert cpu_rate(paths, processes) > 0


def test_the_run_prints_one_row_per_process_count(tmp_path, capsys):
    assert main(["--frames", "4", "--width", "64", "--height", "48", "--processes", "1", "2"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("4 JPEG frames of 64x48")
    assert [int(n) for n in re.findall(r"x (\d+) processes: [\d.]+ frames/s", out)] == [1, 2]
    if not torch.cuda.is_available():
        assert "cuda decode_jpeg: not measured (no CUDA device)" in out


def test_a_folder_without_jpegs_is_one_line(tmp_path, capsys):
    assert main(["--folder", str(tmp_path)]) == 2
    assert capsys.readouterr().err == f"error: no .jpg files in {tmp_path}\n"
