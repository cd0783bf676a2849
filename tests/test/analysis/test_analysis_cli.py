"""tracking/analysis_results.py on a synthetic GOT-10k validation split read by the real loader."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from lib.test.evaluation import load_benchmark
from lib.test.evaluation.results import result_dir, write_sequence_results
from lib.utils.settings import Settings, save_settings
from lib.utils.synthetic import render_videos, write_got10k
from tracking import analysis_results


@pytest.fixture
def got10k_val(tmp_path: Path) -> Path:
    """Settings file for a 2-sequence synthetic GOT-10k val with a perfect and a shifted tracker."""
    videos = render_videos(11, 2, num_frames=6, height=64, width=80, min_size=10, max_size=24)
    write_got10k(tmp_path / "GOT10k", videos, split="val")
    settings = Settings(got10k_dir=str(tmp_path / "GOT10k"), results_dir=str(tmp_path / "res"),
                        result_plots_dir=str(tmp_path / "plots"))
    save_settings(settings, tmp_path / "settings.yaml")
    for seq in load_benchmark("got10k_val", settings):
        gt = seq.ground_truth_xywh
        write_sequence_results(result_dir(settings, "aiatrack", "perfect"), seq, gt, np.full(len(gt), 0.02))
        shifted = gt.copy()
        shifted[:, 0] += gt[:, 2]  # one box width to the right: touching, IoU 0 after frame 0
        write_sequence_results(result_dir(settings, "aiatrack", "shifted"), seq, shifted, np.full(len(gt), 0.04))
    return tmp_path / "settings.yaml"


def test_cli_prints_protocol_table_and_writes_plots(got10k_val: Path, tmp_path: Path,
                                                    capsys: pytest.CaptureFixture) -> None:
    code = analysis_results.main(["--tracker", "aiatrack", "--param", "perfect", "shifted", "--dataset",
                                  "got10k_val", "--settings", str(got10k_val), "--plot-dir", str(tmp_path / "p"),
                                  "--per-sequence", "--no-progress"])
    out = capsys.readouterr().out
    assert code == 0
    assert out.startswith("Protocol: aiatrack - official AiATrack analysis")
    assert "Dataset: got10k_val, 2 sequences evaluated" in out
    # Perfect: 20/21. Shifted: only frame 0 overlaps (1 of 6 frames) -> OP50 = 16.67.
    rows = {line.split("|")[0].strip(): [c.strip() for c in line.split("|")[1:]]
            for line in out.splitlines() if line.startswith("aiatrack_")}
    assert rows["aiatrack_perfect"][:2] == ["95.24", "100.00"]
    assert rows["aiatrack_shifted"][:3] == ["15.87", "16.67", "16.67"]  # AUC = 20/21 * 1/6
    assert "GOT-10k_Val_000002" in out
    assert sorted(p.name for p in (tmp_path / "p").iterdir()) == [
        "got10k_val_aiatrack_norm_precision.png", "got10k_val_aiatrack_precision.png",
        "got10k_val_aiatrack_success.png"]


def test_cli_got10k_protocol(got10k_val: Path, capsys: pytest.CaptureFixture) -> None:
    code = analysis_results.main(["--results", f"mine={Path(got10k_val).parent / 'res/aiatrack/perfect'}",
                                  "--dataset", "got10k_val", "--settings", str(got10k_val), "--protocol", "got10k",
                                  "--no-plots", "--no-progress", "--json", str(got10k_val.parent / "s.json")])
    out = capsys.readouterr().out
    assert code == 0 and out.startswith("Protocol: got10k - got10k toolkit ExperimentGOT10k")
    assert "mine    | 100.00 | 100.00 | 100.00 | 50.00" in out
    data = json.loads((got10k_val.parent / "s.json").read_text())
    assert data["protocol"] == "got10k" and data["trackers"][0]["scores"]["AO"] == 100.0
    assert len(data["thresholds"]["success"]) == 101 and len(data["trackers"][0]["curves"]["success"]) == 101
    assert set(data["trackers"][0]["per_sequence"]) == {"GOT-10k_Val_000001", "GOT-10k_Val_000002"}


def test_cli_run_ids_side_by_side_or_merged(got10k_val: Path, capsys: pytest.CaptureFixture) -> None:
    root = got10k_val.parent / "res" / "aiatrack"
    (root / "perfect").rename(root / "x_001")
    (root / "shifted").rename(root / "x_002")
    base = ["--tracker", "aiatrack", "--param", "x", "--run-id", "1", "2", "--dataset", "got10k_val",
            "--settings", str(got10k_val), "--no-plots", "--no-progress"]
    assert analysis_results.main(base) == 0
    out = capsys.readouterr().out
    assert "aiatrack_x_001 | 95.24" in out and "aiatrack_x_002 | 15.87" in out
    assert analysis_results.main(base + ["--merge-runs"]) == 0
    out = capsys.readouterr().out
    assert "aiatrack_x | 55.56" in out  # (20/21 + 20/21 * 1/6) / 2


def test_cli_errors_are_one_line(got10k_val: Path, capsys: pytest.CaptureFixture) -> None:
    code = analysis_results.main(["--tracker", "aiatrack", "--param", "nothing", "--dataset", "got10k_val",
                                  "--settings", str(got10k_val), "--no-plots"])
    assert code == 2 and "res/aiatrack/nothing does not exist" in capsys.readouterr().err


def test_cli_options_parse_to_what_main_reads(capsys: pytest.CaptureFixture) -> None:
    """``--help`` exits 0; the documented options parse to the values the analysis uses, and the rules
    between them are enforced by the parser (exit 2)."""
    with pytest.raises(SystemExit) as info:
        analysis_results.main(["--help"])
    assert info.value.code == 0
    args = analysis_results.parse_args(["--tracker", "aiatrack", "--param", "a", "b.yaml", "--dataset", "got10k_val",
                                        "--protocol", "got10k", "--plot-dir", "plots", "--per-sequence",
                                        "--run-id", "1", "2", "--merge-runs"])
    assert (args.tracker, args.param, args.dataset, args.protocol) == ("aiatrack", ["a", "b.yaml"], "got10k_val",
                                                                       "got10k")
    assert args.plot_dir == Path("plots") and args.per_sequence and args.run_id == [1, 2] and args.merge_runs
    folders = analysis_results.parse_args(["--results", "mine=/r/a", "/r/b", "--dataset", "lasot"])
    assert folders.results == ["mine=/r/a", "/r/b"] and folders.tracker is None and folders.protocol == "aiatrack"
    for bad in (["--tracker", "aiatrack", "--dataset", "lasot"],                          # no --param
                ["--results", "/r/a", "--run-id", "1", "--dataset", "lasot"],             # runs need --tracker
                ["--tracker", "aiatrack", "--results", "/r/a", "--param", "x", "--dataset", "lasot"],
                ["--tracker", "aiatrack", "--param", "x", "--dataset", "lasot", "--protocol", "vot"]):
        with pytest.raises(SystemExit) as info:
            analysis_results.parse_args(bad)
        assert info.value.code == 2, bad
