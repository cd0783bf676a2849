"""Checkpoints written by tracking/train.py, of both trackers, run in every entry point with the config they
were trained with (stored in the checkpoint; no --config), and the boxes are those of that network.

The networks are trained here for one epoch on synthetic videos with small experiment files that are not
the tiny experiment, so neither the tiny nor the full-size config fits their weights.
"""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import cv2
import numpy as np
import pytest
import torch
import yaml

from lib.test.tracker.base import InitStyle, TrackingTraits
from lib.trackers import config_from_dict
from lib.trackers import load_tracker
from lib.utils.image import read_image
from lib.utils.settings import Settings, save_settings
from lib.utils.synthetic import render_video, render_videos, write_got10k

from tests.conftest import REPO_ROOT
from tracking.test import main as run_test_py
from tracking.train import main as train_main
from tracking.video_demo import main as demo_main
from tracking.dev.visualize_attention import main as attention_main

TRACKERS = ("aiatrack", "siamattn")
# The tiny experiments narrowed further (cheap CPU steps); MODEL differs from tiny, so tiny does not fit.
EXPERIMENTS = {
    "aiatrack": {"MODEL": {"HIDDEN_DIM": 32, "AIA": {"MATCH_DIM": 16, "FEAT_SIZE": 16},
                           "TRANSFORMER": {"DIM_FEEDFORWARD": 64}},
                 "DATA": {"SEARCH": {"SIZE": 64}, "TRAIN": {"SAMPLE_PER_EPOCH": 4}}, "TEST": {"SEARCH_SIZE": 64},
                 "TRAIN": {"BATCH_SIZE": 2, "NUM_WORKER": 0, "EPOCH": 1}},
    "siamattn": {"MODEL": {"CHANNELS": 16, "DEFORM_FC_CHANNELS": 16, "FC_CHANNELS": 16},
                 "TRAIN": {"BATCH_SIZE": 2, "NUM_WORKER": 0, "EPOCH": 1, "LR_WARMUP": {"WARMUP": False}},
                 "DATA": {"TRAIN": {"SAMPLE_PER_EPOCH": 2}}},
}


@pytest.fixture(scope="module")
def trained(tmp_path_factory) -> dict[str, tuple[Path, Path]]:
    """tracker -> (experiment YAML it was trained with, its train.py checkpoint after epoch 1)."""
    root = tmp_path_factory.mktemp("own_checkpoints")
    write_got10k(root / "got10k", render_videos(seed=5, count=2, num_frames=24, height=96, width=128, min_size=16,
                                                max_size=40), split="train")
    (root / "settings.yaml").write_text("")
    found = {}
    for tracker in TRACKERS:
        tiny = yaml.safe_load((REPO_ROOT / "experiments" / tracker / "tiny.yaml").read_text())
        experiment = root / f"micro_{tracker}.yaml"
        experiment.write_text(yaml.safe_dump(_merged(tiny, EXPERIMENTS[tracker])))
        assert train_main(["--tracker", tracker, "--config", str(experiment), "--workspace", str(root / "ws"),
                           "--settings", str(root / "settings.yaml"), f"--setting=got10k_dir={root / 'got10k'}",
                           "--no-progress", "--device", "cpu", "--torch-threads", "1"]) == 0
        checkpoint = root / "ws" / "checkpoints" / "train" / tracker / experiment.stem / \
            f"{tracker.upper()}_ep0001.pth.tar"
        found[tracker] = experiment, checkpoint
    return found


def _merged(base: dict, values: dict) -> dict:
    """``base`` with the nested ``values`` written over it."""
    out = dict(base)
    for key, value in values.items():
        out[key] = _merged(out.get(key, {}), value) if isinstance(value, dict) else value
    return out


@pytest.fixture(scope="module")
def clip(tmp_path_factory) -> tuple[Path, list[float]]:
    """A folder of 6 synthetic frames and the first frame's box."""
    video = render_video(7, 0, num_frames=6, height=96, width=128, min_size=12, max_size=40)
    folder = tmp_path_factory.mktemp("clip")
    for index, frame in enumerate(video.frames):
        cv2.imwrite(str(folder / f"{index:04d}.png"), frame[..., ::-1])
    return folder, [float(v) for v in video.boxes_xywh[0]]


def _expected_boxes(checkpoint: Path, tracker: str, clip: tuple[Path, list[float]],
                    traits: TrackingTraits) -> np.ndarray:
    """Boxes of the network built from the config stored in the checkpoint (read here with torch.load)."""
    saved = torch.load(checkpoint, weights_only=True)["config"]
    factory = load_tracker(tracker, config_from_dict(saved, tracker), checkpoint)
    folder, box = clip
    frames = [read_image(path) for path in sorted(folder.iterdir())]
    runner = factory(traits)
    runner.initialize(frames[0], {"init_bbox": box})
    return np.array([box] + [runner.track(frame)["target_bbox"] for frame in frames[1:]], dtype=np.float64)


@pytest.mark.parametrize("tracker", TRACKERS)
def test_video_demo_runs_a_train_py_checkpoint_with_its_own_config(trained, clip, tmp_path, capsys, tracker):
    checkpoint = trained[tracker][1]
    output = tmp_path / "tracked.mp4"
    box = ",".join(f"{v:g}" for v in clip[1])
    assert demo_main([str(clip[0]), "--tracker", tracker, "--checkpoint", str(checkpoint), "--init-bbox", box,
                      "--output", str(output), "--no-progress", "--torch-threads", "1"]) == 0, capsys.readouterr().err
    boxes = np.loadtxt(output.with_suffix(".txt"), delimiter=",")
    expected = _expected_boxes(checkpoint, tracker, clip, TrackingTraits())
    np.testing.assert_allclose(boxes[1:], expected[1:], atol=0.006)  # written with 2 decimals


def test_visualize_attention_runs_a_train_py_checkpoint_with_its_own_config(trained, clip, tmp_path, capsys):
    box = ",".join(f"{v:g}" for v in clip[1])
    assert attention_main(["--video", str(clip[0]), "--init-bbox", box, "--frame", "2", "--checkpoint",
                           str(trained["aiatrack"][1]), "--output", str(tmp_path / "att")]) == 0, \
        capsys.readouterr().err
    assert (tmp_path / "att" / "corner_scores.png").stat().st_size > 0


def _trax_session(argv: list[str], clip: tuple[Path, list[float]]) -> np.ndarray:
    """Boxes the VOT toolkit entry answers over TraX (pipes, as the toolkit runs it) for the clip."""
    from trax import TraxException
    from trax.client import Client
    from trax.image import FileImage
    from trax.region import Rectangle

    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT), "OMP_NUM_THREADS": "1"}
    process = subprocess.Popen([sys.executable, "-m", "lib.test.vot_trax", *argv], cwd=REPO_ROOT, env=env,
                               stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    frames, boxes = sorted(clip[0].iterdir()), [clip[1]]
    try:
        client = Client(stream=(process.stdin.fileno(), process.stdout.fileno()), log=lambda message: None)
        client.initialize({"color": FileImage.create(str(frames[0]))}, [(Rectangle.create(*clip[1]), {})], {})
        for frame in frames[1:]:
            ((region, _),), _ = client.frame({"color": FileImage.create(str(frame))}, {}, [])
            boxes.append(list(region.bounds()))
        client.quit()
        process.wait(timeout=60)
    except TraxException as exc:
        process.kill()
        pytest.fail(f"{exc}; vot_trax said: {process.communicate()[1].decode()[-3000:]}")
    stderr = process.communicate()[1].decode()
    assert process.returncode == 0 and "Traceback" not in stderr, stderr
    return np.array(boxes, dtype=np.float64)


@pytest.mark.parametrize("tracker", TRACKERS)
def test_vot_trax_serves_a_train_py_checkpoint_with_its_own_config(trained, clip, tracker):
    checkpoint = trained[tracker][1]
    boxes = _trax_session(["--tracker", tracker, "--checkpoint", str(checkpoint)], clip)
    expected = _expected_boxes(checkpoint, tracker, clip, TrackingTraits("VOT", InitStyle.VOT_REGION))
    np.testing.assert_allclose(boxes[1:], expected[1:], atol=2e-4)  # TraX sends 4 decimals


@pytest.mark.parametrize("tracker", TRACKERS)
def test_test_py_runs_a_train_py_checkpoint_and_names_the_config_it_was_trained_with(trained, tmp_path, capsys,
                                                                                       tracker):
    experiment, checkpoint = trained[tracker]
    video = render_video(7, 0, num_frames=6, height=96, width=128, min_size=12, max_size=40)
    write_got10k(tmp_path / "got10k", [video], split="val")
    save_settings(Settings(got10k_dir=str(tmp_path / "got10k"), results_dir=str(tmp_path / "results"),
                           workspace_dir=str(tmp_path / "work")), tmp_path / "settings.yaml")
    common = ["--dataset", "got10k_val", "--settings", str(tmp_path / "settings.yaml"), "--checkpoint",
              str(checkpoint), "--no-progress", "--torch-threads", "1"]
    assert run_test_py([tracker, str(experiment), *common]) == 0, capsys.readouterr().err
    (result,) = (tmp_path / "results" / tracker / experiment.stem / "got10k").glob("*_Val_*[0-9].txt")
    assert len(result.read_text().splitlines()) == len(video)
    capsys.readouterr()
    assert run_test_py([tracker, "tiny", *common]) == 2  # the tiny experiment does not fit these weights
    (line,) = capsys.readouterr().err.strip().splitlines()
    changed = "MODEL.HIDDEN_DIM (checkpoint 32, now 64)" if tracker == "aiatrack" else \
        "MODEL.CHANNELS (checkpoint 16, now 32)"
    assert str(checkpoint) in line and "official" not in line and changed in line
    other = "siamattn" if tracker == "aiatrack" else "aiatrack"
    assert run_test_py([other, "tiny", *common]) == 2
    (line,) = capsys.readouterr().err.strip().splitlines()
    assert str(checkpoint) in line and f"it is a checkpoint of {tracker}, not {other}" in line
