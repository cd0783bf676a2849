"""TrackingNet loader on a tiny dataset in the real layout (0-based, unpadded frame names)."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from lib.test.evaluation import AnnotationError, DatasetLayoutError, load_benchmark


@pytest.fixture
def tn_root(tmp_path: Path, write_frames) -> Path:
    root = tmp_path / "TrackingNet"
    videos = (("TEST", "zz_Ab-Cd_Ef_3", 2), ("TEST", "AbCdEfGhIjK_0", 12), ("TRAIN_0", "Tr_ain_00001_0", 3))
    for split, name, count in videos:
        write_frames(root / split / "frames" / name, [f"{i}.jpg" for i in range(count)])
        (root / split / "zips").mkdir(parents=True, exist_ok=True)
        (root / split / "zips" / f"{name}.zip").write_bytes(b"")
    (root / "TEST" / "anno").mkdir()
    (root / "TEST" / "anno" / "AbCdEfGhIjK_0.txt").write_text("512.3,288.0,201.5,120.25\n")
    (root / "TEST" / "anno" / "zz_Ab-Cd_Ef_3.txt").write_text("1,2,3,4\n")
    (root / "TRAIN_0" / "anno").mkdir()
    (root / "TRAIN_0" / "anno" / "Tr_ain_00001_0.txt").write_text("1,2,3,4\n2,3,4,5\n3.5,4,5,6\n")
    return root


def test_test_split(tn_root: Path, settings_for) -> None:
    seqs = load_benchmark("trackingnet", settings_for(trackingnet_dir=tn_root))
    assert [s.name for s in seqs] == ["AbCdEfGhIjK_0", "zz_Ab-Cd_Ef_3"]
    seq = seqs[0]
    folder = tn_root / "TEST" / "frames" / "AbCdEfGhIjK_0"
    # Numeric order: 2.jpg comes before 10.jpg.
    expected = ["0.jpg", "1.jpg", "2.jpg", "3.jpg", "4.jpg", "5.jpg", "6.jpg", "7.jpg", "8.jpg", "9.jpg",
                "10.jpg", "11.jpg"]
    assert seq.frames == [str(folder / name) for name in expected]
    np.testing.assert_array_equal(seq.ground_truth_xywh, [[512.3, 288.0, 201.5, 120.25]])
    assert (seq.dataset, seq.target_visible) == ("trackingnet", None)


def test_training_chunk_split(tn_root: Path, settings_for) -> None:
    (seq,) = load_benchmark("trackingnet", settings_for(trackingnet_dir=tn_root), split="TRAIN_0")
    assert seq.frames[-1] == str(tn_root / "TRAIN_0" / "frames" / "Tr_ain_00001_0" / "2.jpg")
    np.testing.assert_array_equal(seq.ground_truth_xywh, [[1, 2, 3, 4], [2, 3, 4, 5], [3.5, 4, 5, 6]])


def test_unextracted_frames_point_to_the_zips(tn_root: Path, settings_for) -> None:
    for frame in (tn_root / "TEST" / "frames" / "zz_Ab-Cd_Ef_3").iterdir():
        frame.unlink()
    (tn_root / "TEST" / "frames" / "zz_Ab-Cd_Ef_3").rmdir()
    with pytest.raises(DatasetLayoutError, match="zips") as err:
        load_benchmark("trackingnet", settings_for(trackingnet_dir=tn_root))
    assert str(tn_root / "TEST" / "frames" / "zz_Ab-Cd_Ef_3") in str(err.value)


def test_missing_and_padded_frames(tn_root: Path, settings_for) -> None:
    folder = tn_root / "TEST" / "frames" / "AbCdEfGhIjK_0"
    (folder / "10.jpg").unlink()
    with pytest.raises(DatasetLayoutError) as err:
        load_benchmark("trackingnet", settings_for(trackingnet_dir=tn_root), sequences=["AbCdEfGhIjK_0"])
    assert f"frame not found: {folder / '10.jpg'}" in str(err.value)
    (folder / "11.jpg").rename(folder / "010.jpg")
    with pytest.raises(DatasetLayoutError, match="unpadded"):
        load_benchmark("trackingnet", settings_for(trackingnet_dir=tn_root), sequences=["AbCdEfGhIjK_0"])


def test_annotation_longer_than_the_video(tn_root: Path, settings_for) -> None:
    anno = tn_root / "TEST" / "anno" / "zz_Ab-Cd_Ef_3.txt"
    anno.write_text("1,2,3,4\n1,2,3,4\n1,2,3,4\n")
    with pytest.raises(AnnotationError, match="3 lines for 2 frames") as err:
        load_benchmark("trackingnet", settings_for(trackingnet_dir=tn_root))
    assert str(anno) in str(err.value)


def test_empty_annotation_folder(tmp_path: Path, settings_for) -> None:
    (tmp_path / "TEST" / "anno").mkdir(parents=True)
    with pytest.raises(DatasetLayoutError, match="sequence annotation files not found"):
        load_benchmark("trackingnet", settings_for(trackingnet_dir=tmp_path))
