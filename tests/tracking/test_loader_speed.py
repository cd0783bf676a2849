"""tracking/dev/loader_speed.py: the training pipeline timed on a synthetic GOT-10k root, per worker count or
(``--stages``) per stage of one worker."""
from __future__ import annotations

import re

import pytest

from tracking.dev.loader_speed import main


@pytest.mark.parametrize("tracker", ["aiatrack", "siamattn"])
def test_synthetic_pipeline_rates(tracker, tmp_path, capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["--tracker", tracker, "--workdir", str(tmp_path), "--videos", "2", "--frames", "24", "--width", "160",
            "--height", "120", "--batches", "1", "--batch-size", "2"]
    assert main(argv + ["--workers", "0", "1"]) == 0
    out = capsys.readouterr().out
    assert (tmp_path / "got10k_160x120_2x24" / "train" / "list.txt").is_file()
    assert f"{tracker} training pipeline (GOT10K_all), batch 2" in out
    assert float(re.search(r"workers 0: ([0-9.]+) samples/s \(main process\)", out).group(1)) > 0
    rate, per_worker = re.search(r"workers 1: ([0-9.]+) samples/s, ([0-9.]+) per worker", out).groups()
    assert rate == per_worker


def test_missing_settings_file_is_one_line(tmp_path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--settings", str(tmp_path / "none.yaml")]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and "none.yaml" in err and len(err.strip().splitlines()) == 1


def test_unusable_dataset_is_one_line(tmp_path, capsys: pytest.CaptureFixture[str]) -> None:
    """Videos too short for the AiATrack sampler: one line before any timing."""
    assert main(["--workdir", str(tmp_path), "--videos", "1", "--frames", "5", "--width", "96", "--height", "64",
                 "--workers", "0"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: training dataset GOT10K_all") and len(err.strip().splitlines()) == 1


SMALL = ["--videos", "2", "--frames", "24", "--width", "160", "--height", "120", "--batch-size", "2"]


def test_stages_split_one_workers_time(tmp_path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--workdir", str(tmp_path), *SMALL, "--stages", "--samples", "3", "--warmup", "1"]) == 0
    out = capsys.readouterr().out
    rate = float(re.search(r"one worker: ([0-9.]+) samples/s", out).group(1))
    shares = {m.group(1): float(m.group(2)) for m in re.finditer(r"^\s+(\w+)\s+[0-9.]+ ms/sample\s+([0-9.]+) %", out, re.M)}
    assert rate > 0 and set(shares) == {"decode", "crop", "augment", "other"}
    assert sum(shares.values()) == pytest.approx(100, abs=0.5)


def test_stages_of_a_sampler_without_stage_timers_are_refused_in_one_line(tmp_path, capsys) -> None:
    assert main(["--tracker", "siamattn", "--workdir", str(tmp_path), *SMALL, "--stages", "--samples", "2"]) == 2
    captured = capsys.readouterr()
    assert captured.err.count("\n") == 1 and "SiamAttn training sampler records no stage times" in captured.err
    assert "samples/s" not in captured.out
