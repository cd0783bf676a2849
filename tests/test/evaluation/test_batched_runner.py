"""``run_benchmark(..., batch=N)`` and ``tracking/test.py --batch N``: sequences tracked together write the files
of a one-at-a-time run; sequences of different lengths leave and join the batch; runs resume.

The drift tracker (``tests/trackers/drift_tracker.py``) has boxes known in closed form, so its batched results
are checked against a computation made here; the real tiny trackers are checked against their ``--batch 1`` run.
"""
from __future__ import annotations

import shutil
from pathlib import Path

import cv2
import numpy as np
import pytest
import torch

from lib.test.evaluation import load_benchmark
from lib.test.evaluation.runner import RunSummary, SequenceOutcome, TrackerSpec, run_benchmark
from lib.trackers import TRACKER_MODULES, get_plugin
from lib.utils.settings import Settings, save_settings
from lib.utils.synthetic import render_video, write_got10k
from tracking.test import main as run_test_py

PREFIX = "GOT-10k_Val_"
LENGTHS = (3, 9, 2, 6, 5)  # different lengths: sequences leave the batch at different steps and others join
STEP = (2.0, -1.0)  # the drift tracker's weight, pixels per frame


def _benchmark(tmp_path: Path, lengths=LENGTHS) -> tuple[Path, list]:
    videos = [render_video(5, i, num_frames=n, height=96, width=128, min_size=12, max_size=40)
              for i, n in enumerate(lengths)]
    write_got10k(tmp_path / "got10k", videos, split="val")
    save_settings(Settings(got10k_dir=str(tmp_path / "got10k"), results_dir=str(tmp_path / "results"),
                           workspace_dir=str(tmp_path / "work")), tmp_path / "settings.yaml")
    return tmp_path / "settings.yaml", videos


@pytest.fixture()
def drift(monkeypatch, tmp_path) -> TrackerSpec:
    monkeypatch.setitem(TRACKER_MODULES, "drift", "tests.trackers.drift_tracker")
    (tmp_path / "drift.yaml").write_text("TEST: {HYPER: {DEFAULT: [1.0]}}\n")
    torch.save({"net": {"step": torch.tensor(STEP)}}, tmp_path / "drift.pth")
    return TrackerSpec("drift", str(tmp_path / "drift.yaml"), str(tmp_path / "drift.pth"))


def _files(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.glob(f"{PREFIX}*[0-9].txt"))}


@pytest.mark.parametrize("batch", [2, 3, 8])
def test_drift_batched_writes_the_closed_form_boxes_of_every_sequence(tmp_path, drift, batch):
    settings, videos = _benchmark(tmp_path)
    sequences = load_benchmark("got10k_val", Settings(got10k_dir=str(tmp_path / "got10k")))
    summary = run_benchmark(drift, sequences, "got10k_val", tmp_path / "batched", progress=False, batch=batch)
    out = tmp_path / "batched" / "got10k"
    assert [o.name for o in summary.failed] == [] and len(summary.done) == len(LENGTHS)
    assert summary.frames == sum(LENGTHS)
    for index, video in enumerate(videos):
        boxes = np.loadtxt(out / f"{PREFIX}{index + 1:06d}.txt", delimiter=",", ndmin=2)
        expected = video.boxes_xywh[0] + np.arange(len(video.frames))[:, None] * np.array([*STEP, 0.0, 0.0])
        np.testing.assert_allclose(boxes, expected, atol=1e-9)
        times = np.loadtxt(out / f"{PREFIX}{index + 1:06d}_time.txt", ndmin=1)
        assert times.shape == (len(video.frames),) and (times >= 0).all()
    run_benchmark(drift, sequences, "got10k_val", tmp_path / "one", progress=False)
    assert _files(out) == _files(tmp_path / "one" / "got10k")


def test_drift_batched_in_workers_matches_one_at_a_time(tmp_path, drift, monkeypatch):
    monkeypatch.setenv("AIATRACK_TRACKERS", "drift=tests.trackers.drift_tracker")  # the spawned workers' registry
    _benchmark(tmp_path)
    sequences = load_benchmark("got10k_val", Settings(got10k_dir=str(tmp_path / "got10k")))
    summary = run_benchmark(drift, sequences, "got10k_val", tmp_path / "workers", num_workers=2, batch=2,
                            progress=False)
    assert len(summary.done) == len(LENGTHS) and not summary.failed and not summary.not_run
    run_benchmark(drift, sequences, "got10k_val", tmp_path / "one", progress=False)
    assert _files(tmp_path / "workers" / "got10k") == _files(tmp_path / "one" / "got10k")


def test_an_unreadable_frame_fails_its_sequence_alone(tmp_path, drift):
    _benchmark(tmp_path)
    broken = tmp_path / "got10k" / "val" / f"{PREFIX}000002" / "00000004.jpg"
    broken.write_bytes(b"not a jpeg")
    sequences = load_benchmark("got10k_val", Settings(got10k_dir=str(tmp_path / "got10k")))
    summary = run_benchmark(drift, sequences, "got10k_val", tmp_path / "out", progress=False, batch=3)
    assert [o.name for o in summary.failed] == [f"{PREFIX}000002"]
    assert str(broken) in summary.failed[0].error
    written = sorted(_files(tmp_path / "out" / "got10k"))
    assert written == [f"{PREFIX}{i:06d}.txt" for i in (1, 3, 4, 5)]
    assert not (tmp_path / "out" / "got10k" / f"{PREFIX}000002_time.txt").exists()


def test_batch_is_refused_for_a_vot_task(tmp_path, drift):
    from lib.test.evaluation.vot_runner import MultistartTask
    with pytest.raises(ValueError, match="batch"):
        run_benchmark(drift, [], "vot", tmp_path, progress=False, task=MultistartTask(), batch=2)


def test_summary_speed_is_per_wall_clock():
    summary = RunSummary(done=[SequenceOutcome("a", 100, 2.0), SequenceOutcome("b", 50, 1.0)], wall_seconds=5.0)
    assert summary.wall_fps == pytest.approx(30.0)
    assert summary.sequences_per_hour == pytest.approx(2 * 3600 / 5.0)
    assert summary.fps == pytest.approx(50.0)


def _test_py(settings: Path, tracker: str, *extra: str) -> list[str]:
    checkpoint = get_plugin(tracker).embedded_checkpoint
    return [tracker, "tiny", "--dataset", "got10k_val", "--settings", str(settings), "--checkpoint", str(checkpoint),
            "--no-progress", "--torch-threads", "1", *extra]


@pytest.mark.parametrize("tracker", ["aiatrack", "siamattn"])
def test_real_tracker_batch_3_writes_the_results_of_batch_1(tmp_path, tracker, capsys):
    settings, _ = _benchmark(tmp_path, lengths=(4, 7, 3, 5))
    folder = tmp_path / "results" / tracker / "tiny" / "got10k"
    assert run_test_py(_test_py(settings, tracker, "--batch", "3")) == 0
    assert "sequences/hour" in capsys.readouterr().out
    batched = {name: np.loadtxt(folder / name, delimiter=",") for name in _files(folder)}
    shutil.rmtree(tmp_path / "results")
    assert run_test_py(_test_py(settings, tracker)) == 0
    assert sorted(batched) == sorted(_files(folder)) and len(batched) == 4
    for name, boxes in batched.items():  # the batched network step agrees within the fidelity tolerance
        np.testing.assert_allclose(boxes, np.loadtxt(folder / name, delimiter=","), atol=1e-2)


def test_batched_run_resumes_skipping_done_sequences(tmp_path, capsys):
    settings, _ = _benchmark(tmp_path, lengths=(4, 3, 5))
    folder = tmp_path / "results" / "aiatrack" / "tiny" / "got10k"
    assert run_test_py(_test_py(settings, "aiatrack", "--batch", "2")) == 0
    complete = _files(folder)
    for name in (f"{PREFIX}000002.txt", f"{PREFIX}000003.txt"):  # as if the run had stopped after the first
        (folder / name).unlink()
        (folder / name.replace(".txt", "_time.txt")).unlink()
    first = (folder / f"{PREFIX}000001.txt").stat().st_mtime_ns
    capsys.readouterr()
    assert run_test_py(_test_py(settings, "aiatrack", "--batch", "2")) == 0
    assert "2 sequence(s) tracked, 1 skipped" in capsys.readouterr().out
    assert (folder / f"{PREFIX}000001.txt").stat().st_mtime_ns == first  # not tracked again
    assert _files(folder) == complete


def test_batch_on_a_vot_benchmark_is_one_line_before_work(tmp_path, capsys):
    with pytest.raises(SystemExit) as stop:
        run_test_py(["aiatrack", "tiny", "--dataset", "vot18", "--batch", "2"])
    assert stop.value.code == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and "--batch applies to one-pass benchmarks" in err
