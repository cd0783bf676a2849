"""TNL2K and VastTrack scored by ``--protocol lasot-toolkit`` equal their owners' MATLAB toolkits run by GNU Octave.

The oracle numbers in fixtures/<benchmark>_oracle.json come from each toolkit's own ``eval_tracker.m`` on the
mini sets of tnl2k_mini.py and vasttrack_mini.py; fixtures/make_<benchmark>_oracle.py regenerates them from a
toolkit checkout.
"""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from lib.utils.settings import Settings, save_settings
from tests.test.analysis.tnl2k_mini import TRACKERS, write_mini_tnl2k
from tests.test.analysis.vasttrack_mini import write_mini_vasttrack
from tracking import analysis_results

FIXTURES = Path(__file__).parent / "fixtures"

#: benchmark -> (mini-set writer, root folder name, the lost tracker's all-zero sequence)
BENCHMARKS = {
    "tnl2k": (write_mini_tnl2k, "TNL2K", "advSamp_monitor_bikeyellow"),
    "vasttrack": (write_mini_vasttrack, "VastTrack", "Off-Road Vehicle-20"),
}


@pytest.mark.parametrize("benchmark", sorted(BENCHMARKS))
def test_scores_equal_the_matlab_toolkit(benchmark: str, tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    write_mini, folder, all_zero_sequence = BENCHMARKS[benchmark]
    oracle_file = json.loads((FIXTURES / f"{benchmark}_oracle.json").read_text())
    names = write_mini(tmp_path / folder, tmp_path / "results")
    assert names == oracle_file["sequences"]
    save_settings(Settings(**{f"{benchmark}_dir": str(tmp_path / folder)}, results_dir=str(tmp_path / "res")),
                  tmp_path / "settings.yaml")
    code = analysis_results.main(["--settings", str(tmp_path / "settings.yaml"), "--dataset", benchmark,
                                  "--protocol", "lasot-toolkit", "--results",
                                  *(f"{t}={tmp_path / 'results' / t}" for t in TRACKERS),
                                  "--json", str(tmp_path / "scores.json"), "--no-plots", "--no-progress"])
    capsys.readouterr()
    assert code == 0
    scored = {entry["label"]: entry for entry in json.loads((tmp_path / "scores.json").read_text())["trackers"]}
    for tracker, oracle in oracle_file["trackers"].items():
        for key in ("AUC", "P", "P_norm"):
            assert scored[tracker]["scores"][key] / 100 == pytest.approx(oracle[key], abs=1e-9), (tracker, key)
            for name, expected in oracle["per_sequence"].items():
                assert scored[tracker]["per_sequence"][name][key] / 100 == pytest.approx(expected[key], abs=1e-9)
    # The lost tracker's all-zero sequence is left out of its average, as the toolkits do.
    assert oracle_file["trackers"]["lost"]["per_sequence"][all_zero_sequence]["AUC"] == 0.0
