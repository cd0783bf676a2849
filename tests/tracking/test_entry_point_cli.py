"""The command line every entry point shares (lib/utils/cli.py): no abbreviations, --setting, one thread
policy, refused flags that would be ignored, early checks, and outputs named by tracker and experiment.

Where the behaviour is at the command line the scripts run as real subprocesses, as a user runs them.
"""
from __future__ import annotations

import importlib
import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import cv2
import numpy as np
import pytest
import torch

from lib.trackers import load_config
from lib.trackers.weights import choose_weights, resolve_config
from lib.utils.synthetic import write_got10k

from tests.conftest import REPO_ROOT

# Every entry point with a command line (module, arguments placed before the probe option).
ENTRY_POINTS = [(".".join(path.relative_to(REPO_ROOT).with_suffix("").parts), [])
                for path in sorted((REPO_ROOT / "tracking").rglob("*.py")) if "def main(" in path.read_text()]
ENTRY_POINTS += [("tracking.pack_submission", ["got10k"]), ("scripts.gpu_check", []), ("lib.test.vot_trax", [])]
NAMES = ["GOT-10k_Val_000001", "GOT-10k_Val_000002"]


def _run(script: str, *args: str, cwd: Path) -> subprocess.CompletedProcess:
    """``python <script> args`` from ``cwd``, with no settings from this environment."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("AIATRACK_")}
    env.update(PYTHONPATH=str(REPO_ROOT), OMP_NUM_THREADS="1", PYTHONDONTWRITEBYTECODE="1")
    return subprocess.run([sys.executable, str(REPO_ROOT / script), *args], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=600)


def _error_lines(result: subprocess.CompletedProcess) -> list[str]:
    return [line for line in result.stderr.splitlines() if line.strip()]


@pytest.mark.parametrize("module, before", ENTRY_POINTS, ids=[f"{m}{' ' if b else ''}{' '.join(b)}"
                                                               for m, b in ENTRY_POINTS])
def test_a_prefix_of_an_option_is_refused_in_one_line(module, before, capsys):
    # '--hel' was read as '--help' (exit 0); '--setting' as '--settings' in the same way.
    with pytest.raises(SystemExit) as info:
        importlib.import_module(module).main([*before, "--hel"])
    assert info.value.code == 2
    assert capsys.readouterr().err.count("\n") == 1


# The experiment is --config in every command that takes it by option (--param stays accepted).

@pytest.mark.parametrize("module, argv", [("tracking.analysis_results", ["--tracker", "a", "--dataset", "otb"]),
                                          ("tracking.pack_submission", ["got10k", "--tracker", "a"])])
def test_config_names_the_experiment_as_param_does(module, argv):
    parse_args = importlib.import_module(module).parse_args
    assert parse_args([*argv, "--config", "b"]).param == parse_args([*argv, "--param", "b"]).param


# Item 11: --setting NAME=PATH in the scripts, not read as --settings.

def test_setting_flags_in_test_and_analysis(synthetic_videos, tiny_checkpoint, tmp_path):
    write_got10k(tmp_path / "got10k", synthetic_videos, split="val")
    settings = [f"--setting=got10k_dir={tmp_path / 'got10k'}", "--setting", f"results_dir={tmp_path / 'res'}"]
    tracked = _run("tracking/test.py", "aiatrack", "tiny", "--dataset", "got10k_val", "--checkpoint",
                   str(tiny_checkpoint), "--no-progress", *settings, cwd=tmp_path)
    assert tracked.returncode == 0, tracked.stderr
    results = tmp_path / "res" / "aiatrack" / "tiny" / "got10k"
    assert sorted(p.name for p in results.glob("*.txt")) == sorted(f"{n}{s}.txt" for n in NAMES for s in ("", "_time"))

    scored = _run("tracking/analysis_results.py", "--tracker", "aiatrack", "--param", "tiny", "--dataset", "got10k_val",
                  *settings, "--setting", f"result_plots_dir={tmp_path / 'plots'}", "--no-progress", cwd=tmp_path)
    assert scored.returncode == 0, scored.stderr
    assert list((tmp_path / "plots").rglob("*.png"))


def test_setting_flag_in_visualize_attention(synthetic_videos, tmp_path):
    write_got10k(tmp_path / "got10k", synthetic_videos, split="val")
    from tracking.dev.visualize_attention import main

    out = tmp_path / "attention"
    assert main(["--dataset", "got10k_val", "--sequence", NAMES[0], "--setting", f"got10k_dir={tmp_path / 'got10k'}",
                 "--frame", "2", "--output", str(out)]) == 0
    assert (out / "corner_scores.png").is_file()


@pytest.mark.parametrize("module, before", [("tracking.test", ["aiatrack", "tiny"]),
                                            ("tracking.train", []),
                                            ("tracking.analysis_results", ["--tracker", "a", "--param", "b",
                                                                           "--dataset", "otb"]),
                                            ("tracking.dev.visualize_attention", ["--dataset", "otb", "--sequence", "x"]),
                                            ("tracking.create_lmdb", ["got10k"]),
                                            ("tracking.dev.loader_speed", []),
                                            ("tracking.pack_submission", ["got10k", "--tracker", "a", "--param", "b"])])
def test_every_settings_reader_takes_setting(module, before, capsys):
    with pytest.raises(SystemExit) as info:
        importlib.import_module(module).main([*before, "--setting", "lasot_dri=/data/lasot"])
    assert info.value.code == 2
    assert "unknown setting 'lasot_dri'" in capsys.readouterr().err


# Item 5: --repetitions where it would be ignored.

@pytest.mark.parametrize("dataset", ["got10k_val", "vot20"])
def test_repetitions_outside_supervised_vot_are_refused(synthetic_settings, tiny_checkpoint, tmp_path, dataset):
    result = _run("tracking/test.py", "aiatrack", "tiny", "--dataset", dataset, "--repetitions", "3", "--checkpoint",
                  str(tiny_checkpoint), "--settings", str(synthetic_settings), "--no-progress", cwd=tmp_path)
    assert result.returncode == 2
    (line,) = _error_lines(result)
    assert "--repetitions" in line and "--run-id" in line
    assert not (tmp_path / "results").exists()


# Item 12: a --query outside the search crop is refused before any frame is tracked.

def test_query_outside_the_crop_is_refused_before_tracking(synthetic_videos, tmp_path):
    video = synthetic_videos[0]
    folder = tmp_path / "frames"
    folder.mkdir()
    cv2.imwrite(str(folder / "00000.png"), cv2.cvtColor(video.frames[0], cv2.COLOR_RGB2BGR))
    for index in range(1, 6):  # frames that cannot be decoded: tracking them would fail differently
        (folder / f"{index:05d}.png").write_bytes(b"not a png")
    box = ",".join(str(int(v)) for v in video.boxes_xywh[0])
    size = resolve_config(choose_weights().config).TEST.SEARCH_SIZE
    result = _run("tracking/dev/visualize_attention.py", "--video", str(folder), "--init-bbox", box, "--frame", "5",
                  "--query", f"{size + 10},20", "--output", str(tmp_path / "out"), cwd=tmp_path)
    assert result.returncode == 2
    (line,) = _error_lines(result)
    assert f"--query {size + 10}" in line and f"{size}x{size}" in line
    assert not (tmp_path / "out").exists()


def _readme_commands(script: str) -> list[list[str]]:
    text = (REPO_ROOT / "README.md").read_text().replace("\\\n", " ")
    return [shlex.split(line.split("#")[0])[2:] for line in text.splitlines()
            if line.strip().startswith(f"python tracking/{script}")]


def test_readme_attention_examples_query_inside_the_crop():
    from tracking.dev.visualize_attention import parse_args

    commands = _readme_commands("dev/visualize_attention.py")
    assert any("--query" in command for command in commands)
    for command in commands:
        args = parse_args(command)
        if args.query:
            size = load_config(args.config).TEST.SEARCH_SIZE if args.config else \
                resolve_config(choose_weights(args.checkpoint).config).TEST.SEARCH_SIZE
            assert all(0 <= v < size for point in args.query for v in point), (command, size)


# Item 13: one thread policy (--torch-threads, else $OMP_NUM_THREADS, else 1) in every entry point.

@pytest.fixture()
def two_threads(monkeypatch):
    monkeypatch.delenv("OMP_NUM_THREADS", raising=False)
    torch.set_num_threads(2)
    yield
    torch.set_num_threads(1)


def _video_file(path: Path, frames: np.ndarray) -> Path:
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"mp4v"), 10.0, frames.shape[2:0:-1])
    for frame in frames:
        writer.write(cv2.cvtColor(frame, cv2.COLOR_RGB2BGR))
    writer.release()
    return path


def test_thread_policy_video_demo(two_threads, synthetic_videos, tmp_path):
    from tracking.video_demo import main

    video = synthetic_videos[0]
    clip = _video_file(tmp_path / "clip.avi", video.frames[:3])
    box = ",".join(str(int(v)) for v in video.boxes_xywh[0])
    assert main([str(clip), "--init-bbox", box, "--output", str(tmp_path / "o.mp4"), "--no-progress"]) == 0
    assert torch.get_num_threads() == 1


def test_thread_policy_test_py(two_threads, synthetic_settings, tiny_checkpoint):
    from tracking.test import main

    assert main(["aiatrack", "tiny", "--dataset", "got10k_val", "--settings", str(synthetic_settings), "--sequence",
                 NAMES[0], "--checkpoint", str(tiny_checkpoint), "--no-progress"]) == 0
    assert torch.get_num_threads() == 1


def test_thread_policy_visualize_attention(two_threads, synthetic_settings, tmp_path):
    from tracking.dev.visualize_attention import main

    assert main(["--dataset", "got10k_val", "--sequence", NAMES[0], "--settings", str(synthetic_settings),
                 "--frame", "1", "--output", str(tmp_path / "a")]) == 0
    assert torch.get_num_threads() == 1


# Item 14: outputs of different trackers (and experiments) do not overwrite each other.

def test_demo_outputs_are_named_by_tracker(synthetic_videos, tmp_path):
    video = synthetic_videos[0]
    clip = _video_file(tmp_path / "clip.avi", video.frames[:4])
    box = ",".join(str(int(v)) for v in video.boxes_xywh[0])
    for tracker in ("aiatrack", "siamattn"):
        result = _run("tracking/video_demo.py", str(clip), "--tracker", tracker, "--init-bbox", box, "--no-progress",
                      cwd=tmp_path)
        assert result.returncode == 0, result.stderr
    videos = sorted(tmp_path.glob("clip_*.mp4"))
    # the shipped weights' stored config is named after the checkpoint, without repeating the tracker
    assert [p.name for p in videos] == ["clip_aiatrack_tiny_synthetic.mp4", "clip_siamattn_tiny_synthetic.mp4"]
    for path in videos:
        assert np.loadtxt(path.with_suffix(".txt"), delimiter=",").shape == (4, 4)


def test_quickstarts_of_both_trackers_keep_their_plots(tmp_path, capsys):
    from tracking.quickstart import main

    common = ["--workspace", str(tmp_path / "qs"), "--videos", "1", "--frames", "4", "--no-progress"]
    plots_dir = tmp_path / "qs" / "result_plots"
    assert main(common) == 0
    first = {p: p.read_bytes() for p in plots_dir.rglob("*.png")}
    assert first
    assert main([*common, "--tracker", "siamattn"]) == 0
    second = set(plots_dir.rglob("*.png")) - set(first)
    assert len(second) == len(first)
    assert {p: p.read_bytes() for p in first} == first
    assert all("aiatrack" in str(p) for p in first) and all("siamattn" in str(p) for p in second)


def test_attention_maps_need_only_the_named_sequence_on_disk(synthetic_settings, tmp_path):
    """--dataset with --sequence reads that sequence only: another listed sequence may be missing (a subset)."""
    import shutil

    from tracking.dev.visualize_attention import main

    shutil.rmtree(synthetic_settings.parent / "got10k" / "val" / "GOT-10k_Val_000002")
    assert main(["--dataset", "got10k_val", "--sequence", "GOT-10k_Val_000001", "--settings",
                 str(synthetic_settings), "--frame", "2", "--output", str(tmp_path / "maps")]) == 0
    assert len(list((tmp_path / "maps").glob("*.png"))) == 5


def test_a_missing_checkpoint_given_on_the_command_line_is_not_blamed_on_training(synthetic_settings, tmp_path,
                                                                                  capsys):
    from tracking.test import main

    common = ["aiatrack", "tiny", "--dataset", "got10k_val", "--settings", str(synthetic_settings), "--no-progress"]
    assert main([*common, "--checkpoint", str(tmp_path / "AIATRACK_ep0500.pth.tar")]) == 2
    err = capsys.readouterr().err
    assert err == f"error: checkpoint not found: {tmp_path / 'AIATRACK_ep0500.pth.tar'}\n"
    assert main(common) == 2                                     # the default: where training leaves it
    assert "train first or pass --checkpoint" in capsys.readouterr().err


def test_a_misspelled_hyper_parameter_row_is_refused_not_run_as_default(synthetic_videos, tmp_path, capsys):
    from tracking.dev.tracker_speed import main as speed_main
    from tracking.video_demo import main as demo_main

    video = synthetic_videos[0]
    clip = _video_file(tmp_path / "clip.avi", video.frames[:3])
    box = ",".join(str(int(v)) for v in video.boxes_xywh[0])
    assert demo_main([str(clip), "--init-bbox", box, "--hyper", "lsot", "--output", str(tmp_path / "o.mp4"),
                      "--no-progress"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "'lsot' is neither a benchmark" in err and "DEFAULT" in err
    assert not (tmp_path / "o.mp4").exists()
    assert demo_main([str(clip), "--init-bbox", box, "--hyper", "uav", "--output", str(tmp_path / "u.mp4"),
                      "--no-progress"]) == 0                       # a benchmark name (UAV has its own row)
    assert speed_main(["--config", "tiny", "--dataset", "lsot", "--frames", "8", "--warmup", "1"]) == 2
    assert "'lsot' is neither a benchmark" in capsys.readouterr().err
