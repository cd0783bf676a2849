"""--protocol avist (pytracking's analysis with exclude_invalid_frames=False, as AVisT runs it): on a hand-made
AVisT sequence whose scores are worked out by hand below, and equal to pytracking's own code on a mini set."""
from __future__ import annotations

import json
from pathlib import Path

import cv2
import numpy as np
import pytest

from lib.utils.settings import Settings, save_settings
from tests.test.analysis.avist_mini import write_mini_avist
from tests.test.analysis.tnl2k_mini import TRACKERS
from tracking import analysis_results

# Five frames of a 10x10 target. Frame 0 is replaced by the ground truth, frame 1 is exact (IoU 1), frame 2
# is 5 px off (inclusive pixels: 50 / 150 = 1/3), frames 3 and 4 are exact but the target is occluded / out of
# view there, so they are misses. IoU 1 beats 20 of the 21 thresholds (not t = 1), 1/3 beats t = 0 .. 0.30 (7).
GT = ["10,10,10,10"] * 5
PRED = ["0,0,5,5", "10,10,10,10", "15,10,10,10", "10,10,10,10", "10,10,10,10"]
OCCLUDED, OUT_OF_VIEW = [0, 0, 0, 1, 0], [0, 0, 0, 0, 1]


def _write(root: Path, results: Path) -> None:
    name = "fish_in_sea"
    (root / "sequences" / name).mkdir(parents=True)
    for k in range(1, 6):
        assert cv2.imwrite(str(root / "sequences" / name / f"img_{k:05d}.jpg"), np.zeros((32, 32, 3), np.uint8))
    (root / "anno").mkdir()
    (root / "anno" / f"{name}.txt").write_text("\n".join(GT) + "\n")
    for folder, flags in (("full_occlusion", OCCLUDED), ("out_of_view", OUT_OF_VIEW)):
        (root / folder).mkdir()
        (root / folder / f"{name}_{folder}.txt").write_text(",".join(map(str, flags)) + "\n")
    results.mkdir(parents=True)
    (results / f"{name}.txt").write_text("\n".join(PRED) + "\n")


@pytest.mark.parametrize("protocol, frames", [("avist", 5), ("aiatrack", 3)])
def test_invisible_frames_are_misses_over_all_frames(tmp_path: Path, capsys, protocol: str, frames: int) -> None:
    _write(tmp_path / "AVisT", tmp_path / "mine")
    save_settings(Settings(avist_dir=str(tmp_path / "AVisT")), tmp_path / "settings.yaml")
    code = analysis_results.main(["--settings", str(tmp_path / "settings.yaml"), "--dataset", "avist",
                                  "--protocol", protocol, "--results", f"mine={tmp_path / 'mine'}",
                                  "--json", str(tmp_path / "scores.json"), "--no-plots", "--no-progress"])
    capsys.readouterr()
    assert code == 0
    scores = json.loads((tmp_path / "scores.json").read_text())["trackers"][0]["scores"]
    # avist: the 5 frames are the denominator; aiatrack: only the 3 visible ones are.
    assert scores["AUC"] == pytest.approx(100 * (2 * 20 + 7) / (21 * frames), abs=1e-4)
    assert scores["OP50"] == pytest.approx(100 * 2 / frames, abs=1e-4)
    assert scores["OP75"] == pytest.approx(100 * 2 / frames, abs=1e-4)


ORACLE = json.loads((Path(__file__).parent / "fixtures" / "avist_oracle.json").read_text())


def test_scores_equal_pytrackings_own_code(tmp_path: Path, capsys) -> None:
    """fixtures/avist_oracle.json: pytracking's calc_seq_err_robust run on the files of avist_mini.py
    (fixtures/make_avist_oracle.py regenerates it from a pytracking checkout)."""
    names = write_mini_avist(tmp_path / "AVisT", tmp_path / "results")
    assert names == ORACLE["sequences"]
    save_settings(Settings(avist_dir=str(tmp_path / "AVisT")), tmp_path / "settings.yaml")
    code = analysis_results.main(["--settings", str(tmp_path / "settings.yaml"), "--dataset", "avist",
                                  "--protocol", "avist", "--allow-row-mismatch", "--results",
                                  *(f"{t}={tmp_path / 'results' / t}" for t in TRACKERS),
                                  "--json", str(tmp_path / "scores.json"), "--no-plots", "--no-progress"])
    capsys.readouterr()
    assert code == 0
    scored = {entry["label"]: entry for entry in json.loads((tmp_path / "scores.json").read_text())["trackers"]}
    for tracker, oracle in ORACLE["trackers"].items():
        for key in ("AUC", "OP50", "OP75"):
            assert scored[tracker]["scores"][key] == pytest.approx(oracle[key], abs=1e-4), (tracker, key)
            for name, expected in oracle["per_sequence"].items():
                assert scored[tracker]["per_sequence"][name][key] == pytest.approx(expected[key], abs=1e-4)
