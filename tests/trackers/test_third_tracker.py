"""A third tracker registered from the test tree runs through test.py, analysis_results.py and video_demo.py.

``tests/trackers/drift_tracker.py`` is a plug-in nobody in lib/ or tracking/ knows about: registering it (in the
process, or through ``$AIATRACK_TRACKERS`` for a subprocess) is all it takes. Its boxes are known in closed
form (the first box moved by the stored displacement each frame), so the results and the scores are checked
against computations made here.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys

import cv2
import numpy as np
import pytest
import torch

from lib.trackers import TRACKER_MODULES, TRACKERS_VARIABLE, get_plugin, tracker_names
from lib.utils.settings import Settings, save_settings
from lib.utils.synthetic import render_videos, write_got10k
from tests.conftest import REPO_ROOT

STEP = (2.0, -1.0)  # the drift tracker's weight: pixels per frame (whole: result files hold integers)
NAMES = ["GOT-10k_Val_000001", "GOT-10k_Val_000002"]


@pytest.fixture()
def drift(monkeypatch):
    monkeypatch.setitem(TRACKER_MODULES, "drift", "tests.trackers.drift_tracker")


@pytest.fixture()
def workspace(tmp_path):
    videos = list(render_videos(3, 2, num_frames=6, height=96, width=128, min_size=12, max_size=40))
    write_got10k(tmp_path / "got10k", videos, split="val")
    save_settings(Settings(got10k_dir=str(tmp_path / "got10k"), results_dir=str(tmp_path / "results"),
                           result_plots_dir=str(tmp_path / "plots"), workspace_dir=str(tmp_path / "work")),
                  tmp_path / "settings.yaml")
    (tmp_path / "drift.yaml").write_text("TEST: {HYPER: {DEFAULT: [1.0]}}\n")
    torch.save({"net": {"step": torch.tensor(STEP)}}, tmp_path / "drift.pth")
    return tmp_path, videos


def _expected_boxes(first_box: np.ndarray, frames: int) -> np.ndarray:
    steps = np.arange(frames)[:, None] * np.array([*STEP, 0.0, 0.0])
    return first_box[None] + steps


def _iou(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    x1, y1 = np.maximum(a[:, 0], b[:, 0]), np.maximum(a[:, 1], b[:, 1])
    x2 = np.minimum(a[:, 0] + a[:, 2], b[:, 0] + b[:, 2])
    y2 = np.minimum(a[:, 1] + a[:, 3], b[:, 1] + b[:, 3])
    inter = np.clip(x2 - x1, 0, None) * np.clip(y2 - y1, 0, None)
    return inter / (a[:, 2] * a[:, 3] + b[:, 2] * b[:, 3] - inter)


def test_the_table_names_it_once_registered(drift):
    assert "drift" in tracker_names() and get_plugin("drift").label == "Drift"


def test_benchmark_run_and_analysis(drift, workspace):
    from tracking.analysis_results import main as analysis_main
    from tracking.test import main as test_main

    root, videos = workspace
    settings = str(root / "settings.yaml")
    assert test_main(["drift", str(root / "drift.yaml"), "--dataset", "got10k_val", "--settings", settings,
                      "--checkpoint", str(root / "drift.pth"), "--no-progress"]) == 0
    pooled = []
    for name, video in zip(NAMES, videos):
        boxes = np.loadtxt(root / "results" / "drift" / "drift" / "got10k" / f"{name}.txt", delimiter=",")
        expected = _expected_boxes(video.boxes_xywh[0], len(video))
        np.testing.assert_allclose(boxes, expected, atol=1e-3)
        # GOT-10k AO: frames after the first where the target is visible, boxes inside the image here
        visible = video.cover[1:] > 0
        pooled.append(_iou(expected[1:][visible], video.boxes_xywh[1:][visible]))
    assert analysis_main(["--tracker", "drift", "--param", "drift", "--dataset", "got10k_val", "--settings", settings,
                          "--protocol", "got10k", "--no-plots", "--json", str(root / "scores.json")]) == 0
    (entry,) = json.loads((root / "scores.json").read_text())["trackers"]
    assert entry["label"] == "drift_drift" and set(entry["per_sequence"]) == set(NAMES)
    assert entry["scores"]["AO"] == pytest.approx(100 * np.concatenate(pooled).mean(), abs=1e-4)


def test_video_demo_in_a_subprocess_registered_by_the_environment(workspace):
    root, videos = workspace
    video = videos[0]
    folder = root / "frames"
    folder.mkdir()
    for index, frame in enumerate(video.frames):
        cv2.imwrite(str(folder / f"{index:05d}.png"), cv2.cvtColor(frame, cv2.COLOR_RGB2BGR))
    env = {**os.environ, TRACKERS_VARIABLE: "drift=tests.trackers.drift_tracker", "PYTHONPATH": str(REPO_ROOT),
           "OMP_NUM_THREADS": "1"}
    box = ",".join(str(int(v)) for v in video.boxes_xywh[0])
    done = subprocess.run([sys.executable, str(REPO_ROOT / "tracking" / "video_demo.py"), str(folder), "--tracker",
                           "drift", "--config", str(root / "drift.yaml"), "--checkpoint", str(root / "drift.pth"),
                           "--init-bbox", box, "--output", str(root / "drift.mp4"), "--no-progress"],
                          cwd=root, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    boxes = np.loadtxt(root / "drift.txt", delimiter=",")
    np.testing.assert_allclose(boxes, _expected_boxes(video.boxes_xywh[0], len(video)), atol=1e-2)


def test_a_malformed_registration_is_one_line():
    env = {**os.environ, TRACKERS_VARIABLE: "drift", "PYTHONPATH": str(REPO_ROOT)}
    done = subprocess.run([sys.executable, "-c", "import lib.trackers"], env=env, capture_output=True, text=True,
                          timeout=120)
    assert done.returncode != 0 and "AIATRACK_TRACKERS: expected name=package.module entries" in done.stderr


def test_benchmark_run_finds_the_trained_checkpoint_by_the_plugin_prefix(drift, workspace):
    """Without --checkpoint test.py reads what train.py leaves: <workspace>/checkpoints/train/<tracker>/<config>/
    <PREFIX>_ep<TEST.EPOCH>.pth.tar, with the prefix the plug-in declares (not the upper-cased name)."""
    from tracking.test import main as test_main

    root, videos = workspace
    trained = root / "work" / "checkpoints" / "train" / "drift" / "drift" / "CONSTVEL_ep0001.pth.tar"
    trained.parent.mkdir(parents=True)
    trained.write_bytes((root / "drift.pth").read_bytes())
    assert test_main(["drift", str(root / "drift.yaml"), "--dataset", "got10k_val", "--settings",
                      str(root / "settings.yaml"), "--no-progress"]) == 0
    boxes = np.loadtxt(root / "results" / "drift" / "drift" / "got10k" / f"{NAMES[0]}.txt", delimiter=",")
    np.testing.assert_allclose(boxes, _expected_boxes(videos[0].boxes_xywh[0], len(videos[0])), atol=1e-3)
