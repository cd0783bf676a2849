"""Selectable evaluation protocols: the official AiATrack analysis, the benchmark owners' tools and VOT.

Every protocol offers the same interface (:class:`Protocol`), which ``tracking/analysis_results.py`` runs
without knowing which protocol it holds: set it up for a benchmark, score result folders, then print the
table and per-sequence rows, write the JSON and draw the plots. ``PROTOCOLS`` maps the names accepted by
``--protocol``.

The box protocols (:class:`BoxProtocol`) turn a list of :class:`SequenceInput` (ground truth + one
tracker's boxes) into an :class:`Evaluation` with dataset scores, per-sequence scores and the averaged
curves for plotting. Several runs of one tracker can be merged: per-sequence curves are averaged over the
runs (the official ``merge_results``), the GOT-10k protocol pools the runs' frames like the toolkit's
repetitions. :class:`VotProtocol` scores VOT trajectories (A, R, EAO) under the benchmark's stack.
"""
from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from pathlib import Path
from typing import Generic, TypeVar

import numpy as np

from lib.test.analysis import got10k_toolkit, lasot_toolkit, metrics, trackingnet_devkit, vot, vot_report
from lib.test.analysis.evaluate import ResultSource, evaluate_sources
from lib.test.analysis.metrics import MetricError
from lib.test.analysis.plots import plot_all
from lib.test.analysis.records import CurveSpec, Evaluation, SequenceInput
from lib.test.analysis.report import per_sequence_report, summary_report, write_json
from lib.test.evaluation.sequence import Sequence
from lib.test.evaluation.traits import Absence, BenchmarkTraits
from lib.test.evaluation.vot_results import trajectory_root

__all__ = ["PROTOCOLS", "BoxProtocol", "CurveSpec", "Evaluation", "Protocol", "SequenceInput", "VotProtocol",
           "get_protocol"]

E = TypeVar("E")  # a protocol's evaluation of one tracker
R = TypeVar("R")  # a box protocol's per-sequence result
# dataset scores, per-sequence scores, averaged curves (percent), notes
Summary = tuple[dict[str, float], dict[str, dict[str, float]], dict[str, np.ndarray], list[str]]


class Protocol(ABC, Generic[E]):
    """An evaluation protocol as ``tracking/analysis_results.py`` runs it.

    ``merges_runs``: whether several runs of one tracker (``--merge-runs``) can be scored as one.
    """

    name: str
    description: str
    merges_runs: bool = True

    def applies_to(self, traits: BenchmarkTraits) -> bool:
        """Whether this protocol scores the benchmark declaring ``traits`` (default: one-pass benchmarks)."""
        return traits.vot is None

    def for_benchmark(self, dataset: str, traits: BenchmarkTraits, stack: str | None = None) -> Protocol[E]:
        """This protocol set up for the benchmark ``dataset`` (a key of ``BENCHMARKS``) declaring ``traits``.

        ``stack``: a VOT stack name or stack YAML replacing the benchmark's own, for protocols that have
        stacks (the others ignore it). Raises ``ValueError`` for a stack that cannot be loaded.
        """
        return self

    @abstractmethod
    def evaluate_sources(self, sequences: list[Sequence], sources: list[ResultSource], *, skip_missing: bool = False,
                         progress: bool = True, allow_row_mismatch: bool = False) -> tuple[list[E], list[str]]:
        """Score every source's result folders on ``sequences``: the evaluations (one per source, in order)
        and the names of the sequences skipped for missing results (``skip_missing``).

        Raises ``FileNotFoundError`` for missing results and ``ValueError`` (``MetricError``) for results
        that cannot be scored, each naming the file or folder.
        """

    @abstractmethod
    def summary_report(self, evaluations: list[E], dataset: str, n_sequences: int, skipped: list[str]) -> str:
        """The table of dataset scores, headed by what produced them (``n_sequences`` scored)."""

    @abstractmethod
    def per_sequence_report(self, evaluations: list[E]) -> str:
        """One row per sequence with every tracker's per-sequence scores."""

    @abstractmethod
    def write_json(self, evaluations: list[E], dataset: str, path: str | Path) -> Path:
        """Scores, per-sequence scores and curves of every tracker written (atomically) to ``path``."""

    @abstractmethod
    def plot(self, evaluations: list[E], dataset: str, plot_dir: str | Path) -> list[Path]:
        """Every plot of this protocol as ``<plot_dir>/<dataset>_<protocol>_<curve>.png``; returns the paths."""


class BoxProtocol(Protocol[Evaluation], Generic[R]):
    """A protocol scoring box result files (``lib/test/evaluation/results.py``) curve by curve.

    ``missing_as_zero``: a sequence without results scores as all-zero boxes.
    """

    score_names: tuple[str, ...]
    curve_specs: tuple[CurveSpec, ...]
    missing_as_zero: bool = False

    def evaluate_sources(self, sequences: list[Sequence], sources: list[ResultSource], *, skip_missing: bool = False,
                         progress: bool = True, allow_row_mismatch: bool = False) -> tuple[list[Evaluation], list[str]]:
        return evaluate_sources(sequences, sources, self, skip_missing, progress, allow_row_mismatch)

    def summary_report(self, evaluations: list[Evaluation], dataset: str, n_sequences: int,
                       skipped: list[str]) -> str:
        return summary_report(evaluations, self, dataset, n_sequences, skipped)

    def per_sequence_report(self, evaluations: list[Evaluation]) -> str:
        return per_sequence_report(evaluations, self)

    def write_json(self, evaluations: list[Evaluation], dataset: str, path: str | Path) -> Path:
        return write_json(evaluations, self, dataset, path)

    def plot(self, evaluations: list[Evaluation], dataset: str, plot_dir: str | Path) -> list[Path]:
        return plot_all(evaluations, self, dataset, plot_dir)

    @abstractmethod
    def sequence_result(self, item: SequenceInput) -> R:
        """The per-sequence result of one run (curves, IoUs, ...)."""

    @abstractmethod
    def merge_runs(self, results: list[R]) -> R:
        """Several runs' results for the same sequence combined into one."""

    @abstractmethod
    def summarize(self, sequences: list[Sequence], results: list[R], missing: int) -> Summary:
        """Dataset scores, per-sequence scores, averaged curves (percent) and notes (``missing``: absent results)."""

    def evaluate(self, inputs: list[SequenceInput], label: str) -> Evaluation:
        """Scores of one tracker run over ``inputs``."""
        return self.evaluate_runs([inputs], label)

    def evaluate_runs(self, runs: list[list[SequenceInput]], label: str) -> Evaluation:
        """Scores of one tracker over several runs, each a list of inputs for the same sequences in order."""
        per_run = [[self._checked_result(item) for item in run] for run in runs]
        merged = [results[0] if len(results) == 1 else self.merge_runs(list(results)) for results in zip(*per_run)]
        sequences = [item.sequence for item in runs[0]]
        missing = sum(item.boxes is None for run in runs for item in run)
        scores, per_sequence, curves, notes = self.summarize(sequences, merged, missing)
        return Evaluation(label, self.name, scores, per_sequence, curves, notes)

    def _checked_result(self, item: SequenceInput) -> R:
        """``sequence_result`` with errors that name the sequence."""
        if item.boxes is None and not self.missing_as_zero:
            raise MetricError(f"sequence {item.sequence.name}: no results")
        try:
            return self.sequence_result(item)
        except MetricError as err:
            raise MetricError(f"sequence {item.sequence.name}: {err}") from None


def _mean_speed(speeds: list[float | None]) -> float | None:
    """Mean of the available speeds; ``None`` when there is none."""
    known = [s for s in speeds if s is not None]
    return float(np.mean(known)) if known else None


class AiATrackProtocol(BoxProtocol[metrics.SequenceCurves]):
    """docs/benchmarks.md#the-aiatrack-analysis: ``extract_results`` + ``plot_results`` of the official code."""

    name = "aiatrack"
    description = ("official AiATrack analysis (extract_results.py): strict IoU > t over 21 thresholds, "
                   "frames without a visible target removed, P at 20 px, P_norm at 0.20")
    score_names = ("AUC", "OP50", "OP75", "P", "P_norm")
    curve_specs = (
        CurveSpec("success", "Success", "Overlap threshold", metrics.SUCCESS_THRESHOLDS, "AUC", "lower left"),
        CurveSpec("precision", "Precision", "Location error threshold [pixels]", metrics.PRECISION_THRESHOLDS,
                  "P", "lower right"),
        CurveSpec("norm_precision", "Normalized Precision", "Normalized location error threshold",
                  metrics.NORM_PRECISION_THRESHOLDS, "P_norm", "lower right"),
    )

    def sequence_result(self, item: SequenceInput) -> metrics.SequenceCurves:
        seq = item.sequence
        absence = seq.traits.absence
        # The official test-time loaders provide visibility flags only where the benchmark declares them (LaSOT).
        visible = seq.target_visible if absence is Absence.VISIBILITY_FLAGS else None
        return metrics.sequence_curves(metrics.sequence_errors(item.boxes, seq.ground_truth_xywh, absence, visible))

    def merge_runs(self, results: list[metrics.SequenceCurves]) -> metrics.SequenceCurves:
        return metrics.average_curves(results)

    def summarize(self, sequences: list[Sequence], results: list[metrics.SequenceCurves], missing: int) -> Summary:
        per_sequence = {seq.name: {**metrics.curve_scores(c.success, c.precision, c.norm_precision),
                                   "AvgOverlap": c.avg_overlap * 100} for seq, c in zip(sequences, results)}
        mean = metrics.average_curves(results)
        curves = {"success": mean.success * 100, "precision": mean.precision * 100,
                  "norm_precision": mean.norm_precision * 100}
        scores = metrics.curve_scores(mean.success, mean.precision, mean.norm_precision)
        return scores, per_sequence, curves, self._over_100_notes(scores, per_sequence)

    @staticmethod
    def _over_100_notes(scores: dict[str, float], per_sequence: dict[str, dict[str, float]]) -> list[str]:
        """Say why a precision above 100 % is printed (the official UAV123 rule for NaN ground truth)."""
        names = ("P", "P_norm")
        over = [name for name, s in per_sequence.items() if any(s.get(k, 0.0) > 100.0 for k in names)]
        if not over and not any(scores.get(k, 0.0) > 100.0 for k in names):
            return []
        shown = ", ".join(over[:5]) + (f" and {len(over) - 5} more" if len(over) > 5 else "")
        return [f"P or P_norm above 100% ({shown or 'dataset score'}): the official analysis counts frames whose "
                "ground truth is NaN as hits but leaves them out of the denominator; the value is kept for parity "
                "with it. Use --protocol got10k-otb for precisions bounded by 100%"]


class AvistProtocol(AiATrackProtocol):
    """docs/benchmarks.md#avist-analysis: pytracking's analysis as AVisT's own notebook runs it
    (``exclude_invalid_frames=False``): every frame stays in the denominator and frames whose target is
    occluded, out of view or has no positive-size box count as misses."""

    name = "avist"
    description = ("pytracking analysis with exclude_invalid_frames=False (AVisT): strict IoU > t over 21 "
                   "thresholds over all frames, frames without a visible target count as misses")

    def sequence_result(self, item: SequenceInput) -> metrics.SequenceCurves:
        seq = item.sequence
        # pytracking applies the visibility flags of every benchmark, but the LaSOT-only infinite centre errors
        # and the full-length check do not apply: the flags are passed without declaring LaSOT-style absence.
        errors = metrics.sequence_errors(item.boxes, seq.ground_truth_xywh, Absence.NONE, seq.target_visible)
        return metrics.sequence_curves(errors, all_frames=True)


class LasotToolkitProtocol(BoxProtocol[lasot_toolkit.LasotCurves]):
    """docs/benchmarks.md#lasot-matlab-toolkit: the LaSOT MATLAB toolkit (absent frames count as misses), whose
    rules the TNL2K and VastTrack toolkits share (docs/benchmarks.md#tnl2k-matlab-toolkit,
    docs/benchmarks.md#vasttrack-matlab-toolkit)."""

    name = "lasot-toolkit"
    description = ("LaSOT MATLAB toolkit (eval_tracker.m): absent frames deleted but counted in the "
                   "denominator, GT valid only if all four values > 0, all-zero sequences dropped")
    score_names = ("AUC", "P", "P_norm")
    curve_specs = (
        CurveSpec("success", "Success plots of OPE", "Overlap threshold", lasot_toolkit.SUCCESS_THRESHOLDS,
                  "AUC", "lower left"),
        CurveSpec("precision", "Precision plots of OPE", "Location error threshold",
                  lasot_toolkit.PRECISION_THRESHOLDS, "P", "lower right"),
        CurveSpec("norm_precision", "Normalized Precision plots of OPE", "Location error threshold",
                  lasot_toolkit.NORM_PRECISION_THRESHOLDS, "P_norm", "lower right"),
    )

    def sequence_result(self, item: SequenceInput) -> lasot_toolkit.LasotCurves:
        seq = item.sequence
        absent = None if seq.target_visible is None else ~np.asarray(seq.target_visible, dtype=bool)
        return lasot_toolkit.sequence_curves(item.boxes, seq.ground_truth_xywh, absent)

    def merge_runs(self, results: list[lasot_toolkit.LasotCurves]) -> lasot_toolkit.LasotCurves:
        return lasot_toolkit.LasotCurves(*(np.mean([getattr(r, k) for r in results], axis=0)
                                           for k in ("success", "precision", "norm_precision")))

    @staticmethod
    def _scores(success: np.ndarray, precision: np.ndarray, norm: np.ndarray) -> dict[str, float]:
        return {"AUC": float(np.mean(success) * 100), "P": float(precision[20] * 100), "P_norm": float(norm[20] * 100)}

    def summarize(self, sequences: list[Sequence], results: list[lasot_toolkit.LasotCurves], missing: int) -> Summary:
        per_sequence = {seq.name: self._scores(c.success, c.precision, c.norm_precision)
                        for seq, c in zip(sequences, results)}
        success = lasot_toolkit.average_nonzero([c.success for c in results])
        precision = lasot_toolkit.average_nonzero([c.precision for c in results])
        norm = lasot_toolkit.average_nonzero([c.norm_precision for c in results])
        notes = []
        if any(seq.target_visible is None for seq in sequences):
            notes.append("some sequences have no visibility flags: no frame was treated as absent there")
        curves = {"success": success * 100, "precision": precision * 100, "norm_precision": norm * 100}
        return self._scores(success, precision, norm), per_sequence, curves, notes


@dataclass(frozen=True)
class OtbResult:
    """Per-sequence curves and speed of the got10k toolkit's OTB-style experiments."""

    success: np.ndarray
    precision: np.ndarray
    speed: float | None


class Got10kOtbProtocol(BoxProtocol[OtbResult]):
    """docs/benchmarks.md#got10k-toolkit-otb-style-experiments: ExperimentOTB / ExperimentNfS / ExperimentUAV123."""

    name = "got10k-otb"
    description = ("got10k toolkit OTB-style experiment (ExperimentOTB/NfS; ExperimentUAV123 for 'uav'): "
                   "no frame excluded except NaN-GT frames on UAV123, strict IoU > t, P at 20 px")
    score_names = ("AUC", "SR50", "P", "FPS")
    curve_specs = (
        CurveSpec("success", "Success plots of OPE", "Overlap threshold", got10k_toolkit.SUCCESS_THRESHOLDS,
                  "AUC", "lower left"),
        CurveSpec("precision", "Precision plots of OPE", "Location error threshold",
                  got10k_toolkit.PRECISION_THRESHOLDS, "P", "lower right"),
    )

    def sequence_result(self, item: SequenceInput) -> OtbResult:
        seq = item.sequence
        success, precision = got10k_toolkit.otb_sequence_curves(item.boxes, seq.ground_truth_xywh,
                                                                drop_nan_gt=seq.traits.absence is Absence.NAN_GROUND_TRUTH)
        return OtbResult(success, precision, got10k_toolkit.sequence_speed(item.times))

    def merge_runs(self, results: list[OtbResult]) -> OtbResult:
        return OtbResult(np.mean([r.success for r in results], axis=0),
                         np.mean([r.precision for r in results], axis=0), _mean_speed([r.speed for r in results]))

    @staticmethod
    def _scores(success: np.ndarray, precision: np.ndarray, speed: float | None) -> dict[str, float]:
        scores = {"AUC": float(np.mean(success) * 100), "SR50": float(success[10] * 100),
                  "P": float(precision[20] * 100)}
        return scores if speed is None else {**scores, "FPS": speed}

    def summarize(self, sequences: list[Sequence], results: list[OtbResult], missing: int) -> Summary:
        per_sequence = {seq.name: self._scores(r.success, r.precision, r.speed) for seq, r in zip(sequences, results)}
        success = np.mean([r.success for r in results], axis=0)
        precision = np.mean([r.precision for r in results], axis=0)
        overall = self._scores(success, precision, _mean_speed([r.speed for r in results]))
        return overall, per_sequence, {"success": success * 100, "precision": precision * 100}, []


def got10k_side_info(sequence: Sequence) -> tuple[np.ndarray | None, tuple[float, float] | None]:
    """Cover labels and image size (W, H) of a GOT-10k sequence, as the loader stores them in ``extra``."""
    cover = sequence.extra.get("cover")
    return (None if cover is None else np.asarray(cover)), sequence.extra.get("resolution")


@dataclass(frozen=True)
class Got10kResult:
    """The kept IoUs and the per-frame times of one sequence (all repetitions together)."""

    ious: np.ndarray
    times: np.ndarray | None


class Got10kProtocol(BoxProtocol[Got10kResult]):
    """docs/benchmarks.md#got-10k-ao-and-sr: got10k toolkit ExperimentGOT10k (AO / SR / speed)."""

    name = "got10k"
    description = ("got10k toolkit ExperimentGOT10k: frame 0 and cover==0 frames excluded, boxes bounded "
                   "to the image, IoUs pooled over all frames (AO, SR at 0.5/0.75 strict), fps pooled")
    score_names = ("AO", "SR50", "SR75", "FPS")
    curve_specs = (
        CurveSpec("success", "Success plot", "Overlap threshold", np.linspace(0.0, 1.0, 101), "AO", "lower left"),
    )

    def sequence_result(self, item: SequenceInput) -> Got10kResult:
        cover, image_size = got10k_side_info(item.sequence)
        ious = got10k_toolkit.got10k_sequence_ious(item.boxes, item.sequence.ground_truth_xywh, cover, image_size)
        return Got10kResult(ious, item.times)

    def merge_runs(self, results: list[Got10kResult]) -> Got10kResult:
        times = [r.times for r in results if r.times is not None]
        return Got10kResult(np.concatenate([r.ious for r in results]), np.concatenate(times) if times else None)

    @staticmethod
    def _scores(ious: np.ndarray, times: list[np.ndarray]) -> dict[str, float]:
        scores = got10k_toolkit.ao_sr(ious) if len(ious) else {}
        speed = got10k_toolkit.pooled_speed(times)
        return scores if speed is None else {**scores, "FPS": speed}

    def summarize(self, sequences: list[Sequence], results: list[Got10kResult], missing: int) -> Summary:
        per_sequence = {seq.name: self._scores(r.ious, [] if r.times is None else [r.times])
                        for seq, r in zip(sequences, results)}
        pooled = np.concatenate([r.ious for r in results])
        overall = self._scores(pooled, [r.times for r in results if r.times is not None])
        if "AO" not in overall:
            raise MetricError("no frame to evaluate")
        thresholds = self.curve_specs[0].thresholds
        success = (pooled[:, None] > thresholds[None, :]).mean(axis=0) * 100
        notes = []
        if any(got10k_side_info(seq)[0] is None for seq in sequences):
            notes.append("cover labels not found: every frame after the first was kept")
        if any(got10k_side_info(seq)[1] is None for seq in sequences):
            notes.append("image resolution not found: boxes were not bounded to the image")
        return overall, per_sequence, {"success": success}, notes


@dataclass(frozen=True)
class TrackingNetResult:
    """Per-sequence curves (21 points each) and coverage of the TrackingNet devkit."""

    success: np.ndarray
    precision: np.ndarray
    norm_precision: np.ndarray
    coverage: float


class TrackingNetProtocol(BoxProtocol[TrackingNetResult]):
    """docs/benchmarks.md#trackingnet-devkit: the TrackingNet devkit (EvalAI server) evaluation."""

    name = "trackingnet"
    description = ("TrackingNet devkit (metrics.py, EvalAI): rounded boxes, no frame excluded, inclusive "
                   "thresholds, scores = areas under the 21-point curves (P and P_norm are areas too)")
    score_names = ("Success", "Precision", "P_norm", "Coverage")
    curve_specs = (
        CurveSpec("success", "Success", "Overlap threshold", trackingnet_devkit.SUCCESS_THRESHOLDS,
                  "Success", "lower left"),
        CurveSpec("precision", "Precision", "Location error threshold [pixels]",
                  trackingnet_devkit.PRECISION_THRESHOLDS, "Precision", "lower right"),
        CurveSpec("norm_precision", "Normalized Precision", "Normalized location error threshold",
                  trackingnet_devkit.NORM_PRECISION_THRESHOLDS, "P_norm", "lower right"),
    )
    missing_as_zero = True

    def sequence_result(self, item: SequenceInput) -> TrackingNetResult:
        return TrackingNetResult(*trackingnet_devkit.sequence_curves(item.boxes, item.sequence.ground_truth_xywh))

    def merge_runs(self, results: list[TrackingNetResult]) -> TrackingNetResult:
        return TrackingNetResult(*(np.mean([getattr(r, k) for r in results], axis=0)
                                   for k in ("success", "precision", "norm_precision")),
                                 float(np.mean([r.coverage for r in results])))

    @staticmethod
    def _scores(r: TrackingNetResult) -> dict[str, float]:
        return {"Success": trackingnet_devkit.area(r.success), "Precision": trackingnet_devkit.area(r.precision),
                "P_norm": trackingnet_devkit.area(r.norm_precision), "Coverage": r.coverage * 100}

    def summarize(self, sequences: list[Sequence], results: list[TrackingNetResult], missing: int) -> Summary:
        per_sequence = {seq.name: self._scores(r) for seq, r in zip(sequences, results)}
        lengths = np.array([len(seq.ground_truth_xywh) for seq in sequences], dtype=np.float64)
        mean = TrackingNetResult(*(np.mean([getattr(r, k) for r in results], axis=0)
                                   for k in ("success", "precision", "norm_precision")),
                                 float(np.sum(np.array([r.coverage for r in results]) * lengths) / lengths.sum()))
        notes = [f"{missing} sequence result(s) missing, scored as all-zero boxes"] if missing else []
        curves = {"success": mean.success * 100, "precision": mean.precision * 100,
                  "norm_precision": mean.norm_precision * 100}
        return self._scores(mean), per_sequence, curves, notes


class VotProtocol(Protocol[vot.VotEvaluation]):
    """docs/benchmarks.md#vot-accuracy-robustness-and-eao: the VOT toolkit's A, R and EAO (``vot.py`` here).

    Built for a benchmark from its declared VOT stack (or a ``--stack`` given instead); the stack decides
    between the supervised (reset-based) and the multistart (anchor-based) experiment. Each result folder
    holds ``<seq>/`` trajectory folders, directly or in its ``<dataset>/`` sub-folder (as
    ``tracking/test.py`` writes them); every repetition or anchor run found there is scored, so runs are
    not merged across folders.
    """

    name = "vot"
    description = ("VOT toolkit 0.7.x A, R and EAO: supervised (reset-based, vot16/vot18) or multistart "
                   "(anchor-based, vot20/vot22, baseline or realtime) experiment of the benchmark's stack or --stack")
    merges_runs = False

    def __init__(self, stack: vot.VotStack | None = None, dataset: str = "") -> None:
        self.stack = stack
        self.dataset = dataset

    def applies_to(self, traits: BenchmarkTraits) -> bool:
        return traits.vot is not None

    def for_benchmark(self, dataset: str, traits: BenchmarkTraits, stack: str | None = None) -> VotProtocol:
        if traits.vot is None:
            raise ValueError(f"{dataset} declares no VOT experiment: --protocol {self.name} does not apply to it")
        return VotProtocol(vot.load_stack(stack or traits.vot.stack), dataset)

    def evaluate_sources(self, sequences: list[Sequence], sources: list[ResultSource], *, skip_missing: bool = False,
                         progress: bool = True, allow_row_mismatch: bool = False
                         ) -> tuple[list[vot.VotEvaluation], list[str]]:
        """Score the trajectories of every source; ``skip_missing``, ``progress`` and ``allow_row_mismatch``
        do not apply (a missing or short trajectory is an error)."""
        if self.stack is None:
            raise ValueError(f"protocol {self.name} has no stack: set it up with for_benchmark() first")
        evaluations = []
        for source in sources:
            if len(source.directories) != 1:
                raise ValueError(f"{source.label}: protocol {self.name} scores one result folder per tracker, "
                                 f"got {len(source.directories)}")
            folder = trajectory_root(source.directories[0], self.dataset)
            evaluations.append(vot.evaluate(sequences, folder, self.stack, source.label))
        return evaluations, []

    def summary_report(self, evaluations: list[vot.VotEvaluation], dataset: str, n_sequences: int,
                       skipped: list[str]) -> str:
        return vot_report.vot_summary(evaluations, dataset)

    def per_sequence_report(self, evaluations: list[vot.VotEvaluation]) -> str:
        return vot_report.vot_per_sequence(evaluations)

    def write_json(self, evaluations: list[vot.VotEvaluation], dataset: str, path: str | Path) -> Path:
        return vot_report.write_vot_json(evaluations, dataset, path)

    def plot(self, evaluations: list[vot.VotEvaluation], dataset: str, plot_dir: str | Path) -> list[Path]:
        return [vot_report.plot_eao_curve(evaluations, dataset, Path(plot_dir) / f"{dataset}_{self.name}_eao.png")]


PROTOCOLS: dict[str, Protocol] = {p.name: p for p in (AiATrackProtocol(), AvistProtocol(), LasotToolkitProtocol(),
                                                       Got10kOtbProtocol(), Got10kProtocol(),
                                                       TrackingNetProtocol(), VotProtocol())}

def get_protocol(name: str) -> Protocol:
    """The protocol called ``name``; a clear error listing the known ones otherwise."""
    if name not in PROTOCOLS:
        raise ValueError(f"unknown protocol {name!r}; choose one of {sorted(PROTOCOLS)}")
    return PROTOCOLS[name]
