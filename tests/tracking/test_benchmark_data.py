"""tracking/benchmark_data.py runs end to end on a tiny synthetic set and reports every stage."""
from __future__ import annotations

from tracking.benchmark_data import main


def test_benchmark_reports_rate_and_breakdown(capsys):
    assert main(["--samples", "3", "--warmup", "1", "--videos", "2", "--frames", "20"]) == 0
    out = capsys.readouterr().out
    assert "samples/s" in out
    for stage in ("decode", "crop", "augment", "other"):
        assert f"  {stage}" in out


def test_benchmark_missing_dataset_is_a_clear_error(tmp_path, capsys):
    assert main(["--got10k-dir", str(tmp_path / "nowhere"), "--samples", "1"]) == 1
    assert "nowhere" in capsys.readouterr().err
