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


def test_tf32_on_cpu_gives_the_fp32_boxes_exactly(synthetic_settings, tiny_checkpoint):
    """TF32 exists on Ampere+ GPUs only: on a CPU the tf32 run must be the fp32 run, bit for bit."""
    base = ["aiatrack", "tiny", "--dataset", "got10k_val", "--settings", str(synthetic_settings), "--checkpoint",
            str(tiny_checkpoint), "--no-progress", "--torch-threads", "1"]
    assert main(base + ["--run-id", "1"]) == 0
    assert main(base + ["--run-id", "3", "--precision", "tf32"]) == 0
    results = synthetic_settings.parent / "results" / "aiatrack"
    for name in ("GOT-10k_Val_000001", "GOT-10k_Val_000002"):
        assert ((results / "tiny_001" / "got10k" / f"{name}.txt").read_bytes()
                == (results / "tiny_003" / "got10k" / f"{name}.txt").read_bytes())


def test_siamattn_runs_fp32_and_tf32_and_refuses_bf16_in_one_line(synthetic_settings, capsys):
    from lib.trackers.weights import embedded_checkpoint

    base = ["siamattn", "tiny", "--dataset", "got10k_val", "--settings", str(synthetic_settings), "--checkpoint",
            str(embedded_checkpoint("siamattn")), "--no-progress", "--torch-threads", "1", "--sequence",
            "GOT-10k_Val_000001"]
    assert main(base + ["--precision", "fp32", "--run-id", "1"]) == 0
    assert main(base + ["--precision", "tf32", "--run-id", "2"]) == 0
    capsys.readouterr()
    assert main(base + ["--precision", "bf16", "--run-id", "3"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "TEST.PRECISION must be one of fp32, tf32 for siamattn" in err
    results = synthetic_settings.parent / "results" / "siamattn"
    assert not (results / "tiny_003").exists()
    fp32 = (results / "tiny_001" / "got10k" / "GOT-10k_Val_000001.txt").read_bytes()
    assert fp32 == (results / "tiny_002" / "got10k" / "GOT-10k_Val_000001.txt").read_bytes()
