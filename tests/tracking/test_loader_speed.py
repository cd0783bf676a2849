"""loader_speed.py: the training pipeline timed on a synthetic GOT-10k root, per worker count."""
from __future__ import annotations

import re

import pytest

from tracking.loader_speed import main


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
