"""VOT trajectory files: the toolkit's text, TraX rounding, masks, binary files, names."""
import struct

import numpy as np
import pytest

from lib.test.evaluation.vot import MaskRegion, PolygonRegion, RectangleRegion, SpecialRegion
from lib.test.evaluation.vot_results import (as_reported, format_region, mask_runs, multistart_name, read_trajectory,
                                             supervised_name, trajectory_exists, write_trajectory)


def test_names():
    assert supervised_name("ball", 1) == "ball_001"
    assert multistart_name("ball", 12) == "ball_00000012"


def test_region_text_is_float32_printed_as_python_float():
    assert format_region(SpecialRegion(2)) == "2"
    assert format_region(RectangleRegion(10.5, 20, 30.25, 4)) == "10.5,20.0,30.25,4.0"
    # 0.1 is not a float32: the toolkit prints the float32 value with Python's repr
    assert format_region(RectangleRegion(0.1, 1, 2, 3)) == f"{float(np.float32(0.1))!r},1.0,2.0,3.0"
    assert format_region(PolygonRegion(np.array([[1, 2], [3.5, 4], [5, 6]]))) == "1.0,2.0,3.5,4.0,5.0,6.0"


def test_trax_rounds_coordinates_to_four_decimals():
    reported = as_reported(RectangleRegion(1.23456789, 2.00004, 3.99996, 7))
    assert [reported.x, reported.y, reported.w, reported.h] == [float(np.float32(v)) for v in (1.2346, 2.0, 4.0, 7)]


def test_mask_runs_start_with_zeros():
    mask = np.array([[1, 1, 0], [0, 0, 1]], dtype=bool)
    assert mask_runs(mask) == [0, 2, 3, 1]
    assert mask_runs(np.array([[0, 1]], dtype=bool)) == [1, 1]
    assert mask_runs(np.zeros((0, 0), dtype=bool)) == [0]
    region = MaskRegion(3, 4, np.array([[0, 0, 0], [0, 1, 1]], dtype=bool))
    assert format_region(as_reported(region)) == "m4,5,2,1,0,2"  # cropped to its pixels


def test_write_then_read_back(tmp_path):
    regions = [SpecialRegion(1), RectangleRegion(1, 2, 3, 4), SpecialRegion(2), SpecialRegion(0)]
    path = write_trajectory(tmp_path, "seq", "seq_001", regions, [0.5, 0.25, 0.125, None])
    assert path == tmp_path / "seq" / "seq_001.txt"
    assert path.read_text() == "1\n1.0,2.0,3.0,4.0\n2\n0\n"
    assert (tmp_path / "seq" / "seq_001_time.value").read_text() == "0.5\n0.25\n0.125\n\n"
    assert trajectory_exists(tmp_path, "seq", "seq_001")
    back = read_trajectory(tmp_path, "seq", "seq_001")
    assert back[0] == SpecialRegion(1) and back[1] == RectangleRegion(1, 2, 3, 4) and back[3] == SpecialRegion(0)
    (tmp_path / "seq" / "seq_002.txt").write_text("1\n1,2,x\n")
    with pytest.raises(ValueError, match=r"seq_002.txt: line 2"):
        read_trajectory(tmp_path, "seq", "seq_002")
    with pytest.raises(FileNotFoundError, match="seq_003"):
        read_trajectory(tmp_path, "seq", "seq_003")


def test_reads_the_toolkit_binary_format(tmp_path):
    # Layout of vot/region/io.py write_trajectory_binary, packed here by hand.
    data = struct.pack("<hI", 1, 4)
    data += struct.pack("<BI", 0, 1)
    data += struct.pack("<Bffff", 1, 1.5, 2.0, 3.0, 4.0)
    data += struct.pack("<BH6f", 2, 3, 0, 0, 4, 0, 0, 4)
    data += struct.pack("<BhhHHH3H", 3, 2, 3, 2, 2, 3, 1, 2, 1)
    (tmp_path / "seq").mkdir()
    (tmp_path / "seq" / "seq_001.bin").write_bytes(data)
    regions = read_trajectory(tmp_path, "seq", "seq_001")
    assert regions[0] == SpecialRegion(1) and regions[1] == RectangleRegion(1.5, 2, 3, 4)
    np.testing.assert_array_equal(regions[2].points, [[0, 0], [4, 0], [0, 4]])
    assert (regions[3].x0, regions[3].y0) == (2, 3)
    np.testing.assert_array_equal(regions[3].mask, [[False, True], [True, False]])
    (tmp_path / "seq" / "seq_002.bin").write_bytes(data[:20])
    with pytest.raises(ValueError, match="truncated"):
        read_trajectory(tmp_path, "seq", "seq_002")


def test_full_disk_leaves_neither_file_of_a_run_and_the_rerun_completes_it(tmp_path, monkeypatch):
    import errno
    import os
    import tempfile

    from lib.test.evaluation.runner import TrackerSpec, run_benchmark
    from lib.test.evaluation.vot import load_vot
    from lib.test.evaluation.vot_runner import MultistartTask
    from lib.utils.synthetic import render_video, write_vot

    video = render_video(4, 0, num_frames=12, height=64, width=80, min_size=12, max_size=30, name="seq")
    write_vot(tmp_path / "vot", [video], "rectangle", anchor_spacing=6)  # anchors 0, 6, 11
    (sequence,) = load_vot(tmp_path / "vot")
    spec = TrackerSpec("aiatrack", "tiny", None)  # random tiny weights, the same in every run (seeded)

    def run(out):
        with pytest.warns(UserWarning, match="RANDOMLY"):
            return run_benchmark(spec, [sequence], "vot", out, progress=False, task=MultistartTask())

    create = tempfile.mkstemp

    def full_disk(*args, **kwargs):  # the disk fills up when the second trajectory's region file is created
        if kwargs.get("prefix", "").startswith(".seq_00000006.txt."):
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        return create(*args, **kwargs)

    monkeypatch.setattr(tempfile, "mkstemp", full_disk)
    summary = run(tmp_path / "out")
    assert [o.name for o in summary.failed] == ["seq"] and "No space left on device" in summary.failed[0].error
    folder = tmp_path / "out" / "seq"
    assert sorted(p.name for p in folder.iterdir()) == ["seq_00000000.txt", "seq_00000000_time.value"]
    first = (folder / "seq_00000000.txt").read_text()

    monkeypatch.setattr(tempfile, "mkstemp", create)
    summary = run(tmp_path / "out")
    assert [o.name for o in summary.done] == ["seq"]
    run(tmp_path / "fresh")
    names = [f"seq_{anchor:08d}" for anchor in (0, 6, 11)]
    assert sorted(p.name for p in folder.iterdir()) == sorted(n + s for n in names for s in (".txt", "_time.value"))
    assert (folder / "seq_00000000.txt").read_text() == first
    for name in names:
        text = (folder / f"{name}.txt").read_text()
        assert text == (tmp_path / "fresh" / "seq" / f"{name}.txt").read_text()
        assert len((folder / f"{name}_time.value").read_text().splitlines()) == len(text.splitlines())
