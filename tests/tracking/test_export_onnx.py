"""tracking/export_onnx.py and ``--backend onnxruntime`` of tracking/video_demo.py."""
from __future__ import annotations

import numpy as np

from tests.tracking.test_entry_point_cli import _video_file
from tracking.export_onnx import main as export_main
from tracking.test import main as run_benchmark_cli
from tracking.video_demo import main as demo_main


def test_export_writes_the_graphs_beside_the_checkpoint_and_the_demo_runs_them(tiny_checkpoint, synthetic_videos,
                                                                               tmp_path, capsys):
    assert export_main(["--checkpoint", str(tiny_checkpoint)]) == 0
    folders = list(tiny_checkpoint.with_name(tiny_checkpoint.name + ".onnx").iterdir())
    assert len(folders) == 1
    assert {"encode.onnx", "target_embedding.onnx", "corners.onnx", "iou.onnx", "decode_s3.onnx"} <= {
        path.name for path in folders[0].glob("*.onnx")}
    assert str(folders[0]) in capsys.readouterr().out
    video = synthetic_videos[0]
    clip = _video_file(tmp_path / "clip.avi", video.frames[:4])
    box = ",".join(str(int(v)) for v in video.boxes_xywh[0])
    boxes = {}
    for backend in ("torch", "onnxruntime"):
        out = tmp_path / f"{backend}.mp4"
        assert demo_main([str(clip), "--checkpoint", str(tiny_checkpoint), "--init-bbox", box, "--backend", backend,
                          "--output", str(out), "--no-progress"]) == 0
        boxes[backend] = np.loadtxt(out.with_suffix(".txt"), delimiter=",")
    np.testing.assert_allclose(boxes["onnxruntime"], boxes["torch"], rtol=0, atol=0.011)  # written with 2 decimals
    assert list(tiny_checkpoint.with_name(tiny_checkpoint.name + ".onnx").iterdir()) == folders  # reused


def test_bad_checkpoint_is_one_line_and_exit_2(tmp_path, capsys):
    bad = tmp_path / "broken.pth.tar"
    bad.write_bytes(b"not a checkpoint")
    assert export_main(["--checkpoint", str(bad)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and str(bad) in err
    assert not list(tmp_path.glob("*.onnx"))


def test_demo_refuses_onnxruntime_below_fp32_in_one_line(tiny_checkpoint, synthetic_videos, tmp_path, capsys):
    video = synthetic_videos[0]
    clip = _video_file(tmp_path / "clip.avi", video.frames[:2])
    box = ",".join(str(int(v)) for v in video.boxes_xywh[0])
    assert demo_main([str(clip), "--checkpoint", str(tiny_checkpoint), "--init-bbox", box, "--backend", "onnxruntime",
                      "--precision", "bf16", "--output", str(tmp_path / "o.mp4"), "--no-progress"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "fp32 only" in err


def test_benchmark_runs_on_onnxruntime_batched_with_the_torch_boxes(synthetic_settings, tiny_checkpoint, capsys):
    results = synthetic_settings.parent / "results" / "aiatrack"
    common = ["aiatrack", "tiny", "--dataset", "got10k_val", "--settings", str(synthetic_settings), "--checkpoint",
              str(tiny_checkpoint), "--no-progress", "--torch-threads", "1"]
    assert run_benchmark_cli(common) == 0
    # ONNX Runtime's graphs are exported at batch 1: --batch falls back to one track() per sequence and frame
    assert run_benchmark_cli([*common, "--backend", "onnxruntime", "--batch", "2", "--run-id", "1"]) == 0
    for name in ("GOT-10k_Val_000001", "GOT-10k_Val_000002"):
        torch_boxes = np.loadtxt(results / "tiny" / "got10k" / f"{name}.txt", delimiter=",")
        ort_boxes = np.loadtxt(results / "tiny_001" / "got10k" / f"{name}.txt", delimiter=",")
        np.testing.assert_allclose(ort_boxes, torch_boxes, rtol=0, atol=0.011)  # written with 2 decimals
    # a torch run into the ONNX Runtime run's folder is refused: the backend is part of the run's identity
    assert run_benchmark_cli([*common, "--run-id", "1"]) == 2
    assert "backend" in capsys.readouterr().err
    assert run_benchmark_cli([*common, "--backend", "onnxruntime", "--precision", "bf16", "--run-id", "2"]) == 2
    assert "fp32 only" in capsys.readouterr().err
