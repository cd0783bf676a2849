"""Raw results files: official names, delimiters, truncation, time files, round trips, errors."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from lib.test.evaluation.results import (read_sequence_results, read_sequence_times, result_dir,
                                         sequence_result_path, sequence_results_exist,
                                         write_sequence_results)
from lib.test.evaluation import BENCHMARKS
from lib.test.evaluation.sequence import Sequence
from lib.test.evaluation.traits import BenchmarkTraits
from lib.utils.settings import Settings

# the benchmark (a key of BENCHMARKS) whose declared traits a hand-made sequence of each dataset tag carries
BENCHMARK_OF_TAG = {"lasot": "lasot", "otb": "otb", "nfs": "nfs", "uav": "uav", "got10k": "got10k_val",
                    "trackingnet": "trackingnet"}

# (dataset tag, sequence name, expected relative box path, expected relative time path or None)
LAYOUTS = [
    ("lasot", "airplane-1", "airplane-1.txt", None),
    ("otb", "otb_Jogging_1", "otb_Jogging_1.txt", None),
    ("nfs", "nfs_Gymnastics", "nfs_Gymnastics.txt", None),
    ("uav", "uav_bird1_2", "uav_bird1_2.txt", None),
    ("got10k", "GOT-10k_Test_000001", "got10k/GOT-10k_Test_000001.txt", "got10k/GOT-10k_Test_000001_time.txt"),
    ("trackingnet", "AbCdEfGhIjK_0", "trackingnet/AbCdEfGhIjK_0.txt", "trackingnet/AbCdEfGhIjK_0_time.txt"),
]


def make_sequence(name: str, dataset: str, n: int) -> Sequence:
    return Sequence(name=name, frames=[f"{i}.jpg" for i in range(n)],
                    ground_truth_xywh=np.array([[10.6, 20.2, 30.9, 40.1]]), dataset=dataset,
                    traits=BENCHMARKS[BENCHMARK_OF_TAG[dataset]].traits)


def test_result_dir_naming() -> None:
    settings = Settings(results_dir="/res")
    assert result_dir(settings, "aiatrack", "baseline") == Path("/res/aiatrack/baseline")
    assert result_dir(settings, "aiatrack", "baseline", run_id=3) == Path("/res/aiatrack/baseline_003")


@pytest.mark.parametrize("dataset,name,box_rel,time_rel", LAYOUTS)
def test_write_layout_and_round_trip(tmp_path: Path, dataset: str, name: str, box_rel: str,
                                     time_rel: str | None) -> None:
    seq = make_sequence(name, dataset, 3)
    boxes = np.array([[10.6, 20.2, 30.9, 40.1], [-3.7, 12.9, 5.5, 0.99], [1e3 + 0.5, -0.4, 7.0, 8.0]])
    times = np.array([0.0151666, 0.02, 1.5])
    write_sequence_results(tmp_path, seq, boxes, times)
    box_file = tmp_path / box_rel
    assert box_file == sequence_result_path(tmp_path, seq)
    # Truncation toward zero, comma, integers, first row = the given init box.
    assert box_file.read_text() == "10,20,30,40\n-3,12,5,0\n1000,0,7,8\n"
    if time_rel is None:
        assert sorted(p.name for p in tmp_path.rglob("*") if p.is_file()) == [Path(box_rel).name]
        assert read_sequence_times(tmp_path, seq) is None
    else:
        assert (tmp_path / time_rel).read_text() == "0.015167\n0.020000\n1.500000\n"
        np.testing.assert_allclose(read_sequence_times(tmp_path, seq), [0.015167, 0.02, 1.5])
    assert sequence_results_exist(tmp_path, seq)
    read = read_sequence_results(tmp_path, seq)
    assert read.dtype == np.float64
    np.testing.assert_array_equal(read, [[10, 20, 30, 40], [-3, 12, 5, 0], [1000, 0, 7, 8]])
    assert not list(tmp_path.rglob("*.tmp")), "temporary files must not remain"


def test_missing_results(tmp_path: Path) -> None:
    seq = make_sequence("airplane-2", "lasot", 2)
    assert not sequence_results_exist(tmp_path, seq)
    with pytest.raises(FileNotFoundError, match="airplane-2.txt"):
        read_sequence_results(tmp_path, seq)


@pytest.mark.parametrize("text", ["1\t2\t3\t4\n5\t6\t7\t8\n", "1 2 3 4\n5 6 7 8\n", "1,2,3,4\n\n5,6,7,8",
                                  " 1, 2,  3,4 \n  \n5\t6 7,8\n"])
def test_read_other_delimiters(tmp_path: Path, text: str) -> None:
    seq = make_sequence("car-1", "lasot", 2)
    (tmp_path / "car-1.txt").write_text(text)
    np.testing.assert_array_equal(read_sequence_results(tmp_path, seq), [[1, 2, 3, 4], [5, 6, 7, 8]])


def test_read_errors_name_file_and_line(tmp_path: Path) -> None:
    seq = make_sequence("car-1", "lasot", 3)
    path = tmp_path / "car-1.txt"
    path.write_text("1,2,3,4\n1,2,3\n")
    with pytest.raises(ValueError, match=r"car-1\.txt, line 2: expected 4"):
        read_sequence_results(tmp_path, seq)
    path.write_text("1,2,3,4\n5,6,7,8\n1,2,x,4\n")
    with pytest.raises(ValueError, match=r"car-1\.txt, line 3: not a number"):
        read_sequence_results(tmp_path, seq)
    path.write_text("1,2,3,4\n# comment\n")
    with pytest.raises(ValueError, match=r"car-1\.txt, line 2: expected 4 value\(s\), found 2"):
        read_sequence_results(tmp_path, seq)
    path.write_text(" \n")
    with pytest.raises(ValueError, match="empty"):
        read_sequence_results(tmp_path, seq)


def test_write_rejects_bad_input(tmp_path: Path) -> None:
    seq = make_sequence("GOT-10k_Val_000001", "got10k", 2)
    with pytest.raises(ValueError, match="2 boxes but 1 times"):
        write_sequence_results(tmp_path, seq, np.ones((2, 4)), np.ones(1))
    with pytest.raises(ValueError, match="frame 1 is not finite"):
        write_sequence_results(tmp_path, seq, np.array([[1, 2, 3, 4], [np.nan, 1, 1, 1]]), np.ones(2))
    assert not any(tmp_path.rglob("*.txt")), "nothing is written when the input is invalid"


def test_result_layout_follows_the_declared_timed_folder(tmp_path: Path) -> None:
    """Where results go is declared by the benchmark's traits, whatever its sequences' dataset tag."""
    timed = Sequence("s1", ["0.jpg", "1.jpg"], np.array([[1.0, 2, 3, 4]]), "got10k",
                     traits=BenchmarkTraits(timed_folder="my_bench"))
    untimed = Sequence("s2", ["0.jpg", "1.jpg"], np.array([[1.0, 2, 3, 4]]), "got10k", traits=BenchmarkTraits())
    for seq in (timed, untimed):
        write_sequence_results(tmp_path, seq, np.array([[1.0, 2, 3, 4], [5, 6, 7, 8]]), np.array([0.5, 0.25]))
    assert (tmp_path / "my_bench" / "s1.txt").read_text() == "1,2,3,4\n5,6,7,8\n"
    assert (tmp_path / "my_bench" / "s1_time.txt").read_text() == "0.500000\n0.250000\n"
    assert (tmp_path / "s2.txt").read_text() == "1,2,3,4\n5,6,7,8\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["my_bench", "s2.txt"]
