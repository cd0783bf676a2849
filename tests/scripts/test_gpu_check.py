"""scripts/gpu_check.py without a GPU: its rows run on the CPU, and the driver isolates failures and time-outs.

The rows take the device as an argument, so the same code a GPU owner runs is exercised here on the CPU
(CPU against CPU must agree exactly, a training step must give finite losses).
"""
from __future__ import annotations

import re

import pytest
import torch

from scripts import gpu_check
from scripts.gpu_check import (Row, batch_speed_row, benchmark_row, consistency_row, decode_row, main, measure_one,
                               rows, run, speed_row, train_row)


@pytest.mark.parametrize("tracker_name", ["aiatrack", "siamattn"])
def test_consistency_row_of_the_cpu_against_itself_is_exact(tracker_name):
    result = consistency_row(tracker_name, "fp32", "cpu", frames=4)
    assert result == ("vs CPU fp32 over 4 frames: max box diff 0.00e+00 px, first frame > 1 px: none, "
                      "0 decisions differ")


@pytest.mark.parametrize("tracker_name", ["aiatrack", "siamattn"])
def test_train_row_runs_a_bf16_step_from_the_real_pipeline(tracker_name):
    result = train_row(tracker_name, "bf16", "cpu", steps=1, experiment="tiny")
    assert re.fullmatch(r"\d+ ms/step, [\d.]+ samples/s \(batch \d+, loader excluded\)", result), result


@pytest.mark.parametrize("batch", [1, 3])
def test_benchmark_row_runs_test_py_and_reads_its_speed(batch):
    result = benchmark_row(0, "cpu", batch=batch, videos=4, frames=5, height=96, width=128)
    assert re.fullmatch(r"4 x 5-frame 128x96 sequences \(tiny\): [\d.]+ frames/s overall, \d+ sequences/hour",
                        result), result


def test_batch_speed_row_reads_the_aggregate_speed():
    result = batch_speed_row("aiatrack", "fp32", "cpu", 2, 13, ("--config", "tiny", "--height", "96", "--width", "128"))
    assert re.fullmatch(r"[\d.]+ ms/step median, [\d.]+ frames/s aggregate \(batch 2\)", result), result


def test_speed_row_passes_the_engine_to_tracker_speed():
    small = ("--config", "tiny", "--height", "96", "--width", "128")
    result = speed_row("aiatrack", "fp32", "cpu", 23, ("--engine", "eager", *small))
    assert re.fullmatch(r"[\d.]+ ms/frame median, [\d.]+ fps \(batch 1, 640x480, crop incl.\)", result), result
    assert speed_row("siamattn", "fp32", "cpu", 23, ("--engine", "graphs", *small)) == \
        "FAILED (error: the graphs engine runs on CUDA devices only, not cpu; use the eager engine there)"


def test_decode_row_reads_every_rate():
    result = decode_row(frames=4, processes=(1, 2), size=(128, 96))
    expected = r"128x96 JPEG frames/s: cpu x1 [\d.]+, cpu x2 [\d.]+, " + (
        r"cuda decode_jpeg \(batch 16\) [\d.]+, max pixel diff \d+" if torch.cuda.is_available() else "cuda not measured")
    assert re.fullmatch(expected, result), result


def test_a_raising_row_is_failed_under_its_name():
    assert measure_one(Row("fps siamattn fp32", 1, lambda device: 1 / 0), "cpu") == \
        "FAILED (ZeroDivisionError: division by zero)"


def test_a_hanging_command_is_stopped_at_its_limit():
    code, out = run(["sleep", "30"], timeout=1)
    assert (code, out) == (124, "timed out after 1 s")


def test_every_row_has_a_unique_name_and_a_limit_within_the_budget():
    table = rows(frames=300, steps=10)
    names = [row.name for row in table]
    assert len(names) == len(set(names))
    assert {"consistency aiatrack fp32", "consistency siamattn fp32", "fps aiatrack tf32", "fps siamattn tf32",
            "test.py threads 0", "test.py threads 4", "test.py batch 8 1280x720", "fps batch 8 aiatrack bf16",
            "fps batch 8 siamattn fp32", "decode 1280x720", "train aiatrack bf16", "train siamattn bf16",
            "fixture siamattn A", "fps engine graphs aiatrack fp32", "fps engine graphs aiatrack bf16",
            "fps engine compile aiatrack fp32", "fps engine compile aiatrack bf16",
            "fps engine graphs siamattn fp32"} <= set(names)
    assert all(0 < row.timeout <= 300 for row in table)


def test_a_child_row_reports_a_failure_as_a_json_line(monkeypatch, capsys):
    monkeypatch.setattr(gpu_check, "rows", lambda frames, steps: [Row("broken", 1, lambda device: 1 / 0)])
    assert main(["--row", "broken"]) == 0
    assert capsys.readouterr().out.strip() == '{"result": "FAILED (ZeroDivisionError: division by zero)"}'


def test_without_cuda_it_refuses_in_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    if torch.cuda.is_available():
        pytest.skip("a CUDA device is present: the script would run every check")
    assert main([]) == 2
    assert capsys.readouterr().err.strip() == "error: no CUDA device is available; run this on a GPU machine"
