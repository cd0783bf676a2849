"""tracking/test.py and tracking/analysis_results.py on synthetic VOT2018- and VOT2020-style sets."""
import json

import pytest

from lib.test.analysis.vot import STACKS, evaluate
from lib.test.evaluation.vot import load_vot
from lib.utils.settings import Settings, save_settings
from lib.utils.synthetic import render_videos, write_vot
from tracking.analysis_results import main as analysis_main
from tracking.test import main as run_main


@pytest.fixture()
def vot_settings(tmp_path):
    videos = list(render_videos(9, 1, num_frames=8, height=64, width=80, min_size=12, max_size=30))
    write_vot(tmp_path / "vot2018", videos, "polygon")
    write_vot(tmp_path / "vot2020", videos, "mask", anchor_spacing=4)
    settings = Settings(vot18_dir=str(tmp_path / "vot2018"), vot20_dir=str(tmp_path / "vot2020"),
                        results_dir=str(tmp_path / "results"), result_plots_dir=str(tmp_path / "plots"))
    save_settings(settings, tmp_path / "settings.yaml")
    return tmp_path / "settings.yaml"


@pytest.mark.parametrize("dataset,stack,names", [("vot18", "vot2018", ["synthetic_9_0_001.txt"]),
                                                 ("vot20", "vot2020", ["synthetic_9_0_00000000.txt",
                                                                       "synthetic_9_0_00000004.txt",
                                                                       "synthetic_9_0_00000007.txt"])])
def test_vot_run_and_analysis(vot_settings, tiny_checkpoint, capsys, dataset, stack, names):
    common = ["--settings", str(vot_settings)]
    assert run_main(["aiatrack", "tiny", "--dataset", dataset, "--checkpoint", str(tiny_checkpoint),
                      "--no-progress", "--torch-threads", "1", *common]) == 0
    folder = vot_settings.parent / "results" / "aiatrack" / "tiny" / dataset
    assert sorted(p.name for p in (folder / "synthetic_9_0").glob("*.txt")) == names
    capsys.readouterr()
    report = vot_settings.parent / "report.json"
    assert analysis_main(["--tracker", "aiatrack", "--param", "tiny", "--dataset", dataset, "--protocol", "vot",
                          "--json", str(report), *common]) == 0
    out = capsys.readouterr().out
    assert f"Stack: {stack}, protocol: VOT {STACKS[stack].protocol}" in out
    assert (vot_settings.parent / "plots" / dataset / f"{dataset}_vot_eao.png").stat().st_size > 0
    expected = evaluate(load_vot(vot_settings.parent / ("vot2018" if dataset == "vot18" else "vot2020")), folder,
                        STACKS[stack])
    written = json.loads(report.read_text())["trackers"][0]["scores"]
    assert written["A"] == pytest.approx(expected.scores["A"]) and written["R"] == pytest.approx(expected.scores["R"])


def test_vot_protocol_and_dataset_go_together(vot_settings, capsys):
    # The parser refuses (exit 2) what the table's protocols say they do not score or merge.
    for argv, named in ((["--results", "x", "--dataset", "vot18"], "its protocols: vot"),
                        (["--results", "x", "--dataset", "lasot", "--protocol", "vot"], "does not score lasot"),
                        (["--tracker", "aiatrack", "--param", "x", "--run-id", "1", "2", "--merge-runs", "--dataset",
                          "vot18", "--protocol", "vot"], "--merge-runs does not apply to --protocol vot")):
        with pytest.raises(SystemExit) as info:
            analysis_main([*argv, "--settings", str(vot_settings)])
        assert info.value.code == 2 and named in capsys.readouterr().err, argv
    assert analysis_main(["--results", str(vot_settings.parent / "none"), "--dataset", "vot18", "--protocol", "vot",
                          "--settings", str(vot_settings)]) == 2
    assert "does not exist" in capsys.readouterr().err


@pytest.mark.parametrize("dataset", ["vot18", "vot20"])
def test_results_folder_finds_the_vot_subfolder_as_for_got10k(vot_settings, capsys, dataset):
    # Perfect trajectories written by hand in test.py's layout <param>/<dataset>/<seq>/: --results may name
    # the <param> folder (as for got10k/ and trackingnet/) or the folder holding the sequences (toolkit layout).
    from lib.test.evaluation.vot import SpecialRegion
    from lib.test.evaluation.vot_results import multistart_name, supervised_name, write_trajectory
    from lib.test.evaluation.vot_runner import anchor_runs

    param = vot_settings.parent / "results" / "aiatrack" / "perfect"
    (sequence,) = load_vot(vot_settings.parent / ("vot2018" if dataset == "vot18" else "vot2020"))
    truth = sequence.extra["regions"]
    if dataset == "vot18":
        runs = {supervised_name(sequence.name, 1): list(range(len(truth)))}
    else:
        runs = {multistart_name(sequence.name, anchor): list(range(anchor, -1, -1) if backward else
                                                             range(anchor, len(truth)))
                for anchor, backward in anchor_runs(sequence)}
    for name, order in runs.items():
        regions = [SpecialRegion(1)] + [truth[i] for i in order[1:]]
        write_trajectory(param / dataset, sequence.name, name, regions, [0.01] * len(order))
    expected = evaluate([sequence], param / dataset, STACKS["vot2018" if dataset == "vot18" else "vot2020"])
    for folder in (param, param / dataset):
        report = vot_settings.parent / "report.json"
        assert analysis_main(["--results", f"mine={folder}", "--dataset", dataset, "--protocol", "vot", "--no-plots",
                              "--json", str(report), "--settings", str(vot_settings)]) == 0, capsys.readouterr().err
        (written,) = json.loads(report.read_text())["trackers"]
        assert written["label"] == "mine"
        assert [written["scores"][k] for k in ("A", "R")] == pytest.approx([expected.scores[k] for k in ("A", "R")])
    assert expected.scores["R"] == (0 if dataset == "vot18" else 1)  # never lost: no failure / tracked throughout


@pytest.mark.parametrize("region,stack", [("rectangle", "vot2022/shorttermbox"), ("mask", "vot2022/shortterm")])
def test_vot22_baseline_and_realtime(tmp_path, tiny_checkpoint, capsys, region, stack):
    # A mini VOT2022 stack (boxes or masks). Its sequence file says fps=1e9: every call is late, so in the
    # real-time experiment the grace (3) forgives the initialisation and frames 1-2, frame 3's answer is late
    # too and is recorded for every later frame of the run.
    videos = list(render_videos(9, 1, num_frames=8, height=64, width=80, min_size=12, max_size=30))
    write_vot(tmp_path / "vot2022", videos, region, anchor_spacing=4)
    sequence_file = tmp_path / "vot2022" / "sequences" / "synthetic_9_0" / "sequence"
    sequence_file.write_text(sequence_file.read_text().replace("fps=30", "fps=1e9"))
    settings = tmp_path / "settings.yaml"
    save_settings(Settings(vot22_dir=str(tmp_path / "vot2022"), results_dir=str(tmp_path / "results"),
                           result_plots_dir=str(tmp_path / "plots")), settings)
    common = ["--dataset", "vot22", "--checkpoint", str(tiny_checkpoint), "--no-progress", "--torch-threads", "1",
              "--settings", str(settings)]
    assert run_main(["aiatrack", "tiny", *common]) == 0
    assert run_main(["aiatrack", "tiny", "--experiment", "realtime", *common]) == 0
    param = tmp_path / "results" / "aiatrack" / "tiny"
    for anchor, length in ((0, 8), (4, 5), (7, 8)):
        name = f"synthetic_9_0/synthetic_9_0_{anchor:08d}.txt"
        baseline = (param / "vot22" / name).read_text().splitlines()
        realtime = (param / "vot22_realtime" / name).read_text().splitlines()
        assert len(baseline) == len(realtime) == length
        assert realtime[:4] == baseline[:4] and realtime[4:] == [baseline[3]] * (length - 4)
    capsys.readouterr()
    report = tmp_path / "report.json"
    assert analysis_main(["--results", f"rt={param / 'vot22_realtime'}", "--dataset", "vot22", "--protocol", "vot",
                          "--stack", stack, "--no-plots", "--json", str(report), "--settings", str(settings)]) == 0
    assert f"Stack: {stack}, protocol: VOT multistart" in capsys.readouterr().out
    (sequence,) = load_vot(tmp_path / "vot2022")
    assert type(sequence.extra["regions"][0]).__name__ == {"mask": "MaskRegion", "rectangle": "RectangleRegion"}[region]
    expected = evaluate([sequence], param / "vot22_realtime", STACKS[stack])
    written = json.loads(report.read_text())["trackers"][0]["scores"]
    assert [written[k] for k in ("A", "R", "EAO")] == pytest.approx([expected.scores[k] for k in ("A", "R", "EAO")])


def test_realtime_is_refused_for_supervised_benchmarks(capsys):
    with pytest.raises(SystemExit) as info:
        run_main(["aiatrack", "tiny", "--dataset", "vot18", "--experiment", "realtime"])
    assert info.value.code == 2 and "multistart VOT benchmarks only (vot20, vot22)" in capsys.readouterr().err


def test_malformed_fps_line_is_one_line_naming_the_file(tmp_path, tiny_checkpoint, capsys):
    videos = list(render_videos(9, 1, num_frames=4, height=64, width=80, min_size=12, max_size=30))
    write_vot(tmp_path / "vot2022", videos, "rectangle", anchor_spacing=2)
    sequence_file = tmp_path / "vot2022" / "sequences" / "synthetic_9_0" / "sequence"
    sequence_file.write_text(sequence_file.read_text().replace("fps=30", "fps=-5"))
    save_settings(Settings(vot22_dir=str(tmp_path / "vot2022"), results_dir=str(tmp_path / "results")),
                  tmp_path / "settings.yaml")
    assert run_main(["aiatrack", "tiny", "--dataset", "vot22", "--experiment", "realtime", "--checkpoint",
                     str(tiny_checkpoint), "--no-progress", "--settings", str(tmp_path / "settings.yaml")]) == 2
    (line,) = capsys.readouterr().err.strip().splitlines()
    assert line.startswith(f"error: {sequence_file}: line 2: fps=-5 is not a positive number")
    assert not (tmp_path / "results").exists()
