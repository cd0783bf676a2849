"""UAV123 loader: sub-sequences of shared folders selected by frame range, NaN rows as absence."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from lib.test.evaluation import AnnotationError, DatasetLayoutError, load_benchmark
from lib.utils.settings import Settings

SUBSET = ["uav_bird1_1", "uav_bird1_2", "uav_bird1_3", "uav_car1_1", "uav_car1_2"]


def _write_anno(path: Path, rows: int, nan_rows: tuple[int, ...] = ()) -> None:
    """``rows`` lines ``k,100+k,20,10`` (k 0-based), ``NaN,NaN,NaN,NaN`` on ``nan_rows``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join("NaN,NaN,NaN,NaN\n" if k in nan_rows else f"{k},{100 + k},20,10\n" for k in range(rows)))


def _write_uav(root: Path, write_frames) -> None:
    data = root / "data_seq" / "UAV123"
    write_frames(data / "bird1", [f"{i:06d}.jpg" for i in range(1, 2438)])  # bird1_1..3 = 1-253, 775-1477, 1573-2437
    write_frames(data / "car1", [f"{i:06d}.jpg" for i in range(1, 1628)])  # car1_1 = 1-751, car1_2 = 751-1627
    anno = root / "anno" / "UAV123"
    _write_anno(anno / "bird1_1.txt", 253)
    _write_anno(anno / "bird1_2.txt", 703, nan_rows=(1, 2, 702))
    _write_anno(anno / "bird1_3.txt", 865)
    _write_anno(anno / "car1_1.txt", 751)
    _write_anno(anno / "car1_2.txt", 877, nan_rows=(5,))


@pytest.fixture(scope="module")
def uav_root(tmp_path_factory: pytest.TempPathFactory, write_frames) -> Path:
    root = tmp_path_factory.mktemp("uav") / "UAV123"
    _write_uav(root, write_frames)
    return root


@pytest.fixture(scope="module")
def uav(uav_root: Path) -> dict:
    return {s.name: s for s in load_benchmark("uav", Settings(uav_dir=str(uav_root)), sequences=SUBSET)}


def test_sub_sequences_index_the_shared_folder(uav: dict, uav_root: Path) -> None:
    bird1 = uav_root / "data_seq" / "UAV123" / "bird1"
    one, two, three = uav["uav_bird1_1"], uav["uav_bird1_2"], uav["uav_bird1_3"]
    assert one.frames[:2] == [str(bird1 / "000001.jpg"), str(bird1 / "000002.jpg")]
    assert one.frames[-1] == str(bird1 / "000253.jpg") and len(one) == 253
    assert two.frames[:2] == [str(bird1 / "000775.jpg"), str(bird1 / "000776.jpg")]
    assert two.frames[-1] == str(bird1 / "001477.jpg") and len(two) == 703
    assert three.frames[0] == str(bird1 / "001573.jpg") and len(three) == 865
    assert {s.dataset for s in uav.values()} == {"uav"} and one.object_class == "bird"


def test_consecutive_sub_sequences_share_a_boundary_frame(uav: dict, uav_root: Path) -> None:
    car1 = uav_root / "data_seq" / "UAV123" / "car1"
    assert uav["uav_car1_1"].frames[-1] == uav["uav_car1_2"].frames[0] == str(car1 / "000751.jpg")
    # Row 0 of car1_2.txt belongs to frame 751 of the video.
    np.testing.assert_array_equal(uav["uav_car1_2"].ground_truth_xywh[0], [0, 100, 20, 10])


def test_nan_rows_mark_absence(uav: dict) -> None:
    seq = uav["uav_bird1_2"]
    visible = np.ones(703, dtype=bool)
    visible[[1, 2, 702]] = False
    np.testing.assert_array_equal(seq.target_visible, visible)
    assert np.isnan(seq.ground_truth_xywh[[1, 2, 702]]).all()
    np.testing.assert_array_equal(seq.ground_truth_xywh[[0, 3, 701]], [[0, 100, 20, 10], [3, 103, 20, 10],
                                                                       [701, 801, 20, 10]])
    assert uav["uav_bird1_1"].target_visible.all()


def test_errors(tmp_path: Path, write_frames, settings_for) -> None:
    _write_uav(tmp_path, write_frames)
    settings = settings_for(uav_dir=tmp_path)
    # bird1_1..3 and car1_1..3 have their folders; the other 117 sequences are reported together.
    with pytest.raises(DatasetLayoutError, match="117 of 123") as err:
        load_benchmark("uav", settings)
    assert str(tmp_path / "data_seq" / "UAV123" / "bike1") in str(err.value)
    anno = tmp_path / "anno" / "UAV123" / "car1_2.txt"
    _write_anno(anno, 876)
    with pytest.raises(AnnotationError, match=r"876 lines.*751\.\.1627") as err:
        load_benchmark("uav", settings, sequences=["uav_car1_2"])
    assert str(anno) in str(err.value)
    _write_anno(anno, 877, nan_rows=(0,))
    with pytest.raises(AnnotationError, match="line 1: the first frame must have a box"):
        load_benchmark("uav", settings, sequences=["uav_car1_2"])
    anno.write_text(anno.read_text().replace("NaN,NaN,NaN,NaN", "1;2;3;4"))
    with pytest.raises(AnnotationError, match="line 1: expected 4 comma-separated numbers"):
        load_benchmark("uav", settings, sequences=["uav_car1_2"])
    (tmp_path / "data_seq" / "UAV123" / "bird1" / "001477.jpg").unlink()
    with pytest.raises(DatasetLayoutError, match="001477.jpg"):
        load_benchmark("uav", settings, sequences=["uav_bird1_2"])
