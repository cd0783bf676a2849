"""Annotation text parsing: accepted separators and errors naming file and line."""
import numpy as np
import pytest

from lib.datasets.annotations import AnnotationError, parse_boxes, parse_integers


def test_separators_blank_lines_and_crlf():
    text = "1,2,3,4\r\n\r\n5.5\t6\t7\t8\r\n9 10 11 12.25\n\n"
    assert parse_boxes(text, "f").tolist() == [[1, 2, 3, 4], [5.5, 6, 7, 8], [9, 10, 11, 12.25]]
    assert parse_boxes(text, "f").dtype == np.float32


def test_values_round_through_double_to_float32():
    assert parse_boxes("816.4176,445.2819,292.6381,194.1479", "f")[0, 0] == np.float32(np.float64(816.4176))


@pytest.mark.parametrize("text,message", [
    ("1,2,3,4\n1,2,x,4\n", r"f.txt:2: not a number in '1,2,x,4'"),
    ("1,2,3,4\n1,2,3,4,5\n", r"f.txt:2: expected 4 comma-separated numbers"),
    ("1,2,3,4,1,2,3,4\n", r"f.txt:1: expected 4"),
    ("\n\n", r"f.txt: the box file is empty"),
])
def test_malformed_box_files(text, message):
    with pytest.raises(AnnotationError, match=message):
        parse_boxes(text, "f.txt")


def test_integers_from_lines_or_one_comma_line():
    assert parse_integers("0,1,1,0\n", "f").tolist() == [0, 1, 1, 0]
    assert parse_integers("8\n0\n3\n", "f").tolist() == [8, 0, 3]
    with pytest.raises(AnnotationError, match=r"cover.label:2: not a number in 'eight'"):
        parse_integers("8\neight\n", "cover.label")
