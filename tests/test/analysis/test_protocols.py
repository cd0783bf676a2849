"""Protocols end to end on Sequence objects and result files: per-protocol differences, missing
results, withheld ground truth, reports naming the protocol, readable plots, and every protocol of the
table (VOT included) run through the one interface ``tracking/analysis_results.py`` uses."""
from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest

from lib.test.analysis.evaluate import ResultSource, evaluate_sources
from lib.test.analysis.metrics import MetricError
from lib.test.analysis.plots import plot_all
from lib.test.analysis.protocols import PROTOCOLS, BoxProtocol, SequenceInput, get_protocol
from lib.test.analysis.report import per_sequence_report, summary_report
from lib.test.evaluation.results import result_dir, write_sequence_results
from lib.test.evaluation import BENCHMARKS, load_benchmark
from lib.test.evaluation.sequence import Sequence
from lib.test.evaluation.traits import Absence, BenchmarkTraits
from lib.test.evaluation.vot import SpecialRegion
from lib.test.evaluation.vot_results import multistart_name, supervised_name, write_trajectory
from lib.test.evaluation.vot_runner import anchor_runs
from lib.utils.paths import vot_run_dir
from lib.utils.settings import Settings
from lib.utils.synthetic import render_videos, write_got10k, write_vot

BOX = [1.0, 1.0, 10.0, 10.0]
BOX_PROTOCOLS = sorted(name for name, protocol in PROTOCOLS.items() if isinstance(protocol, BoxProtocol))


# the benchmark (a key of BENCHMARKS) whose declared traits a hand-made sequence of each dataset tag carries
BENCHMARK_OF_TAG = {"lasot": "lasot", "otb": "otb", "nfs": "nfs", "uav": "uav", "got10k": "got10k_val",
                    "trackingnet": "trackingnet"}


def sequence(name: str, dataset: str, gt: list[list[float]], visible: list[int] | None = None,
             extra: dict | None = None) -> Sequence:
    return Sequence(name=name, frames=[f"{i}.jpg" for i in range(len(gt))], ground_truth_xywh=np.array(gt, float),
                    dataset=dataset, target_visible=None if visible is None else np.array(visible, bool),
                    extra=extra or {}, traits=BENCHMARKS[BENCHMARK_OF_TAG[dataset]].traits)


def lasot_example() -> SequenceInput:
    """4 frames, the last two absent; frame 1 has IoU 1/3; frames 2-3 predictions are far away."""
    seq = sequence("cat-1", "lasot", [BOX] * 4, visible=[1, 1, 0, 0])
    pred = np.array([BOX, [6, 1, 10, 10], [90, 90, 5, 5], [90, 90, 5, 5]])
    return SequenceInput(seq, pred)


def test_same_results_score_differently_under_each_protocol() -> None:
    item = lasot_example()
    aia = get_protocol("aiatrack").evaluate([item], "t").scores
    lasot = get_protocol("lasot-toolkit").evaluate([item], "t").scores
    otb = get_protocol("got10k-otb").evaluate([item], "t").scores
    tn = get_protocol("trackingnet").evaluate([item], "t").scores
    # AiATrack: 2 visible frames, IoUs [1, 1/3]: S = 1 for t <= 0.30 (7), 0.5 for 0.35..0.95 (13), 0 at 1.0.
    assert aia["AUC"] == pytest.approx((7 + 6.5) / 21 * 100, abs=1e-4)
    assert aia["P"] == pytest.approx(100.0)
    # LaSOT toolkit: same hits over all 4 frames -> exactly half.
    assert lasot["AUC"] == pytest.approx(aia["AUC"] / 2, abs=1e-4) and lasot["P"] == pytest.approx(50.0)
    # got10k OTB-style: nothing removed, absent frames are misses (IoU 0): S = 2/4 for t <= 0.30, ...
    assert otb["AUC"] == pytest.approx((7 * 0.5 + 13 * 0.25) / 21 * 100)
    # TrackingNet: inclusive thresholds, all 4 frames, trapezoid: curve [1, .5 x6, .25 x13, .25 (IoU 1 >= 1)].
    curve = np.array([1.0] + [0.5] * 6 + [0.25] * 14)
    assert tn["Success"] == pytest.approx(np.sum((curve[1:] + curve[:-1]) / 2 * 0.05) * 100)


def test_aiatrack_protocol_ignores_visibility_outside_lasot() -> None:
    # The official test-time loaders give visibility only for LaSOT; GOT-10k val labels must not matter.
    seq = sequence("GOT-10k_Val_000001", "got10k", [BOX] * 2, visible=[1, 0])
    ev = get_protocol("aiatrack").evaluate([SequenceInput(seq, np.array([BOX, [90, 90, 5, 5]]))], "t")
    assert ev.scores["OP50"] == pytest.approx(50.0)  # frame 1 stays in the denominator


def test_got10k_protocol_uses_cover_and_resolution_from_the_loader() -> None:
    gt = [[0, 0, 10, 10]] * 4
    pred = np.array([[0, 0, 10, 10], [-5, 0, 10, 10], [50, 50, 5, 5], [0, 0, 10, 10]], float)
    extra = {"cover": np.array([8, 8, 0, 8]), "resolution": (100, 100)}
    with_info = sequence("GOT-10k_Val_000001", "got10k", gt, extra=extra)
    ev = get_protocol("got10k").evaluate([SequenceInput(with_info, pred, np.array([1.0, 0.1, 0.1, 0.2]))], "t")
    # Frames 1 and 3 kept (frame 2 has cover 0): IoU 1 (bounded) and 1.
    assert ev.scores["AO"] == pytest.approx(100.0) and ev.scores["SR75"] == pytest.approx(100.0)
    assert ev.scores["FPS"] == pytest.approx((1 + 10 + 10 + 5) / 4)
    assert not ev.notes
    bare = sequence("GOT-10k_Val_000001", "got10k", gt)
    ev = get_protocol("got10k").evaluate([SequenceInput(bare, pred)], "t")
    assert ev.scores["AO"] == pytest.approx((1 / 3 + 0 + 1) / 3 * 100)
    assert len(ev.notes) == 2 and "FPS" not in ev.scores


def test_uav_under_got10k_otb_drops_nan_frames() -> None:
    seq = sequence("uav_bird1_1", "uav", [BOX, BOX, [np.nan] * 4])
    pred = np.array([BOX, BOX, BOX])
    assert get_protocol("got10k-otb").evaluate([SequenceInput(seq, pred)], "t").scores["SR50"] == 100.0
    otb_seq = sequence("otb_Car", "otb", [BOX, BOX, [np.nan] * 4])
    assert get_protocol("got10k-otb").evaluate([SequenceInput(otb_seq, pred)], "t").scores["SR50"] == \
        pytest.approx(200 / 3)


def test_unknown_protocol() -> None:
    with pytest.raises(ValueError, match="unknown protocol 'eao'.*'vot'"):
        get_protocol("eao")


def write(folder: Path, seq: Sequence, boxes) -> None:
    write_sequence_results(folder, seq, np.asarray(boxes, float), np.full(len(boxes), 0.01))


def test_evaluate_sources_reads_files_and_compares_folders(tmp_path: Path) -> None:
    seqs = [sequence("otb_A", "otb", [BOX] * 3), sequence("otb_B", "otb", [BOX] * 3)]
    for seq in seqs:
        write(tmp_path / "perfect", seq, [BOX] * 3)
        write(tmp_path / "half", seq, [BOX, [6, 1, 10, 10], BOX])
    sources = [ResultSource("perfect", (tmp_path / "perfect",)), ResultSource("half", (tmp_path / "half",))]
    evaluations, skipped = evaluate_sources(seqs, sources, get_protocol("aiatrack"), progress=False)
    assert skipped == [] and [e.label for e in evaluations] == ["perfect", "half"]
    assert evaluations[0].scores["AUC"] == pytest.approx(100 * 20 / 21, abs=1e-4)
    assert evaluations[1].scores["OP50"] == pytest.approx(200 / 3, abs=1e-4)

    text = summary_report(evaluations, get_protocol("aiatrack"), "otb", 2)
    assert text.startswith("Protocol: aiatrack - official AiATrack analysis")
    assert "perfect | 95.24 | 100.00 | 100.00 | 100.00 | 100.00" in text
    per_seq = per_sequence_report(evaluations, get_protocol("aiatrack"))
    assert "protocol: aiatrack" in per_seq and "otb_B" in per_seq and "half:OP50" in per_seq


def test_missing_results(tmp_path: Path) -> None:
    seqs = [sequence("otb_A", "otb", [BOX] * 2), sequence("otb_B", "otb", [BOX] * 2)]
    write(tmp_path / "one", seqs[0], [BOX] * 2)
    write(tmp_path / "two", seqs[0], [BOX] * 2)
    write(tmp_path / "two", seqs[1], [BOX] * 2)
    sources = [ResultSource("one", (tmp_path / "one",)), ResultSource("two", (tmp_path / "two",))]
    with pytest.raises(FileNotFoundError, match=r"otb_B\.txt does not exist"):
        evaluate_sources(seqs, sources, get_protocol("aiatrack"), progress=False)
    evaluations, skipped = evaluate_sources(seqs, sources, get_protocol("aiatrack"), skip_missing=True,
                                            progress=False)
    assert skipped == ["otb_B"] and list(evaluations[1].per_sequence) == ["otb_A"]
    # The TrackingNet devkit scores a missing file as all-zero boxes instead.
    tn_seqs = [sequence(s.name, "trackingnet", [BOX] * 2) for s in seqs]
    write(tmp_path / "tn", tn_seqs[0], [BOX] * 2)
    evaluations, _ = evaluate_sources(tn_seqs, [ResultSource("tn", (tmp_path / "tn",))], get_protocol("trackingnet"),
                                      progress=False)
    assert evaluations[0].per_sequence["otb_B"]["Coverage"] == pytest.approx(50.0)
    assert "1 sequence result(s) missing" in evaluations[0].notes[0]


def test_bad_results_name_folder_and_sequence(tmp_path: Path) -> None:
    seq = sequence("otb_A", "otb", [BOX] * 2)
    (tmp_path / "otb_A.txt").write_text("1,1,10,10\n1,1,-3,10\n")
    with pytest.raises(MetricError, match=r"sequence otb_A: prediction has a negative width"):
        evaluate_sources([seq], [ResultSource("x", (tmp_path,))], get_protocol("aiatrack"), progress=False)


def test_withheld_ground_truth_is_refused(tmp_path: Path) -> None:
    seq = Sequence("GOT-10k_Test_000001", ["0.jpg", "1.jpg"], np.array([BOX]), "got10k",
                   traits=BENCHMARKS["got10k_test"].traits)
    with pytest.raises(MetricError, match="first frame only"):
        evaluate_sources([seq], [ResultSource("x", (tmp_path,))], get_protocol("got10k"), progress=False)


@pytest.mark.parametrize("name", BOX_PROTOCOLS)
def test_plots_are_png_files_for_every_curve(tmp_path: Path, name: str) -> None:
    protocol = get_protocol(name)
    seq = sequence("uav_x", "uav", [BOX, BOX, [np.nan] * 4])  # uav: precision above 100 % under aiatrack
    items = [SequenceInput(seq, np.array([BOX] * 3))]
    if name in ("avist", "lasot-toolkit", "got10k", "trackingnet"):  # no NaN ground truth allowed
        items = [SequenceInput(sequence("a-1", "lasot", [BOX] * 3, visible=[1, 1, 1]), np.array([BOX] * 3))]
    evaluations = [protocol.evaluate(items, "tracker")]
    paths = plot_all(evaluations, protocol, "demo", tmp_path)
    assert [p.name for p in paths] == [f"demo_{name}_{spec.key}.png" for spec in protocol.curve_specs]
    for path in paths:
        assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_runs_are_merged_per_sequence() -> None:
    gt = [[0, 0, 10, 10]] * 4
    seq = sequence("otb_A", "otb", gt)
    # Run 1: IoUs [1, 1/3, 0.5, 0] -> AUC 9.25/21; run 2 perfect -> 20/21; merged curve = mean of the two.
    run1 = [SequenceInput(seq, np.array([[0, 0, 10, 10], [5, 0, 10, 10], [0, 0, 10, 20], [20, 20, 10, 10]], float))]
    run2 = [SequenceInput(seq, np.array(gt, float))]
    merged = get_protocol("aiatrack").evaluate_runs([run1, run2], "t")
    assert merged.scores["AUC"] == pytest.approx((9.25 + 20) / 2 / 21 * 100, abs=1e-4)
    assert merged.per_sequence["otb_A"]["OP50"] == pytest.approx((25 + 100) / 2)
    # GOT-10k pools the repetitions' frames: IoUs [1/3, 0.5, 0] and [1, 1, 1] -> AO = (1/3 + 0.5 + 3) / 6.
    g_seq = sequence("GOT-10k_Val_000001", "got10k", gt)
    runs = [[SequenceInput(g_seq, item.boxes, np.array([1.0, 0.5, 0.5, 0.5]))] for item in (run1[0], run2[0])]
    pooled = get_protocol("got10k").evaluate_runs(runs, "t")
    assert pooled.scores["AO"] == pytest.approx((1 / 3 + 0.5 + 3) / 6 * 100)
    assert pooled.scores["FPS"] == pytest.approx((1 + 2 + 2 + 2) / 4)  # mean of 1/t over all frames


@pytest.mark.parametrize("name", BOX_PROTOCOLS)
@pytest.mark.parametrize("rows", [2, 4])
def test_every_protocol_refuses_a_row_count_mismatch(tmp_path: Path, name: str, rows: int) -> None:
    # A result file cut at a line boundary (2 of 3 rows) or with an extra row is an error naming the file.
    seq = sequence("a-1", "lasot", [BOX] * 3, visible=[1, 1, 1])
    write_sequence_results(tmp_path, seq, np.array([BOX] * rows), np.ones(rows))
    with pytest.raises(MetricError, match=rf"{tmp_path / 'a-1.txt'}: {rows} rows but sequence a-1 has 3 frames"):
        evaluate_sources([seq], [ResultSource("x", (tmp_path,))], get_protocol(name), progress=False)


def test_row_count_mismatch_is_padded_only_on_request(tmp_path: Path) -> None:
    # The default protocol's original padding: 1 of 3 rows -> frames 1-2 become zero boxes, AUC 1/3 of 20/21.
    seq = sequence("otb_A", "otb", [BOX] * 3)
    write_sequence_results(tmp_path, seq, np.array([BOX]), np.ones(1))
    (evaluation,), _ = evaluate_sources([seq], [ResultSource("x", (tmp_path,))], get_protocol("aiatrack"),
                                        progress=False, allow_row_mismatch=True)
    assert evaluation.scores["AUC"] == pytest.approx(100 * 20 / 21 / 3)


def test_precision_above_100_is_explained_in_the_table() -> None:
    # UAV123 with a NaN ground-truth frame: the official rule counts it as a hit outside the denominator.
    protocol = get_protocol("aiatrack")
    seq = sequence("uav_x", "uav", [BOX, BOX, [np.nan] * 4])
    evaluation = protocol.evaluate([SequenceInput(seq, np.array([BOX] * 3))], "tracker")
    assert evaluation.scores["P"] == pytest.approx(150.0)  # official value kept: 3 hits / 2 valid frames
    report = summary_report([evaluation], protocol, "uav", 1)
    assert "note (tracker): P or P_norm above 100% (uav_x)" in report and "--protocol got10k-otb" in report
    normal = protocol.evaluate([SequenceInput(sequence("otb_A", "otb", [BOX] * 3), np.array([BOX] * 3))], "t")
    assert evaluation.notes and not normal.notes


def test_absence_rule_comes_from_the_declared_traits_not_the_dataset_tag() -> None:
    """A sequence tagged 'lasot' but declaring no absence information is scored over all 4 frames, and one
    with another tag declaring visibility flags over the 2 visible ones (lasot_example's hand computation)."""
    item = lasot_example()
    plain = Sequence("cat-1", item.sequence.frames, item.sequence.ground_truth_xywh, "lasot",
                     target_visible=item.sequence.target_visible, traits=BenchmarkTraits())
    flagged = Sequence("cat-1", item.sequence.frames, item.sequence.ground_truth_xywh, "my_benchmark",
                       target_visible=item.sequence.target_visible,
                       traits=BenchmarkTraits(absence=Absence.VISIBILITY_FLAGS))
    protocol = get_protocol("aiatrack")
    # all 4 frames valid, IoUs [1, 1/3, 0, 0]: S = 0.5 for t <= 0.30 (7), 0.25 for 0.35..0.95 (13), 0 at 1.0
    assert protocol.evaluate([SequenceInput(plain, item.boxes)], "t").scores["AUC"] == pytest.approx(
        (7 * 0.5 + 13 * 0.25) / 21 * 100, abs=1e-4)
    assert protocol.evaluate([SequenceInput(flagged, item.boxes)], "t").scores["AUC"] == pytest.approx(
        (7 + 6.5) / 21 * 100, abs=1e-4)


def test_every_benchmark_is_scored_by_a_protocol_of_the_table() -> None:
    """The VOT benchmarks by the table's ``vot`` only, every one-pass benchmark by every box protocol."""
    for name, benchmark in BENCHMARKS.items():
        fitting = {p.name for p in PROTOCOLS.values() if p.applies_to(benchmark.traits)}
        assert fitting == ({"vot"} if benchmark.traits.vot is not None else set(BOX_PROTOCOLS)), name


def perfect_results(dataset: str, tmp_path: Path) -> tuple[list[Sequence], Path]:
    """Two synthetic sequences of ``dataset`` on disk and a result folder of a perfect tracker in the layout
    ``tracking/test.py`` writes: box and time files, or VOT trajectories in its ``<dataset>/`` sub-folder."""
    videos = list(render_videos(13, 2, num_frames=7, height=64, width=80, min_size=12, max_size=30))
    settings = Settings(got10k_dir=str(tmp_path / "GOT10k"), vot18_dir=str(tmp_path / "vot18"),
                        vot20_dir=str(tmp_path / "vot20"), results_dir=str(tmp_path / "results"))
    if dataset == "got10k_val":
        write_got10k(tmp_path / "GOT10k", videos, split="val")
    else:
        write_vot(tmp_path / dataset, videos, "polygon", anchor_spacing=3 if dataset == "vot20" else 0)
    sequences = load_benchmark(dataset, settings)
    folder = result_dir(settings, "mine", "perfect")
    for seq in sequences:
        if BENCHMARKS[dataset].traits.vot is None:
            write_sequence_results(folder, seq, seq.ground_truth_xywh, np.full(len(seq), 0.02))
            continue
        truth = seq.extra["regions"]
        if dataset == "vot18":
            runs = {supervised_name(seq.name, 1): list(range(len(truth)))}
        else:
            runs = {multistart_name(seq.name, anchor): list(range(anchor, -1, -1) if backward else
                                                            range(anchor, len(truth)))
                    for anchor, backward in anchor_runs(seq)}
        for run, order in runs.items():
            regions = [SpecialRegion(1)] + [truth[i] for i in order[1:]]
            write_trajectory(vot_run_dir(folder, dataset), seq.name, run, regions, [0.02] * len(order))
    return sequences, folder


@pytest.mark.parametrize("name,dataset", [(name, dataset) for name in sorted(PROTOCOLS)
                                          for dataset in ("got10k_val", "vot18", "vot20")
                                          if PROTOCOLS[name].applies_to(BENCHMARKS[dataset].traits)])
def test_every_protocol_runs_through_the_one_interface(tmp_path: Path, name: str, dataset: str) -> None:
    """Set up, score, report, write JSON and plot a perfect tracker's folder with the hooks alone."""
    sequences, folder = perfect_results(dataset, tmp_path)
    protocol = get_protocol(name).for_benchmark(dataset, BENCHMARKS[dataset].traits)
    evaluations, skipped = protocol.evaluate_sources(sequences, [ResultSource("perfect", (folder,))], progress=False)
    assert skipped == [] and [e.label for e in evaluations] == ["perfect"]
    (evaluation,) = evaluations
    assert set(evaluation.per_sequence) == {seq.name for seq in sequences}
    if name == "vot":  # never lost: no failure (supervised), tracked to the end of every run (multistart)
        assert evaluation.scores["R"] == (0.0 if dataset == "vot18" else 1.0)
    summary = protocol.summary_report(evaluations, dataset, len(sequences), skipped)
    assert summary.splitlines()[0].startswith("Stack: " if name == "vot" else f"Protocol: {name} - ")
    assert "perfect" in summary and all(seq.name in protocol.per_sequence_report(evaluations) for seq in sequences)
    written = json.loads(protocol.write_json(evaluations, dataset, tmp_path / "scores.json").read_text())
    assert written["dataset"] == dataset
    scores = written["trackers"][0]["scores"]
    assert scores == pytest.approx({k: None if math.isnan(v) else v for k, v in evaluation.scores.items()})
    paths = protocol.plot(evaluations, dataset, tmp_path / "plots")
    assert paths and all(p.name.startswith(f"{dataset}_{name}_") for p in paths)
    assert all(p.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" for p in paths)


def test_vot_is_set_up_from_the_declared_stack_or_the_given_one() -> None:
    vot = get_protocol("vot")
    assert vot.for_benchmark("vot18", BENCHMARKS["vot18"].traits).stack.name == BENCHMARKS["vot18"].traits.vot.stack
    assert vot.for_benchmark("vot20", BENCHMARKS["vot20"].traits).stack.protocol == "multistart"
    assert vot.for_benchmark("vot18", BENCHMARKS["vot18"].traits, "vot2016").stack.low == 108
    with pytest.raises(ValueError, match="unknown stack 'vot1999'"):
        vot.for_benchmark("vot18", BENCHMARKS["vot18"].traits, "vot1999")
    with pytest.raises(ValueError, match="lasot declares no VOT experiment"):
        vot.for_benchmark("lasot", BENCHMARKS["lasot"].traits)
