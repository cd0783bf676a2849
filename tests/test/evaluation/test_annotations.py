"""Strict annotation readers: delimiters, NaN, blank lines, error messages with file and line."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from lib.datasets.annotations import AnnotationError, read_flag_line, read_label_column, read_rows
from lib.datasets.layout import DatasetLayoutError


def _file(tmp_path: Path, text: str, name: str = "groundtruth.txt") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def test_mixed_delimiters_within_file_and_line(tmp_path: Path) -> None:
    path = _file(tmp_path, "310,120,42,96\n311\t121\t43\t97\n312 122  44 98\n313, 123,\t45 99.5\r\n\n\n")
    rows = read_rows(path, delimiter="comma_or_space")
    np.testing.assert_array_equal(rows, [[310, 120, 42, 96], [311, 121, 43, 97], [312, 122, 44, 98],
                                         [313, 123, 45, 99.5]])
    assert rows.dtype == np.float64


@pytest.mark.parametrize("line", ["1,,2,3", "1,2,3", "1,2,3,4,5", "1,2,x,4"])
def test_malformed_mixed_lines(tmp_path: Path, line: str) -> None:
    path = _file(tmp_path, f"0,0,1,1\n{line}\n")
    with pytest.raises(AnnotationError) as err:
        read_rows(path, delimiter="comma_or_space")
    assert str(err.value) == (f"{path}: line 2: expected 4 comma/tab/space-separated numbers (x,y,w,h), "
                              f"got {line!r}")


def test_comma_only_rejects_other_delimiters(tmp_path: Path) -> None:
    path = _file(tmp_path, "1,2,3,4\n1 2 3 4\n")
    with pytest.raises(AnnotationError, match="line 2: expected 4 comma-separated"):
        read_rows(path)


def test_nan_only_where_allowed(tmp_path: Path) -> None:
    path = _file(tmp_path, "1,2,3,4\nNaN,NaN,NaN,NaN\nnan,nan,nan,nan\n")
    rows = read_rows(path, allow_nan=True)
    assert np.isnan(rows[1:]).all() and rows[0].tolist() == [1, 2, 3, 4]
    with pytest.raises(AnnotationError, match="line 2: nan is not allowed"):
        read_rows(path)
    with pytest.raises(AnnotationError, match="line 1: inf is not allowed"):
        read_rows(_file(tmp_path, "inf,1,2,3\n"), allow_nan=True)


def test_blank_line_inside_and_empty_file(tmp_path: Path) -> None:
    path = _file(tmp_path, "1,2,3,4\n\n5,6,7,8\n")
    with pytest.raises(AnnotationError, match="line 2 is empty"):
        read_rows(path)
    with pytest.raises(AnnotationError, match="file is empty"):
        read_rows(_file(tmp_path, "\n"))


def test_missing_file_names_path_and_layout(tmp_path: Path) -> None:
    with pytest.raises(DatasetLayoutError) as err:
        read_rows(tmp_path / "absent.txt", layout="<root>/absent.txt")
    assert str(tmp_path / "absent.txt") in str(err.value) and "expected layout: <root>/absent.txt" in str(err.value)
    assert isinstance(err.value, FileNotFoundError)


def test_flag_line(tmp_path: Path) -> None:
    assert read_flag_line(_file(tmp_path, "0,0,1,1,0\n")).tolist() == [False, False, True, True, False]
    with pytest.raises(AnnotationError, match="exactly one line"):
        read_flag_line(_file(tmp_path, "0\n1\n"))


def test_label_column(tmp_path: Path) -> None:
    assert read_label_column(_file(tmp_path, "8\n0\n3\n"), low=0, high=8).tolist() == [8, 0, 3]
    path = _file(tmp_path, "1\n0\n1.0\n")
    with pytest.raises(AnnotationError) as err:
        read_label_column(path, low=0, high=1)
    assert str(err.value) == f"{path}: line 3: expected one integer in 0..1, got '1.0'"


def test_binary_file(tmp_path: Path) -> None:
    path = tmp_path / "groundtruth.txt"
    path.write_bytes(b"\xff\xd8\xff\xe0 jpeg")
    with pytest.raises(AnnotationError, match="not a text file"):
        read_rows(path)
