"""tracking/test.py never hangs, stops early when it cannot succeed and reports bad input in one line.

The process-level cases (a worker killed, Ctrl-C, a file-size limit standing in for a full disk) run
``tracking/test.py`` as a real subprocess, as a user would.
"""
from __future__ import annotations

import os
import resource
import signal
import subprocess
import sys
import time
from pathlib import Path

import cv2
import numpy as np
import pytest

from lib.test.evaluation.run_identity import claim_run_dir, run_identity
from lib.trackers import load_config
from lib.utils.settings import Settings, save_settings
from lib.utils.synthetic import render_video, write_got10k

from tests.conftest import REPO_ROOT
from tracking.test import main

PREFIX = "GOT-10k_Val_"


def _settings(tmp_path: Path, videos, **entries) -> Path:
    write_got10k(tmp_path / "got10k", videos, split="val")
    settings = Settings(got10k_dir=str(tmp_path / "got10k"), results_dir=str(tmp_path / "results"),
                        workspace_dir=str(tmp_path / "work"), **entries)
    save_settings(settings, tmp_path / "settings.yaml")
    return tmp_path / "settings.yaml"


def _args(settings: Path, checkpoint: Path, *extra: str) -> list[str]:
    return ["aiatrack", "tiny", "--dataset", "got10k_val", "--settings", str(settings), "--checkpoint",
            str(checkpoint), "--no-progress", "--torch-threads", "1", *extra]


def _results(settings: Path) -> Path:
    return settings.parent / "results" / "aiatrack" / "tiny" / "got10k"


def _videos(*lengths: int) -> list:
    return [render_video(11, i, num_frames=n, height=96, width=128, min_size=12, max_size=40)
            for i, n in enumerate(lengths)]


def _spawn(args: list[str], **kwargs) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT), "PYTHONDONTWRITEBYTECODE": "1", "OMP_NUM_THREADS": "1"}
    return subprocess.Popen([sys.executable, str(REPO_ROOT / "tracking" / "test.py"), *args], cwd=REPO_ROOT,
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, **kwargs)


def _wait_for(condition, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.1)


def _children(pid: int) -> list[int]:
    """Pids whose parent is ``pid`` (from /proc)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(entry.name))
    return found


@pytest.mark.slow
def test_killed_worker_is_reported_and_the_run_ends(tmp_path, tiny_checkpoint, capsys):
    settings = _settings(tmp_path, _videos(8, 40, 40))
    folder = _results(settings)
    run = _spawn(_args(settings, tiny_checkpoint, "--threads", "2"))
    try:
        # The first (short) sequence is written while the long ones are tracked; on a loaded machine the
        # other worker may still be building its tracker, so both outcomes are checked below.
        _wait_for(lambda: (folder / f"{PREFIX}000001.txt").is_file(), 120, "the first result")
        workers = [pid for pid in _children(run.pid)
                   if "spawn_main" in Path(f"/proc/{pid}/cmdline").read_text(errors="replace")]
        assert len(workers) == 2
        os.kill(workers[0], signal.SIGKILL)  # what the out-of-memory killer does
        out, err = run.communicate(timeout=120)  # used to hang forever here
    finally:
        run.kill()
    assert run.returncode == 1
    lost = [line for line in err.splitlines() if "died (killed by SIGKILL)" in line]
    assert len(lost) == 1 and f"worker process {workers[0]}" in lost[0]
    assert "Traceback" not in err
    kept = sorted(p.name for p in folder.glob(f"{PREFIX}*[0-9].txt"))
    assert all((folder / name.replace(".txt", "_time.txt")).is_file() for name in kept)  # whole pairs only
    lost_name = lost[0].split("FAILED ", 1)[1].split(":", 1)[0]
    if lost_name.startswith(PREFIX):  # the usual case: the killed worker was tracking a sequence
        assert not (folder / f"{lost_name}.txt").exists() and not (folder / f"{lost_name}_time.txt").exists()
    else:  # on a loaded machine the killed worker may still have been building its tracker
        assert "while building the tracker" in lost[0] or "between two sequences" in lost[0], lost[0]
    # The first result and any other sequence in flight finished and were kept (the other worker may
    # not have started tracking yet); no sequence started after the death.
    assert f"{PREFIX}000001.txt" in kept and 1 <= len(kept) <= 2
    # The rerun resumes: only the sequences without results are tracked.
    capsys.readouterr()
    assert main(_args(settings, tiny_checkpoint)) == 0
    assert f"{3 - len(kept)} sequence(s) tracked, {len(kept)} skipped" in capsys.readouterr().out


@pytest.mark.slow
def test_killed_batched_worker_loses_every_sequence_in_flight(tmp_path, tiny_checkpoint, capsys):
    settings = _settings(tmp_path, _videos(8, 150, 150))
    folder = _results(settings)
    run = _spawn(_args(settings, tiny_checkpoint, "--threads", "1", "--batch", "2"))
    try:  # the worker tracks sequences 1 and 2 together; sequence 3 joins when 1 is written
        _wait_for(lambda: (folder / f"{PREFIX}000001.txt").is_file(), 120, "the first result")
        workers = [pid for pid in _children(run.pid)
                   if "spawn_main" in Path(f"/proc/{pid}/cmdline").read_text(errors="replace")]
        assert len(workers) == 1
        os.kill(workers[0], signal.SIGKILL)
        out, err = run.communicate(timeout=120)
    finally:
        run.kill()
    assert run.returncode == 1 and "Traceback" not in err
    lost = sorted(line.split("FAILED ", 1)[1].split(":", 1)[0] for line in err.splitlines()
                  if f"worker process {workers[0]} died (killed by SIGKILL)" in line)
    assert lost == [f"{PREFIX}000002", f"{PREFIX}000003"]
    assert sorted(p.name for p in folder.iterdir()) == [f"{PREFIX}000001.txt", f"{PREFIX}000001_time.txt"]
    capsys.readouterr()
    assert main(_args(settings, tiny_checkpoint, "--batch", "2")) == 0  # the rerun resumes
    assert "2 sequence(s) tracked, 1 skipped" in capsys.readouterr().out


@pytest.mark.slow
@pytest.mark.parametrize("threads, batch", [("0", "1"), ("1", "1"), ("0", "2"), ("1", "2")])
def test_ctrl_c_prints_one_line(tmp_path, tiny_checkpoint, threads, batch):
    settings = _settings(tmp_path, _videos(6, 80))
    folder = _results(settings)
    run = _spawn(_args(settings, tiny_checkpoint, "--threads", threads, "--batch", batch), start_new_session=True)
    try:
        _wait_for(lambda: (folder / f"{PREFIX}000001.txt").is_file(), 120, "the first result")
        os.killpg(run.pid, signal.SIGINT)  # Ctrl-C in a terminal signals the whole process group
        out, err = run.communicate(timeout=60)
    finally:
        run.kill()
    assert run.returncode == 130
    assert err.strip().splitlines() == [f"interrupted: 1 sequence(s) done in this run, results in "
                                        f"{folder.parent}; re-run the same command to resume"]
    assert not (folder / f"{PREFIX}000002.txt").exists()


def _limit_file_size(limit: int):
    def apply() -> None:  # in the child: writes beyond ``limit`` bytes fail with EFBIG instead of killing it
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, resource.getrlimit(resource.RLIMIT_FSIZE)[1]))
    return apply


def test_unwritable_results_stop_the_run_and_leave_no_half_pair(tmp_path, tiny_checkpoint):
    # A 190-byte file size limit: the time file of a 20-frame sequence (9 bytes a line) fits, its box
    # file (at least 10 bytes a line: w, h >= 10) does not,
    # as when the disk fills up between the two.
    settings = _settings(tmp_path, _videos(20, 20, 20))
    # the run record is written before tracking, when the disk still had room
    claim_run_dir(_results(settings).parent, run_identity("aiatrack", load_config("tiny").to_dict(), tiny_checkpoint, {}))
    run = _spawn(_args(settings, tiny_checkpoint), preexec_fn=_limit_file_size(190))
    out, err = run.communicate(timeout=300)
    folder = _results(settings)
    assert run.returncode == 1
    assert f"FAILED {PREFIX}000001: cannot write {folder / PREFIX}000001.txt: File too large" in err
    assert "2 sequence(s) not run" in err  # stopped instead of tracking the rest in full
    assert sorted(p.name for p in folder.iterdir()) == []  # neither file of the pair, no temporary file
    assert "Traceback" not in err


def test_results_folder_that_is_a_file_is_refused_before_tracking(tmp_path, tiny_checkpoint, capsys):
    settings = _settings(tmp_path, _videos(4))
    blocker = tmp_path / "results" / "aiatrack" / "tiny"
    blocker.parent.mkdir(parents=True)
    blocker.write_text("not a folder")
    assert main(_args(settings, tiny_checkpoint)) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"error: results folder {blocker} is not usable") and len(err.splitlines()) == 1


@pytest.mark.parametrize("first_line, problem", [
    ("10,20,0,30", "has a zero or negative width or height"),
    ("10,20,-5,30", "has a zero or negative width or height"),
    ("400,300,50,40", "lies entirely outside the 128x96 image"),
])
def test_bad_first_frame_box_names_file_and_line(tmp_path, tiny_checkpoint, capsys, first_line, problem):
    settings = _settings(tmp_path, _videos(4, 4))
    gt = tmp_path / "got10k" / "val" / f"{PREFIX}000002" / "groundtruth.txt"
    lines = gt.read_text().splitlines()
    gt.write_text("\n".join([first_line] + lines[1:]) + "\n")
    assert main(_args(settings, tiny_checkpoint)) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"error: {gt}, line 1: first-frame box") and problem in err
    assert not _results(settings).exists()  # refused before tracking anything


def test_progress_counts_frames(tmp_path, tiny_checkpoint, capsys):
    settings = _settings(tmp_path, _videos(5, 7))
    assert main(_args(settings, tiny_checkpoint)[:-3]) == 0  # without --no-progress and --torch-threads
    err = capsys.readouterr().err
    assert "12/12 [" in err and "frame/s" in err and "seq=2/2" in err


def test_sequence_runs_only_the_named_folder(tmp_path, tiny_checkpoint, capsys):
    # An OTB root holding only Deer/ (71 frames): the bare name selects otb_Deer.
    video = render_video(3, 0, num_frames=71, height=96, width=128, min_size=12, max_size=40)
    root = tmp_path / "OTB100"
    (root / "Deer" / "img").mkdir(parents=True)
    for index, frame in enumerate(video.frames, start=1):
        cv2.imwrite(str(root / "Deer" / "img" / f"{index:04d}.jpg"), cv2.cvtColor(frame, cv2.COLOR_RGB2BGR))
    np.savetxt(root / "Deer" / "groundtruth_rect.txt", video.boxes_xywh, fmt="%d", delimiter=",")
    settings = Settings(otb_dir=str(root), results_dir=str(tmp_path / "results"))
    save_settings(settings, tmp_path / "settings.yaml")
    args = ["aiatrack", "tiny", "--dataset", "otb", "--settings", str(tmp_path / "settings.yaml"),
            "--checkpoint", str(tiny_checkpoint), "--no-progress", "--sequence", "Deer"]
    assert main(args) == 0
    assert "1 sequence(s) tracked" in capsys.readouterr().out
    rows = np.loadtxt(tmp_path / "results" / "aiatrack" / "tiny" / "otb_Deer.txt", delimiter=",")
    assert rows.shape == (71, 4)


@pytest.mark.parametrize("via_env", [False, True])
def test_settings_file_that_was_named_must_exist(tmp_path, tiny_checkpoint, capsys, monkeypatch, via_env):
    missing = tmp_path / "nonexistent.yaml"
    args = ["aiatrack", "tiny", "--dataset", "got10k_val", "--checkpoint", str(tiny_checkpoint)]
    if via_env:
        monkeypatch.setenv("AIATRACK_SETTINGS", str(missing))
    else:
        args += ["--settings", str(missing)]
    monkeypatch.chdir(tmp_path)
    assert main(args) == 2
    assert f"{missing} does not exist" in capsys.readouterr().err
    assert not (tmp_path / "output").exists()
