"""scripts/gpu_check.py without a GPU: a row that raises is recorded as FAILED under its check's name."""
from __future__ import annotations

import pytest

from scripts.gpu_check import add_row, main


def test_a_raising_row_is_failed_and_the_next_rows_still_run(capsys: pytest.CaptureFixture[str]) -> None:
    rows: list[tuple[str, str]] = []
    add_row(rows, "siamattn cuda fp32", lambda: 1 / 0)
    add_row(rows, "train step none", lambda: ("train step none", "12 ms/step"))
    assert rows == [("siamattn cuda fp32", "FAILED (ZeroDivisionError: division by zero)"),
                    ("train step none", "12 ms/step")]
    assert "  siamattn cuda fp32: FAILED" in capsys.readouterr().out


def test_without_cuda_it_refuses_in_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    import torch

    if torch.cuda.is_available():
        pytest.skip("a CUDA device is present: the script would run every check")
    assert main([]) == 2
    assert capsys.readouterr().err.strip() == "error: no CUDA device is available; run this on a GPU machine"
