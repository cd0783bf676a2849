"""SiamAttn through the entry points: tracking/test.py on a generated OTB-100 root (one real sequence,
the others stubs) and tracking/video_demo.py on a synthetic clip, with a small random SiamAttn."""
from __future__ import annotations

import os
from pathlib import Path

import cv2
import numpy as np
import pytest
import torch
import yaml

from lib.trackers import load_config
from lib.models.siamattn import build_siamattn
from lib.datasets.layout import read_info_table
from lib.utils.settings import Settings, save_settings
from lib.utils.synthetic import render_video

from tracking.test import main
from tracking.video_demo import main as demo_main

TRACKED = "otb_Deer"  # the shortest OTB sequence (71 frames)
# A small SiamAttn (mask branch on): the same code paths as the official model at a fraction of the cost.
SMALL_MODEL = {"MODEL": {"BACKBONE": {"TYPE": "resnet18"}, "CHANNELS": 16, "DEFORM_FC_CHANNELS": 16,
                         "FC_CHANNELS": 16, "MASK": True}}


def _write_otb(root: Path, stub: Path) -> np.ndarray:
    """Every OTB folder with its first and last frame (links to ``stub``) and a full-length annotation;
    ``TRACKED`` gets a rendered video. Returns the tracked ground truth (N, 4)."""
    for row in read_info_table("otb_sequence_info.tsv"):
        start, end, omit, digits = (int(row[k]) for k in ("startFrame", "endFrame", "initOmit", "nz"))
        folder = root / row["path"]
        folder.mkdir(parents=True, exist_ok=True)
        if row["name"] == TRACKED:
            video = render_video(3, num_frames=end - start + 1, height=120, width=160, min_size=20, max_size=50)
            for number, frame in zip(range(start, end + 1), video.frames):
                cv2.imwrite(str(folder / f"{number:0{digits}d}.{row['ext']}"), frame[..., ::-1])
            boxes = video.boxes_xywh
        else:
            for number in (start + omit, end):
                target = folder / f"{number:0{digits}d}.{row['ext']}"
                if not target.exists():
                    os.link(stub, target)
            boxes = np.tile([2.0, 2.0, 4.0, 4.0], (end - start + 1, 1))
        annotation = root / row["anno_path"]
        if not annotation.exists() or row["name"] == TRACKED:
            annotation.write_text("".join(",".join(f"{v:g}" for v in box) + "\n" for box in boxes))
        if row["name"] == TRACKED:
            tracked = boxes
    return tracked


@pytest.fixture(scope="module")
def small_siamattn(tmp_path_factory) -> tuple[Path, Path]:
    """(experiment YAML, checkpoint in our format) of a small randomly initialised SiamAttn."""
    folder = tmp_path_factory.mktemp("siamattn")
    config = folder / "small.yaml"
    config.write_text(yaml.safe_dump(SMALL_MODEL))
    torch.manual_seed(0)
    model = build_siamattn(load_config(config, tracker="siamattn"))
    checkpoint = folder / "small.pth"
    torch.save({"net": model.state_dict(), "epoch": 1}, checkpoint)
    return config, checkpoint


@pytest.mark.slow
def test_siamattn_on_a_generated_otb(tmp_path, capsys, small_siamattn):
    config, checkpoint = small_siamattn
    stub = tmp_path / "stub.jpg"
    cv2.imwrite(str(stub), np.full((8, 8, 3), 127, dtype=np.uint8))
    gt = _write_otb(tmp_path / "OTB100", stub)
    settings = Settings(otb_dir=str(tmp_path / "OTB100"), results_dir=str(tmp_path / "results"),
                        workspace_dir=str(tmp_path / "work"))
    save_settings(settings, tmp_path / "settings.yaml")
    args = ["siamattn", str(config), "--dataset", "otb", "--sequence", TRACKED, "--settings",
            str(tmp_path / "settings.yaml"), "--checkpoint", str(checkpoint), "--no-progress", "--torch-threads", "1"]
    assert main(args) == 0
    assert "1 sequence(s) tracked" in capsys.readouterr().out
    result = tmp_path / "results" / "siamattn" / "small" / f"{TRACKED}.txt"
    rows = np.array([line.split(",") for line in result.read_text().splitlines()], dtype=np.float64)
    assert rows.shape == gt.shape
    # frame 0: the OPE init box of the official tools/test.py (centre x + w/2, reported as x + 0.5), truncated
    np.testing.assert_array_equal(rows[0], np.trunc(gt[0] + [0.5, 0.5, 0, 0]))
    assert (rows[1:, 2:] >= 10).all() and (rows[1:, 2] <= 159).all() and (rows[1:, 3] <= 119).all()


def test_video_demo_runs_siamattn(synthetic_videos, small_siamattn, tmp_path, capsys):
    config, checkpoint = small_siamattn
    video = synthetic_videos[0]
    folder = tmp_path / "frames"
    folder.mkdir()
    for index, frame in enumerate(video.frames):
        cv2.imwrite(str(folder / f"{index:05d}.png"), frame[..., ::-1])
    box = ",".join(str(int(v)) for v in video.boxes_xywh[0])
    output = tmp_path / "tracked.mp4"
    assert demo_main([str(folder), "--tracker", "siamattn", "--config", str(config), "--checkpoint", str(checkpoint),
                      "--init-bbox", box, "--output", str(output), "--no-progress"]) == 0
    assert "SiamAttn weights from" in capsys.readouterr().out
    boxes = np.loadtxt(output.with_suffix(".txt"), delimiter=",")
    assert boxes.shape == (len(video), 4) and np.isfinite(boxes).all()
    np.testing.assert_allclose(boxes[0], video.boxes_xywh[0] + [0.5, 0.5, 0, 0], atol=0.005)  # OPE init box
