"""OTB-100 loader on a small dataset in the real layout: mixed delimiters, frame ranges, two-target files."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from lib.test.evaluation import AnnotationError, DatasetLayoutError, load_benchmark
from lib.utils.settings import Settings

SUBSET = ["otb_Crossing", "otb_David", "otb_Tiger1", "otb_Board", "otb_Diving", "otb_Jogging_1", "otb_Jogging_2",
          "otb_Human4_2"]


def _row(k: int) -> list[str]:
    """Values of annotation line k (0-based): distinct per column so swapped columns would show."""
    return [str(k + 1), str(2 * k + 3), str(30 + k % 7), "40.5"]


def _write_gt(path: Path, rows: int, delimiters: list[str]) -> None:
    """``rows`` annotation lines, line k joined with ``delimiters[k % len(delimiters)]``."""
    path.write_text("".join(delimiters[k % len(delimiters)].join(_row(k)) + "\n" for k in range(rows)))


# folder: (images in the folder, digits, [(annotation file, lines, delimiters cycled per line)]).
# Some folders hold more images than the sequence uses (David starts at 300, Diving ends at 215).
FOLDERS = {
    "Crossing": (120, 4, [("groundtruth_rect.txt", 120, [","])]),
    "David": (770, 4, [("groundtruth_rect.txt", 471, [",", "\t"])]),
    "Tiger1": (354, 4, [("groundtruth_rect.txt", 354, ["\t"])]),
    "Board": (698, 5, [("groundtruth_rect.txt", 698, [" "])]),
    "Diving": (231, 4, [("groundtruth_rect.txt", 215, ["  "])]),
    "Jogging": (307, 4, [("groundtruth_rect.1.txt", 307, [","]),
                         ("groundtruth_rect.2.txt", 307, [",", "\t", " ", ", "])]),
    "Human4": (667, 4, [("groundtruth_rect.1.txt", 0, [","]), ("groundtruth_rect.2.txt", 667, ["\t"])]),
}


def _write_otb(root: Path, write_frames, folders: tuple[str, ...] = tuple(FOLDERS)) -> None:
    for folder in folders:
        images, digits, annotations = FOLDERS[folder]
        write_frames(root / folder / "img", [f"{i:0{digits}d}.jpg" for i in range(1, images + 1)])
        for name, rows, delimiters in annotations:
            _write_gt(root / folder / name, rows, delimiters)


@pytest.fixture(scope="module")
def otb_root(tmp_path_factory: pytest.TempPathFactory, write_frames) -> Path:
    root = tmp_path_factory.mktemp("otb") / "OTB100"
    _write_otb(root, write_frames)
    return root


@pytest.fixture(scope="module")
def otb(otb_root: Path) -> dict:
    seqs = load_benchmark("otb", Settings(otb_dir=str(otb_root)), sequences=SUBSET)
    return {s.name: s for s in seqs}


def test_names_tags_and_classes(otb: dict) -> None:
    assert list(otb) == SUBSET
    assert {s.dataset for s in otb.values()} == {"otb"}
    assert all(s.target_visible is None for s in otb.values())
    assert (otb["otb_David"].object_class, otb["otb_Crossing"].object_class) == ("face", "person")


def test_comma_file(otb: dict, otb_root: Path) -> None:
    seq = otb["otb_Crossing"]
    assert seq.frames[:3] == [str(otb_root / "Crossing" / "img" / n) for n in ("0001.jpg", "0002.jpg", "0003.jpg")]
    assert len(seq) == 120 and seq.ground_truth_xywh.shape == (120, 4)
    np.testing.assert_array_equal(seq.ground_truth_xywh[[0, 1, 119]], [[1, 3, 30, 40.5], [2, 5, 31, 40.5],
                                                                       [120, 241, 30, 40.5]])


def test_david_starts_at_frame_300(otb: dict, otb_root: Path) -> None:
    seq = otb["otb_David"]
    img = otb_root / "David" / "img"
    assert seq.frames[:2] == [str(img / "0300.jpg"), str(img / "0301.jpg")]
    assert seq.frames[-1] == str(img / "0770.jpg") and len(seq) == 471
    # Row 0 of the file belongs to frame 300; rows alternate comma and tab.
    np.testing.assert_array_equal(seq.ground_truth_xywh[[0, 1, 470]], [[1, 3, 30, 40.5], [2, 5, 31, 40.5],
                                                                       [471, 943, 31, 40.5]])


def test_tiger1_skips_five_frames_and_rows(otb: dict, otb_root: Path) -> None:
    seq = otb["otb_Tiger1"]
    assert seq.frames[0] == str(otb_root / "Tiger1" / "img" / "0006.jpg")
    assert seq.frames[-1] == str(otb_root / "Tiger1" / "img" / "0354.jpg") and len(seq) == 349
    np.testing.assert_array_equal(seq.ground_truth_xywh[0], [6, 13, 35, 40.5])  # file line 6 (k = 5), tabs
    assert seq.ground_truth_xywh.shape == (349, 4)


def test_board_five_digits_spaces(otb: dict, otb_root: Path) -> None:
    seq = otb["otb_Board"]
    img = otb_root / "Board" / "img"
    assert seq.frames[:2] == [str(img / "00001.jpg"), str(img / "00002.jpg")]
    np.testing.assert_array_equal(seq.ground_truth_xywh[697], [698, 1397, 34, 40.5])


def test_diving_stops_before_the_last_image(otb: dict, otb_root: Path) -> None:
    seq = otb["otb_Diving"]
    assert len(seq) == 215 and seq.frames[-1] == str(otb_root / "Diving" / "img" / "0215.jpg")


def test_two_targets_share_a_folder(otb: dict, otb_root: Path) -> None:
    one, two = otb["otb_Jogging_1"], otb["otb_Jogging_2"]
    assert one.frames == two.frames and one.frames[0] == str(otb_root / "Jogging" / "img" / "0001.jpg")
    # .2 cycles comma, tab, space and ", " per line: the values must not depend on the delimiter.
    np.testing.assert_array_equal(two.ground_truth_xywh[:4], [[1, 3, 30, 40.5], [2, 5, 31, 40.5], [3, 7, 32, 40.5],
                                                              [4, 9, 33, 40.5]])
    np.testing.assert_array_equal(one.ground_truth_xywh, two.ground_truth_xywh)
    human = otb["otb_Human4_2"]  # reads groundtruth_rect.2.txt; the empty .1 file is unused
    assert len(human) == 667 and human.ground_truth_xywh[0].tolist() == [1, 3, 30, 40.5]


def test_full_list_reports_missing_folders(otb_root: Path, settings_for) -> None:
    with pytest.raises(DatasetLayoutError, match=r"\d+ of 100 requested sequence folders are missing") as err:
        load_benchmark("otb", settings_for(otb_dir=otb_root))
    assert "Basketball" in str(err.value) and "groundtruth_rect.txt" in str(err.value)


def test_row_count_must_match_the_frame_range(tmp_path: Path, write_frames, settings_for) -> None:
    _write_otb(tmp_path, write_frames, folders=("Tiger1",))
    _write_gt(tmp_path / "Tiger1" / "groundtruth_rect.txt", 349, [","])  # initOmit rows missing
    with pytest.raises(AnnotationError, match=r"349 lines.*1\.\.354.*\(354\)") as err:
        load_benchmark("otb", settings_for(otb_dir=tmp_path), sequences=["otb_Tiger1"])
    assert str(tmp_path / "Tiger1" / "groundtruth_rect.txt") in str(err.value)


def test_malformed_line_and_missing_frame(tmp_path: Path, write_frames, settings_for) -> None:
    _write_otb(tmp_path, write_frames, folders=("Jogging", "Crossing"))
    gt = tmp_path / "Jogging" / "groundtruth_rect.2.txt"
    lines = gt.read_text().splitlines()
    lines[2] = "3,,7,32"
    gt.write_text("\n".join(lines) + "\n")
    with pytest.raises(AnnotationError) as err:
        load_benchmark("otb", settings_for(otb_dir=tmp_path), sequences=["otb_Jogging_2"])
    assert f"{gt}: line 3: expected 4 comma/tab/space-separated numbers" in str(err.value)
    (tmp_path / "Crossing" / "img" / "0120.jpg").unlink()
    with pytest.raises(DatasetLayoutError, match="frame not found") as err:
        load_benchmark("otb", settings_for(otb_dir=tmp_path), sequences=["otb_Crossing"])
    assert str(tmp_path / "Crossing" / "img" / "0120.jpg") in str(err.value)
