"""tracking/test.py --precision: a bf16 run completes beside an fp32 one; a bad value is refused."""
import numpy as np
import pytest

from tracking.test import main


def test_bf16_run_writes_results_like_fp32(synthetic_settings, synthetic_videos, tiny_checkpoint, capsys):
    base = ["aiatrack", "tiny", "--dataset", "got10k_val", "--settings", str(synthetic_settings), "--checkpoint",
            str(tiny_checkpoint), "--no-progress", "--torch-threads", "1"]
    folder = synthetic_settings.parent / "results" / "aiatrack" / "tiny"
    assert main(base + ["--run-id", "1"]) == 0
    assert main(base + ["--run-id", "2", "--precision", "bf16"]) == 0
    assert "2 sequence(s) tracked" in capsys.readouterr().out
    name = "GOT-10k_Val_000001"
    fp32 = np.loadtxt(folder.parent / "tiny_001" / "got10k" / f"{name}.txt", delimiter=",")
    bf16 = np.loadtxt(folder.parent / "tiny_002" / "got10k" / f"{name}.txt", delimiter=",")
    assert fp32.shape == bf16.shape == (len(synthetic_videos[0]), 4)


def test_unknown_precision_is_an_argument_error(synthetic_settings, tiny_checkpoint):
    with pytest.raises(SystemExit):
        main(["aiatrack", "tiny", "--dataset", "got10k_val", "--settings", str(synthetic_settings),
              "--checkpoint", str(tiny_checkpoint), "--precision", "fp8"])
