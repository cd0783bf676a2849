"""Submission zips for GOT-10k test and TrackingNet test: archive layout, contents and validation."""
from __future__ import annotations

import zipfile
from pathlib import Path

import numpy as np
import pytest

from lib.test.evaluation.results import write_sequence_results
from lib.test.evaluation.sequence import Sequence
from lib.test.evaluation import BENCHMARKS
from lib.test.submission import SubmissionError, got10k_entries, trackingnet_entries, write_zip
from lib.utils.settings import save_settings, Settings
from lib.utils.synthetic import render_videos, write_got10k
from tracking import pack_submission


# the benchmark (a key of BENCHMARKS) whose declared traits a hand-made sequence of each dataset tag carries
BENCHMARK_OF_TAG = {"lasot": "lasot", "otb": "otb", "nfs": "nfs", "uav": "uav", "got10k": "got10k_val",
                    "trackingnet": "trackingnet"}


def make_sequences(dataset: str, names: list[str], lengths: list[int]) -> list[Sequence]:
    return [Sequence(name=n, frames=[f"{i}.jpg" for i in range(k)], ground_truth_xywh=np.array([[1.0, 2, 3, 4]]),
                     dataset=dataset, traits=BENCHMARKS[BENCHMARK_OF_TAG[dataset]].traits)
            for n, k in zip(names, lengths)]


def write_results(folder: Path, sequences: list[Sequence]) -> None:
    for seq in sequences:
        n = len(seq)
        boxes = np.column_stack([np.arange(n) + 0.7, np.full(n, 2.2), np.full(n, 30.0), np.full(n, 40.9)])
        write_sequence_results(folder, seq, boxes, np.linspace(0.01, 0.02, n))


def test_got10k_zip_layout_and_contents(tmp_path: Path) -> None:
    seqs = make_sequences("got10k", ["GOT-10k_Test_000001", "GOT-10k_Test_000002"], [3, 5])
    write_results(tmp_path / "res", seqs)
    out = write_zip(got10k_entries([tmp_path / "res"], seqs), tmp_path / "sub.zip")
    with zipfile.ZipFile(out) as archive:
        assert sorted(archive.namelist()) == [
            "GOT-10k_Test_000001/GOT-10k_Test_000001_001.txt", "GOT-10k_Test_000001/GOT-10k_Test_000001_time.txt",
            "GOT-10k_Test_000002/GOT-10k_Test_000002_001.txt", "GOT-10k_Test_000002/GOT-10k_Test_000002_time.txt"]
        boxes = archive.read("GOT-10k_Test_000002/GOT-10k_Test_000002_001.txt").decode().splitlines()
        times = archive.read("GOT-10k_Test_000002/GOT-10k_Test_000002_time.txt").decode().splitlines()
    assert len(boxes) == 5 and len(times) == 5
    assert boxes[0] == "0,2,30,40" and boxes[4] == "4,2,30,40"  # the raw %d values, comma separated
    assert times[0] == "0.010000" and times[4] == "0.020000"


def test_trackingnet_zip_has_files_at_the_root_and_no_times(tmp_path: Path) -> None:
    seqs = make_sequences("trackingnet", ["AbCdEfGhIjK_0", "zZ-_yY12345_3"], [2, 4])
    write_results(tmp_path, seqs)
    out = write_zip(trackingnet_entries([tmp_path], seqs), tmp_path / "tn.zip")
    with zipfile.ZipFile(out) as archive:
        assert sorted(archive.namelist()) == ["AbCdEfGhIjK_0.txt", "zZ-_yY12345_3.txt"]
        assert archive.read("zZ-_yY12345_3.txt").decode() == "0,2,30,40\n1,2,30,40\n2,2,30,40\n3,2,30,40\n"


def test_non_integer_boxes_keep_their_decimals(tmp_path: Path) -> None:
    seq = make_sequences("trackingnet", ["AbCdEfGhIjK_0"], [2])[0]
    (tmp_path / "trackingnet").mkdir()
    (tmp_path / "trackingnet" / "AbCdEfGhIjK_0.txt").write_text("1.5\t2\t3\t4\n5 6 7 8.25\n")
    expected = "1.5000,2.0000,3.0000,4.0000\n5.0000,6.0000,7.0000,8.2500\n"
    assert trackingnet_entries([tmp_path], [seq])[0].text == expected


def test_validation_lists_every_problem(tmp_path: Path) -> None:
    seqs = make_sequences("got10k", [f"GOT-10k_Test_00000{i}" for i in range(1, 6)], [3, 3, 3, 3, 3])
    write_results(tmp_path, seqs)
    folder = tmp_path / "got10k"
    (folder / "GOT-10k_Test_000001.txt").unlink()  # missing sequence
    (folder / "GOT-10k_Test_000002.txt").write_text("1,2,3,4\n1,2,3,4\n")  # 2 rows for 3 frames
    (folder / "GOT-10k_Test_000003.txt").write_text("1,2,3,4\nnan,2,3,4\n1,2,3,4\n")  # NaN
    (folder / "GOT-10k_Test_000004_time.txt").unlink()  # missing times
    (folder / "GOT-10k_Test_000005_time.txt").write_text("0.1\n0.1\n")  # 2 times for 3 frames
    with pytest.raises(SubmissionError) as info:
        got10k_entries([tmp_path], seqs)
    message = str(info.value)
    assert "5 problem(s)" in message
    assert "GOT-10k_Test_000001.txt: missing" in message
    assert "GOT-10k_Test_000002.txt: 2 box rows for 3 frames" in message
    assert "GOT-10k_Test_000003.txt, line 2: NaN" in message
    assert "GOT-10k_Test_000004_time.txt: missing" in message
    assert "GOT-10k_Test_000005_time.txt: 2 time rows for 3 frames" in message


def test_malformed_line_is_reported_with_its_line(tmp_path: Path) -> None:
    seqs = make_sequences("trackingnet", ["AbCdEfGhIjK_0"], [2])
    (tmp_path / "trackingnet").mkdir()
    (tmp_path / "trackingnet" / "AbCdEfGhIjK_0.txt").write_text("1,2,3,4\n1,2,3\n")
    with pytest.raises(SubmissionError, match=r"AbCdEfGhIjK_0\.txt, line 2: expected 4"):
        trackingnet_entries([tmp_path], seqs)


def test_got10k_repetitions(tmp_path: Path) -> None:
    seqs = make_sequences("got10k", ["GOT-10k_Test_000001"], [2])
    folders = [tmp_path / f"run_{k}" for k in (1, 2, 3)]
    for k, folder in enumerate(folders, start=1):
        write_sequence_results(folder, seqs[0], np.full((2, 4), 10.0 * k), np.array([0.1, 0.01 * k]))
    entries = {e.name: e.text for e in got10k_entries(folders, seqs)}
    suffixes = ("001", "002", "003", "time")
    assert sorted(entries) == [f"GOT-10k_Test_000001/GOT-10k_Test_000001_{s}.txt" for s in suffixes]
    assert entries["GOT-10k_Test_000001/GOT-10k_Test_000001_003.txt"] == "30,30,30,30\n30,30,30,30\n"
    # One comma-separated column per repetition.
    assert entries["GOT-10k_Test_000001/GOT-10k_Test_000001_time.txt"] == (
        "0.100000,0.100000,0.100000\n0.010000,0.020000,0.030000\n")
    with pytest.raises(SubmissionError, match="1 to 3 repetitions"):
        got10k_entries(folders + [tmp_path], seqs)
    with pytest.raises(SubmissionError, match="one run"):
        trackingnet_entries(folders[:2], make_sequences("trackingnet", ["a"], [2]))


def test_wrong_dataset_tag(tmp_path: Path) -> None:
    with pytest.raises(SubmissionError, match="expected got10k"):
        got10k_entries([tmp_path], make_sequences("trackingnet", ["a"], [2]))


@pytest.fixture
def got10k_test_setup(tmp_path: Path) -> tuple[Path, Path, list[Sequence]]:
    """A 2-sequence synthetic GOT-10k test split, a settings file and tracker results for it."""
    videos = render_videos(3, 2, num_frames=4, height=48, width=64, min_size=8, max_size=20)
    names = write_got10k(tmp_path / "GOT10k", videos, split="test")
    settings_file = tmp_path / "settings.yaml"
    save_settings(Settings(got10k_dir=str(tmp_path / "GOT10k"), results_dir=str(tmp_path / "results")), settings_file)
    folder = tmp_path / "results" / "aiatrack" / "baseline_got"
    seqs = make_sequences("got10k", names, [4, 4])
    write_results(folder, seqs)
    return settings_file, folder, seqs


def test_pack_submission_cli_end_to_end(got10k_test_setup, capsys: pytest.CaptureFixture) -> None:
    settings_file, folder, _ = got10k_test_setup
    args = ["got10k", "--tracker", "aiatrack", "--param", "baseline_got", "--settings", str(settings_file)]
    assert pack_submission.main(args) == 0
    out = folder / "got10k_submit.zip"
    assert f"wrote {out}" in capsys.readouterr().out
    with zipfile.ZipFile(out) as archive:
        assert len(archive.namelist()) == 4
        assert all(len(archive.read(n).decode().splitlines()) == 4 for n in archive.namelist())


def test_pack_submission_cli_writes_nothing_when_validation_fails(got10k_test_setup,
                                                                 capsys: pytest.CaptureFixture) -> None:
    settings_file, folder, seqs = got10k_test_setup
    (folder / "got10k" / f"{seqs[1].name}_time.txt").unlink()
    args = ["got10k", "--results", str(folder), "--settings", str(settings_file), "--output", str(folder / "s.zip")]
    assert pack_submission.main(args) == 2
    assert f"{seqs[1].name}_time.txt: missing" in capsys.readouterr().err
    assert not list(folder.rglob("*.zip"))


def test_pack_submission_cli_run_ids_are_repetitions(got10k_test_setup, tmp_path: Path) -> None:
    settings_file, folder, seqs = got10k_test_setup
    write_results(folder.with_name("baseline_got_001"), seqs)
    write_results(folder.with_name("baseline_got_002"), seqs)
    out = tmp_path / "reps.zip"
    args = ["got10k", "--tracker", "aiatrack", "--param", "baseline_got", "--run-id", "1", "2",
            "--settings", str(settings_file), "--output", str(out)]
    assert pack_submission.main(args) == 0
    with zipfile.ZipFile(out) as archive:
        names = archive.namelist()
        assert f"{seqs[0].name}/{seqs[0].name}_002.txt" in names and len(names) == 6
