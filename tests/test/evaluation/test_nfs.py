"""NfS30 loader (pytracking's re-packed layout, TAB-delimited annotations)."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from lib.test.evaluation import AnnotationError, DatasetLayoutError, load_benchmark


@pytest.fixture
def nfs_root(tmp_path: Path, write_frames) -> Path:
    root = tmp_path / "NFS30"
    write_frames(root / "sequences" / "car_jumping", [f"{i:05d}.jpg" for i in range(1, 23)])  # frames 1-22
    write_frames(root / "sequences" / "shuffleboard_5", [f"{i:05d}.jpg" for i in range(1, 33)])  # frames 1-32
    (root / "anno").mkdir()
    (root / "anno" / "nfs_car_jumping.txt").write_text("".join(f"{412 + k}\t188\t54\t{113 - k}\n" for k in range(22)))
    (root / "anno" / "nfs_shuffleboard_5.txt").write_text("".join(f"{k}.5\t2\t3\t4\n" for k in range(32)))
    return root


def test_sequences(nfs_root: Path, settings_for) -> None:
    seqs = load_benchmark("nfs", settings_for(nfs_dir=nfs_root), sequences=["nfs_shuffleboard_5", "nfs_car_jumping"])
    assert [s.name for s in seqs] == ["nfs_shuffleboard_5", "nfs_car_jumping"]
    car = seqs[1]
    folder = nfs_root / "sequences" / "car_jumping"
    assert car.frames[:3] == [str(folder / "00001.jpg"), str(folder / "00002.jpg"), str(folder / "00003.jpg")]
    assert car.frames[-1] == str(folder / "00022.jpg") and len(car) == 22
    np.testing.assert_array_equal(car.ground_truth_xywh[[0, 21]], [[412, 188, 54, 113], [433, 188, 54, 92]])
    assert (car.dataset, car.object_class, car.target_visible) == ("nfs", "car", None)
    np.testing.assert_array_equal(seqs[0].ground_truth_xywh[31], [31.5, 2, 3, 4])


def test_tab_delimiter_is_required(nfs_root: Path, settings_for) -> None:
    anno = nfs_root / "anno" / "nfs_car_jumping.txt"
    anno.write_text(anno.read_text().replace("\t", ",", 3))
    with pytest.raises(AnnotationError) as err:
        load_benchmark("nfs", settings_for(nfs_dir=nfs_root), sequences=["nfs_car_jumping"])
    assert f"{anno}: line 1: expected 4 tab-separated numbers (x,y,w,h), got '412,188,54,113'" in str(err.value)


def test_official_download_layout_is_recognised(tmp_path: Path, write_frames, settings_for) -> None:
    write_frames(tmp_path / "car_jumping" / "30" / "car_jumping", ["00001.jpg"])
    (tmp_path / "car_jumping" / "30" / "car_jumping.txt").write_text('0 412 188 466 301 1 0 0 0 "car"\n')
    with pytest.raises(DatasetLayoutError, match="official NfS download") as err:
        load_benchmark("nfs", settings_for(nfs_dir=tmp_path))
    assert "sequences/<name>/00001.jpg" in str(err.value)


def test_missing_annotation_file(nfs_root: Path, settings_for) -> None:
    (nfs_root / "anno" / "nfs_car_jumping.txt").unlink()
    with pytest.raises(DatasetLayoutError, match="annotation file not found") as err:
        load_benchmark("nfs", settings_for(nfs_dir=nfs_root), sequences=["nfs_car_jumping"])
    assert str(nfs_root / "anno" / "nfs_car_jumping.txt") in str(err.value)
