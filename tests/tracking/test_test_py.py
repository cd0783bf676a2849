"""tracking/test.py end to end on a tiny synthetic GOT-10k validation set."""
import os

import numpy as np
import pytest

from lib.trackers import load_config

from tracking.test import main

NAMES = ["GOT-10k_Val_000001", "GOT-10k_Val_000002"]


def _args(settings, checkpoint, *extra):
    return ["aiatrack", "tiny", "--dataset", "got10k_val", "--settings", str(settings), "--checkpoint",
            str(checkpoint), "--no-progress", "--torch-threads", "1", *extra]


def _result_dir(settings):
    return settings.parent / "results" / "aiatrack" / "tiny" / "got10k"


def test_writes_official_results_and_resumes(synthetic_settings, synthetic_videos, tiny_checkpoint, capsys):
    assert main(_args(synthetic_settings, tiny_checkpoint)) == 0
    out = capsys.readouterr().out
    assert "2 sequence(s) tracked" in out and "fps" in out
    folder = _result_dir(synthetic_settings)
    for name, video in zip(NAMES, synthetic_videos):
        rows = [line.split(",") for line in (folder / f"{name}.txt").read_text().splitlines()]
        assert len(rows) == len(video) and all(len(row) == 4 for row in rows)
        boxes = np.array(rows, dtype=np.int64)  # integers, as the official writer truncates
        np.testing.assert_array_equal(boxes[0], np.trunc(video.boxes_xywh[0]))
        assert (boxes[1:, 2:] >= 10).all()  # clipped states keep at least 10 px
        times = np.loadtxt(folder / f"{name}_time.txt")
        assert times.shape == (len(video),) and (times > 0).all()
    assert not [p for p in folder.iterdir() if p.name.endswith(".tmp")]

    # Second run: everything exists, nothing is re-tracked or rewritten.
    stamps = {p.name: p.stat().st_mtime_ns for p in folder.iterdir()}
    assert main(_args(synthetic_settings, tiny_checkpoint)) == 0
    assert "0 sequence(s) tracked, 2 skipped" in capsys.readouterr().out
    assert {p.name: p.stat().st_mtime_ns for p in folder.iterdir()} == stamps

    # An interrupted run (one result missing) resumes with only that sequence.
    (folder / f"{NAMES[1]}.txt").unlink()
    assert main(_args(synthetic_settings, tiny_checkpoint)) == 0
    assert "1 sequence(s) tracked, 1 skipped" in capsys.readouterr().out
    assert (folder / f"{NAMES[1]}.txt").is_file()


def test_worker_processes_give_the_serial_results(synthetic_settings, tiny_checkpoint, tmp_path, capsys):
    assert main(_args(synthetic_settings, tiny_checkpoint, "--sequence", NAMES[0])) == 0
    serial = (_result_dir(synthetic_settings) / f"{NAMES[0]}.txt").read_text()
    assert main(_args(synthetic_settings, tiny_checkpoint, "--threads", "2", "--run-id", "1")) == 0
    assert "2 sequence(s) tracked" in capsys.readouterr().out
    parallel_dir = synthetic_settings.parent / "results" / "aiatrack" / "tiny_001" / "got10k"
    assert (parallel_dir / f"{NAMES[0]}.txt").read_text() == serial
    assert (parallel_dir / f"{NAMES[1]}.txt").is_file()


def test_broken_frame_fails_that_sequence_only(synthetic_settings, tiny_checkpoint, capsys):
    frame = synthetic_settings.parent / "got10k" / "val" / NAMES[0] / "00000003.jpg"
    frame.write_bytes(b"not a jpeg")
    assert main(_args(synthetic_settings, tiny_checkpoint)) == 1
    captured = capsys.readouterr()
    assert "1 sequence(s) tracked" in captured.out and "1 failed" in captured.out
    assert f"FAILED {NAMES[0]}" in captured.err and "00000003.jpg" in captured.err
    assert not (_result_dir(synthetic_settings) / f"{NAMES[0]}.txt").exists()


@pytest.mark.parametrize("extra, message", [
    (["--sequence", "no_such_sequence"], "unknown sequence name(s) ['no_such_sequence']"),
    (["--checkpoint", "missing.pth.tar"], "checkpoint not found"),
])
def test_bad_arguments_are_clear_errors(synthetic_settings, tiny_checkpoint, capsys, extra, message):
    assert main(_args(synthetic_settings, tiny_checkpoint, *extra)) == 2
    assert message in capsys.readouterr().err


def test_default_checkpoint_follows_the_training_layout(synthetic_settings, capsys):
    assert main(["aiatrack", "tiny", "--dataset", "got10k_val", "--settings", str(synthetic_settings)]) == 2
    epoch = load_config("tiny").TEST.EPOCH  # the checkpoint of the epoch the config names for testing
    expected = os.path.join("work", "checkpoints", "train", "aiatrack", "tiny", f"AIATRACK_ep{epoch:04d}.pth.tar")
    assert expected in capsys.readouterr().err


@pytest.mark.parametrize("threads", ["0", "2"])
def test_weights_that_do_not_fit_the_config_stop_the_run(synthetic_settings, tiny_checkpoint, capsys, threads):
    # Tiny-config weights with the paper's configuration: the checkpoint loader names the mismatch.
    args = _args(synthetic_settings, tiny_checkpoint, "--threads", threads)
    args[1] = "baseline"
    assert main(args) == 2
    err = capsys.readouterr().err
    assert "could not build tracker" in err and str(tiny_checkpoint) in err
    assert not (synthetic_settings.parent / "results" / "aiatrack" / "baseline").exists()


def test_config_option_names_the_experiment_as_in_the_other_commands(synthetic_settings, tiny_checkpoint, capsys):
    """``--config tiny`` instead of the positional experiment: the same run, the same result files."""
    assert main(_args(synthetic_settings, tiny_checkpoint, "--sequence", NAMES[0])) == 0
    positional = (_result_dir(synthetic_settings) / f"{NAMES[0]}.txt").read_text()
    args = _args(synthetic_settings, tiny_checkpoint, "--sequence", NAMES[0], "--run-id", "1")
    assert main([args[0], "--config", args[1], *args[2:]]) == 0
    by_option = synthetic_settings.parent / "results" / "aiatrack" / "tiny_001" / "got10k" / f"{NAMES[0]}.txt"
    assert by_option.read_text() == positional


@pytest.mark.parametrize("experiment", [["tiny", "--config", "baseline"], []])
def test_two_or_no_experiments_are_one_line(synthetic_settings, tiny_checkpoint, capsys, experiment):
    with pytest.raises(SystemExit) as info:
        main(["aiatrack", *experiment, "--dataset", "got10k_val", "--settings", str(synthetic_settings)])
    assert info.value.code == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "experiment" in err
    assert not (synthetic_settings.parent / "results").exists()
