"""tracking/dev/multi_target_speed.py: one table row per target count, boxes inside the frame."""
import pytest

from tracking.dev.multi_target_speed import grid_boxes, main


@pytest.mark.parametrize("count", [1, 4, 5, 16])
def test_grid_boxes_are_distinct_and_inside_the_frame(count):
    boxes = grid_boxes(count, 320, 240)
    assert len({tuple(b) for b in boxes}) == count
    assert all(x >= 0 and y >= 0 and x + w <= 320 and y + h <= 240 and w > 0 and h > 0 for x, y, w, h in boxes)


def test_table_has_a_row_per_target_count(capsys):
    assert main(["--targets", "1", "3", "--frames", "1"]) == 0
    rows = [line.split() for line in capsys.readouterr().out.splitlines()[2:]]
    assert [int(row[0]) for row in rows] == [1, 3]
    assert all(float(row[2]) == pytest.approx(float(row[1]) * int(row[0]), rel=0.01) for row in rows)
