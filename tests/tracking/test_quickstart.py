"""tracking/quickstart.py: synthetic benchmark -> tracking -> analysis table and plots, weights stated."""
import numpy as np
import pytest

from tracking.quickstart import main


def test_quickstart_runs_the_whole_pipeline(tiny_checkpoint, tmp_path, capsys):
    workspace = tmp_path / "qs"
    args = ["--workspace", str(workspace), "--videos", "2", "--frames", "5", "--no-progress",
            "--checkpoint", str(tiny_checkpoint)]
    assert main(args) == 0
    out = capsys.readouterr().out
    assert f"Weights: AiATrack weights from {tiny_checkpoint}" in out
    assert "2 sequence(s) tracked" in out and "fps" in out
    assert "AUC" in out  # the analysis table
    plots = list((workspace / "result_plots" / "aiatrack" / "tiny_random").glob("got10k_val_*.png"))
    assert plots and all(p.stat().st_size > 0 for p in plots)
    results = workspace / "tracking_results" / "aiatrack" / "tiny_random" / "got10k"
    assert len(list(results.glob("GOT-10k_Val_*_time.txt"))) == 2

    # Re-running reuses the benchmark and the results.
    assert main(args) == 0
    out = capsys.readouterr().out
    assert "already at" in out and "0 sequence(s) tracked, 2 skipped" in out


def test_random_weights_are_announced(tmp_path, capsys, monkeypatch):
    import lib.trackers.weights as weights

    monkeypatch.setattr(weights, "embedded_checkpoint", lambda tracker: tmp_path / "absent.pth.tar")
    with pytest.warns(UserWarning, match="RANDOMLY INITIALISED"):
        assert main(["--workspace", str(tmp_path / "qs"), "--videos", "1", "--frames", "3", "--no-progress"]) == 0
    out = capsys.readouterr().out
    assert "RANDOMLY INITIALISED" in out and "!!!!" in out
    # the run is filed as random weights of the tiny config: one box per frame, the first the given one
    sequence = "GOT-10k_Val_000001"
    boxes = np.loadtxt(tmp_path / "qs" / "tracking_results" / "aiatrack" / "random_tiny" / "got10k" / f"{sequence}.txt",
                       delimiter=",", ndmin=2)
    ground_truth = np.loadtxt(tmp_path / "qs" / "got10k" / "val" / sequence / "groundtruth.txt", delimiter=",", ndmin=2)
    assert boxes.shape == (3, 4) and np.array_equal(boxes[0], ground_truth[0])
