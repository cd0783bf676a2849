"""VastTrack scored by ``--protocol lasot-toolkit`` equals the official VastTrack MATLAB toolkit run by GNU Octave.

The oracle numbers in fixtures/vasttrack_oracle.json come from the toolkit's own ``eval_tracker.m`` on the
mini set of vasttrack_mini.py; fixtures/make_vasttrack_oracle.py regenerates them from a toolkit checkout.
"""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from lib.utils.settings import Settings, save_settings
from tests.test.analysis.tnl2k_mini import TRACKERS
from tests.test.analysis.vasttrack_mini import write_mini_vasttrack
from tracking import analysis_results

ORACLE = json.loads((Path(__file__).parent / "fixtures" / "vasttrack_oracle.json").read_text())


def test_scores_equal_the_matlab_toolkit(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    names = write_mini_vasttrack(tmp_path / "VastTrack", tmp_path / "results")
    assert names == ORACLE["sequences"]
    save_settings(Settings(vasttrack_dir=str(tmp_path / "VastTrack"), results_dir=str(tmp_path / "res")),
                  tmp_path / "settings.yaml")
    code = analysis_results.main(["--settings", str(tmp_path / "settings.yaml"), "--dataset", "vasttrack",
                                  "--protocol", "lasot-toolkit", "--results",
                                  *(f"{t}={tmp_path / 'results' / t}" for t in TRACKERS),
                                  "--json", str(tmp_path / "scores.json"), "--no-plots", "--no-progress"])
    capsys.readouterr()
    assert code == 0
    scored = {entry["label"]: entry for entry in json.loads((tmp_path / "scores.json").read_text())["trackers"]}
    for tracker, oracle in ORACLE["trackers"].items():
        for key in ("AUC", "P", "P_norm"):
            assert scored[tracker]["scores"][key] / 100 == pytest.approx(oracle[key], abs=1e-9), (tracker, key)
            for name, expected in oracle["per_sequence"].items():
                assert scored[tracker]["per_sequence"][name][key] / 100 == pytest.approx(expected[key], abs=1e-9)
    # The lost tracker's all-zero sequence is left out of its average, as the toolkit does.
    assert ORACLE["trackers"]["lost"]["per_sequence"]["Off-Road Vehicle-20"]["AUC"] == 0.0
