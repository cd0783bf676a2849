"""--device and --precision in every entry point: refused in one line where they cannot run, run where they can.

CI has no GPU, so ``--device cuda`` is exercised as far as a CPU allows: the request is refused before any
work, in one line, exit status 2, by the one check in ``lib/utils/cli.py``. The precisions run on the CPU
(bf16 there; tf32 equals fp32 off Ampere+ GPUs), and SiamAttn's refusal of bf16 is one line before any work.
"""
from __future__ import annotations

import importlib

import numpy as np
import pytest
import torch

from tests.tracking.test_video_demo import _box_arg, _write_video

DEVICE_ENTRY_POINTS = [("tracking.test", ["aiatrack", "tiny"]), ("tracking.video_demo", ["clip.mp4"]),
                       ("tracking.quickstart", []), ("tracking.dev.tracker_speed", []),
                       ("tracking.dev.visualize_attention", ["clip.mp4"]), ("tracking.dev.precision_check", []),
                       ("tracking.train", []), ("lib.test.vot_trax", [])]


@pytest.mark.skipif(torch.cuda.is_available(), reason="a CUDA device is present: cuda would be accepted")
@pytest.mark.parametrize("module, before", DEVICE_ENTRY_POINTS, ids=[m for m, _ in DEVICE_ENTRY_POINTS])
def test_cuda_without_a_gpu_is_one_line_before_any_work(module, before, capsys):
    with pytest.raises(SystemExit) as info:
        importlib.import_module(module).main([*before, "--device", "cuda"])
    assert info.value.code == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "cuda requested but no CUDA device is available" in err


def test_video_demo_runs_aiatrack_in_bf16_and_refuses_it_for_siamattn(synthetic_videos, tiny_checkpoint, tmp_path,
                                                                      capsys):
    from tracking.video_demo import main

    video = synthetic_videos[0]
    source = tmp_path / "clip.avi"
    _write_video(source, video.frames)
    outputs = {}
    for precision in ("fp32", "bf16"):
        output = tmp_path / f"{precision}.mp4"
        assert main([str(source), "--init-bbox", _box_arg(video), "--checkpoint", str(tiny_checkpoint),
                     "--output", str(output), "--precision", precision, "--no-progress"]) == 0
        outputs[precision] = np.loadtxt(output.with_suffix(".txt"), delimiter=",")
    assert outputs["bf16"].shape == outputs["fp32"].shape and np.isfinite(outputs["bf16"]).all()
    capsys.readouterr()
    assert main([str(source), "--tracker", "siamattn", "--init-bbox", _box_arg(video), "--output",
                 str(tmp_path / "siam.mp4"), "--precision", "bf16", "--no-progress"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "for siamattn" in err and not (tmp_path / "siam.mp4").exists()


def test_visualize_attention_draws_bf16_maps(synthetic_settings, tmp_path):
    """Attention probabilities recorded in bf16 are converted before plotting (numpy has no bfloat16)."""
    from tracking.dev.visualize_attention import main

    out = tmp_path / "attention"
    assert main(["--dataset", "got10k_val", "--sequence", "GOT-10k_Val_000001", "--settings", str(synthetic_settings),
                 "--frame", "2", "--output", str(out), "--precision", "bf16"]) == 0
    assert len(list(out.glob("*.png"))) == 5
