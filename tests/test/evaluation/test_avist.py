"""AVisT loader on a tiny dataset in the real layout."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from lib.test.evaluation import AnnotationError, DatasetLayoutError, load_benchmark


def write_avist_sequence(root: Path, name: str, boxes: list[str], occluded: list[int], out_of_view: list[int],
                         write_frames) -> None:
    """One sequence of the AVisT layout under ``root`` (frames, anno, both flag files)."""
    write_frames(root / "sequences" / name, [f"img_{k:05d}.jpg" for k in range(1, len(boxes) + 1)])
    (root / "anno").mkdir(parents=True, exist_ok=True)
    (root / "anno" / f"{name}.txt").write_text("\n".join(boxes) + "\n")
    for folder, flags in (("full_occlusion", occluded), ("out_of_view", out_of_view)):
        (root / folder).mkdir(exist_ok=True)
        (root / folder / f"{name}_{folder}.txt").write_text(",".join(map(str, flags)) + "\n")


@pytest.fixture
def avist_root(tmp_path: Path, write_frames) -> Path:
    root = tmp_path / "AVisT"
    write_avist_sequence(root, "airplane_in_rain", ["10,20,30,40", "11,21,30,40", "0,0,0,0", "12,22,30,40"],
                         [0, 0, 1, 0], [0, 0, 0, 1], write_frames)
    write_avist_sequence(root, "Phasmid_insect_camouflage", ["5 6 7 8", "5 6 7 9"], [0, 0], [0, 0], write_frames)
    # One flag per line is read too.
    (root / "full_occlusion" / "Phasmid_insect_camouflage_full_occlusion.txt").write_text("0\n1\n")
    return root


def test_sequences_frames_and_visibility(avist_root: Path, settings_for) -> None:
    seqs = load_benchmark("avist", settings_for(avist_dir=avist_root))
    assert [s.name for s in seqs] == ["Phasmid_insect_camouflage", "airplane_in_rain"]
    seq = seqs[1]
    assert seq.frames == [str(avist_root / "sequences" / "airplane_in_rain" / f"img_{k:05d}.jpg") for k in (1, 2, 3, 4)]
    assert seq.init_box_xywh == [10, 20, 30, 40] and seq.dataset == "avist"
    np.testing.assert_array_equal(seq.target_visible, [True, True, False, False])
    np.testing.assert_array_equal(seqs[0].ground_truth_xywh, [[5, 6, 7, 8], [5, 6, 7, 9]])  # space-separated
    np.testing.assert_array_equal(seqs[0].target_visible, [True, False])
    assert seq.traits.tracking.hyper_key == "AVIST"


def test_flag_count_and_missing_files_are_named(avist_root: Path, settings_for) -> None:
    flags = avist_root / "out_of_view" / "airplane_in_rain_out_of_view.txt"
    flags.write_text("0,0,1\n")
    with pytest.raises(AnnotationError, match=rf"{flags}: line 1 holds 3 flags but .* has 4 lines"):
        load_benchmark("avist", settings_for(avist_dir=avist_root))
    flags.unlink()
    with pytest.raises(DatasetLayoutError, match=str(flags)):
        load_benchmark("avist", settings_for(avist_dir=avist_root))
    last = avist_root / "sequences" / "Phasmid_insect_camouflage" / "img_00002.jpg"
    last.unlink()
    with pytest.raises(DatasetLayoutError, match=str(last)):
        load_benchmark("avist", settings_for(avist_dir=avist_root), sequences=["Phasmid_insect_camouflage"])
    with pytest.raises(DatasetLayoutError, match="AVisT annotation folder not found"):
        load_benchmark("avist", settings_for(avist_dir=avist_root / "sequences"))
