"""tracking/train.py: bad input stops the run with one line naming the file, before training starts
where it can be found then; launcher flags and CPU threads."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import torch

from lib.trackers import load_config
from lib.models.aiatrack import build_aiatrack
from lib.utils.synthetic import render_videos, write_got10k

from tests.conftest import REPO_ROOT
from tracking.train import main, parse_args

# The tiny experiment shrunk further (64 px crops): the same code paths, fast on CPU.
MICRO = ["MODEL.HIDDEN_DIM=32", "MODEL.AIA.MATCH_DIM=16", "MODEL.AIA.FEAT_SIZE=16",
         "MODEL.TRANSFORMER.DIM_FEEDFORWARD=64", "DATA.SEARCH.SIZE=64", "TEST.SEARCH_SIZE=64",
         "TRAIN.BATCH_SIZE=2", "TRAIN.NUM_WORKER=0", "TRAIN.EPOCH=1", "DATA.TRAIN.SAMPLE_PER_EPOCH=4"]


@pytest.fixture
def root(tmp_path) -> Path:
    """A synthetic GOT-10k train root with two 24-frame sequences and an empty settings file."""
    write_got10k(tmp_path / "got10k", render_videos(seed=5, count=2, num_frames=24, height=96, width=128,
                                                    min_size=16, max_size=40), split="train")
    (tmp_path / "settings.yaml").write_text("")
    return tmp_path / "got10k"


def _train(root: Path, *extra: str) -> int:
    overrides = [f"--override={item}" for item in MICRO]
    return main(["--config", "tiny", "--workspace", str(root.parent / "work"), "--settings",
                 str(root.parent / "settings.yaml"), f"--setting=got10k_dir={root}", "--no-progress", "--device",
                 "cpu", *overrides, *extra])


def _one_error_line(err: str) -> str:
    assert "Traceback" not in err
    errors = [line for line in err.splitlines() if "error" in line.lower() or "stopped" in line]
    assert len(errors) == 1, err
    return errors[0]


def _sequence(root: Path, index: int = 1) -> Path:
    return root / "train" / f"GOT-10k_Train_{index:06d}"


def test_ground_truth_line_with_three_values(root, capsys):
    gt = _sequence(root) / "groundtruth.txt"
    lines = gt.read_text().splitlines()
    gt.write_text("\n".join(lines[:1] + ["10,20,30"] + lines[2:]) + "\n")
    assert _train(root) == 2
    assert f"{gt}:2: expected 4 comma-separated numbers, got '10,20,30'" in _one_error_line(capsys.readouterr().err)


def test_empty_ground_truth(root, capsys):
    gt = _sequence(root, 2) / "groundtruth.txt"
    gt.write_text("")
    assert _train(root) == 2
    assert f"{gt}: the box file is empty" in _one_error_line(capsys.readouterr().err)


def test_missing_frame_is_found_before_training(root, capsys):
    frame = _sequence(root) / "00000012.jpg"
    frame.unlink()
    assert _train(root) == 2
    line = _one_error_line(capsys.readouterr().err)
    assert "1 frame file(s) missing" in line and str(frame) in line
    assert not (root.parent / "work" / "checkpoints").exists()


def test_truncated_frame_met_in_a_worker_is_one_line(root, capsys):
    folder = _sequence(root)
    for frame in folder.glob("*.jpg"):  # cut every frame of both sequences after its header
        frame.write_bytes(frame.read_bytes()[:200])
    for frame in _sequence(root, 2).glob("*.jpg"):
        frame.write_bytes(frame.read_bytes()[:200])
    assert _train(root, "--override=TRAIN.NUM_WORKER=1") == 2
    line = _one_error_line(capsys.readouterr().err)
    assert f"cannot decode image {folder.parent}" in line and line.endswith("(in a data loader worker)")


def test_no_sequence_the_sampler_can_use(tmp_path, capsys):
    write_got10k(tmp_path / "short", render_videos(seed=5, count=2, num_frames=10, height=96, width=128,
                                                   min_size=16, max_size=40), split="train")
    (tmp_path / "settings.yaml").write_text("")
    assert _train(tmp_path / "short") == 2
    assert "GOT10K_all: none of its 2 sequence(s) can be sampled" in _one_error_line(capsys.readouterr().err)


@pytest.mark.parametrize("override, message", [
    ("TRAIN.EPOHC=3", "unknown config key 'TRAIN.EPOHC'"),
    ("TRAIN.BATCH_SIZE=abc", "key TRAIN.BATCH_SIZE must be of type int, got 'abc'"),
    ("TRAIN.LR=[1,", "the value is not valid YAML"),
])
def test_mistyped_override(root, capsys, override, message):
    assert _train(root, f"--override={override}") == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and message in err and len(err.splitlines()) == 1


def test_resuming_a_workspace_of_another_architecture(root, capsys):
    # The workspace holds a checkpoint of MODEL.HIDDEN_DIM=32; this run asks for 48.
    overrides = {"MODEL": {"HIDDEN_DIM": 32, "AIA": {"MATCH_DIM": 16, "FEAT_SIZE": 16},
                           "TRANSFORMER": {"DIM_FEEDFORWARD": 64}}, "DATA": {"SEARCH": {"SIZE": 64}},
                 "TEST": {"SEARCH_SIZE": 64}}
    cfg = load_config("tiny", overrides)
    path = root.parent / "work" / "checkpoints" / "train" / "aiatrack" / "tiny" / "AIATRACK_ep0001.pth.tar"
    path.parent.mkdir(parents=True)
    torch.save({"epoch": 1, "net": build_aiatrack(cfg).state_dict(), "config": cfg.to_dict()}, path)
    assert _train(root, "--override=MODEL.HIDDEN_DIM=48", "--override=TRAIN.EPOCH=2") == 2
    line = _one_error_line(capsys.readouterr().err)
    assert f"{path}: cannot resume: written for another model" in line
    assert "MODEL.HIDDEN_DIM (checkpoint 32, now 48)" in line and "TRAIN.EPOCH (checkpoint 20, now 2)" in line


@pytest.mark.parametrize("flag", ["--local-rank=1", "--local_rank=1", "--local-rank"])
def test_launcher_rank_flag_is_accepted(flag):
    argv = ["--config", "tiny", flag] + (["1"] if flag == "--local-rank" else [])
    assert parse_args(argv).config == "tiny"


@pytest.mark.slow
def test_torch_distributed_launch_runs_the_script(tmp_path):
    # torch 2's deprecated launcher passes --local-rank=0; the script must reach its own checks.
    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT), "OMP_NUM_THREADS": "1"}
    result = subprocess.run([sys.executable, "-m", "torch.distributed.launch", "--nproc_per_node", "1",
                             str(REPO_ROOT / "tracking" / "train.py"), "--config", "tiny", "--settings",
                             str(tmp_path / "nonexistent.yaml")], env=env, capture_output=True, text=True,
                            timeout=300, cwd=tmp_path)
    assert "unrecognized arguments" not in result.stderr
    assert f"settings file given: {tmp_path / 'nonexistent.yaml'} does not exist" in result.stderr


@pytest.mark.parametrize("flag, env, expected", [([], None, 1), ([], "3", 3), (["--torch-threads", "2"], "3", 2)])
def test_cpu_threads(root, monkeypatch, flag, env, expected):
    if env is None:
        monkeypatch.delenv("OMP_NUM_THREADS", raising=False)
    else:
        monkeypatch.setenv("OMP_NUM_THREADS", env)
    torch.set_num_threads(4)
    try:
        (_sequence(root) / "groundtruth.txt").write_text("")  # stop right after the threads are set
        assert _train(root, *flag) == 2
        assert torch.get_num_threads() == expected
    finally:
        torch.set_num_threads(1)
