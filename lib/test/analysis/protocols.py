"""Selectable evaluation protocols: the official AiATrack analysis and the benchmark owners' tools.

Every protocol turns a list of :class:`SequenceInput` (ground truth + one tracker's results) into an
:class:`Evaluation` with dataset scores, per-sequence scores and the averaged curves for plotting.
``PROTOCOLS`` maps the names accepted by ``tracking/analysis_results.py --protocol``.
"""
from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from typing import Callable, TypeVar

import numpy as np

from lib.test.analysis import got10k_toolkit, lasot_toolkit, metrics, trackingnet_devkit
from lib.test.analysis.metrics import MetricError
from lib.test.evaluation.sequence import Sequence

T = TypeVar("T")


@dataclass(frozen=True)
class SequenceInput:
    """One sequence with one tracker's boxes (``None``: no result file) and per-frame times."""

    sequence: Sequence
    boxes: np.ndarray | None
    times: np.ndarray | None = None


@dataclass(frozen=True)
class CurveSpec:
    """How to draw one averaged curve: thresholds on x, which score labels the legend."""

    key: str
    title: str
    xlabel: str
    thresholds: np.ndarray
    score: str
    legend_loc: str


@dataclass
class Evaluation:
    """Scores of one tracker (result folder) under one protocol. Scores and curves are in percent."""

    label: str
    protocol: str
    scores: dict[str, float]
    per_sequence: dict[str, dict[str, float]]
    curves: dict[str, np.ndarray]
    notes: list[str] = field(default_factory=list)


class Protocol(ABC):
    """An evaluation protocol. ``missing_as_zero``: a sequence without results scores as all-zero boxes."""

    name: str
    description: str
    score_names: tuple[str, ...]
    curve_specs: tuple[CurveSpec, ...]
    missing_as_zero: bool = False

    @abstractmethod
    def evaluate(self, inputs: list[SequenceInput], label: str) -> Evaluation:
        """Scores of one tracker over ``inputs``."""

    def _per_sequence(self, inputs: list[SequenceInput], compute: Callable[[SequenceInput], T]) -> list[T]:
        """``compute(item)`` for every input; errors name the sequence."""
        out = []
        for item in inputs:
            if item.boxes is None and not self.missing_as_zero:
                raise MetricError(f"sequence {item.sequence.name}: no results")
            try:
                out.append(compute(item))
            except MetricError as err:
                raise MetricError(f"sequence {item.sequence.name}: {err}") from None
        return out


def _speed_scores(inputs: list[SequenceInput]) -> dict[str, float]:
    """OTB-style speed (mean over sequences of mean 1/t) when time files exist, else nothing."""
    speeds = [s for s in (got10k_toolkit.sequence_speed(i.times) for i in inputs) if s is not None]
    return {"FPS": float(np.mean(speeds))} if speeds else {}


class AiATrackProtocol(Protocol):
    """BENCHMARKS.md section 4: ``extract_results`` + ``plot_results`` of the official code."""

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

    def evaluate(self, inputs: list[SequenceInput], label: str) -> Evaluation:
        def compute(item: SequenceInput) -> metrics.SequenceCurves:
            seq = item.sequence
            # Of the official test-time loaders only LaSOT's provides visibility flags.
            visible = seq.target_visible if seq.dataset == "lasot" else None
            errors = metrics.sequence_errors(item.boxes, seq.ground_truth_xywh, seq.dataset, visible)
            return metrics.sequence_curves(errors)

        curves = self._per_sequence(inputs, compute)
        per_sequence = {item.sequence.name: {**metrics.curve_scores(c.success, c.precision, c.norm_precision),
                                             "AvgOverlap": c.avg_overlap * 100}
                        for item, c in zip(inputs, curves)}
        mean = metrics.average_curves(curves)
        return Evaluation(label, self.name, metrics.curve_scores(mean.success, mean.precision, mean.norm_precision),
                          per_sequence, {"success": mean.success * 100, "precision": mean.precision * 100,
                                         "norm_precision": mean.norm_precision * 100})


class LasotToolkitProtocol(Protocol):
    """BENCHMARKS.md section 6.2: the LaSOT MATLAB toolkit (absent frames count as misses)."""

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

    def evaluate(self, inputs: list[SequenceInput], label: str) -> Evaluation:
        def compute(item: SequenceInput) -> lasot_toolkit.LasotCurves:
            seq = item.sequence
            absent = None if seq.target_visible is None else ~np.asarray(seq.target_visible, dtype=bool)
            return lasot_toolkit.sequence_curves(item.boxes, seq.ground_truth_xywh, absent)

        curves = self._per_sequence(inputs, compute)

        def scores(success: np.ndarray, precision: np.ndarray, norm: np.ndarray) -> dict[str, float]:
            return {"AUC": float(np.mean(success) * 100), "P": float(precision[20] * 100),
                    "P_norm": float(norm[20] * 100)}

        per_sequence = {i.sequence.name: scores(c.success, c.precision, c.norm_precision)
                        for i, c in zip(inputs, curves)}
        success = lasot_toolkit.average_nonzero([c.success for c in curves])
        precision = lasot_toolkit.average_nonzero([c.precision for c in curves])
        norm = lasot_toolkit.average_nonzero([c.norm_precision for c in curves])
        notes = []
        if any(i.sequence.target_visible is None for i in inputs):
            notes.append("some sequences have no visibility flags: no frame was treated as absent there")
        return Evaluation(label, self.name, scores(success, precision, norm), per_sequence,
                          {"success": success * 100, "precision": precision * 100, "norm_precision": norm * 100},
                          notes)


class Got10kOtbProtocol(Protocol):
    """BENCHMARKS.md section 6.1: got10k toolkit ExperimentOTB / ExperimentNfS / ExperimentUAV123."""

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

    def evaluate(self, inputs: list[SequenceInput], label: str) -> Evaluation:
        def compute(item: SequenceInput) -> tuple[np.ndarray, np.ndarray]:
            seq = item.sequence
            return got10k_toolkit.otb_sequence_curves(item.boxes, seq.ground_truth_xywh,
                                                      drop_nan_gt=seq.dataset == "uav")

        curves = self._per_sequence(inputs, compute)

        def scores(success: np.ndarray, precision: np.ndarray) -> dict[str, float]:
            return {"AUC": float(np.mean(success) * 100), "SR50": float(success[10] * 100),
                    "P": float(precision[20] * 100)}

        per_sequence = {}
        for item, (succ, prec) in zip(inputs, curves):
            per_sequence[item.sequence.name] = scores(succ, prec)
            speed = got10k_toolkit.sequence_speed(item.times)
            if speed is not None:
                per_sequence[item.sequence.name]["FPS"] = speed
        success = np.mean([c[0] for c in curves], axis=0)
        precision = np.mean([c[1] for c in curves], axis=0)
        overall = {**scores(success, precision), **_speed_scores(inputs)}
        return Evaluation(label, self.name, overall, per_sequence,
                          {"success": success * 100, "precision": precision * 100})


def got10k_side_info(sequence: Sequence) -> tuple[np.ndarray | None, tuple[float, float] | None]:
    """Cover labels and image size (W, H) of a GOT-10k sequence, as the loader stores them in ``extra``."""
    cover = sequence.extra.get("cover")
    return (None if cover is None else np.asarray(cover)), sequence.extra.get("resolution")


class Got10kProtocol(Protocol):
    """BENCHMARKS.md section 6.3: got10k toolkit ExperimentGOT10k (AO / SR / speed)."""

    name = "got10k"
    description = ("got10k toolkit ExperimentGOT10k: frame 0 and cover==0 frames excluded, boxes bounded "
                   "to the image, IoUs pooled over all frames (AO, SR at 0.5/0.75 strict), fps pooled")
    score_names = ("AO", "SR50", "SR75", "FPS")
    curve_specs = (
        CurveSpec("success", "Success plot", "Overlap threshold", np.linspace(0.0, 1.0, 101), "AO", "lower left"),
    )

    def evaluate(self, inputs: list[SequenceInput], label: str) -> Evaluation:
        notes: set[str] = set()

        def compute(item: SequenceInput) -> np.ndarray:
            seq = item.sequence
            cover, image_size = got10k_side_info(seq)
            if cover is None:
                notes.add("cover labels not found: every frame after the first was kept")
            if image_size is None:
                notes.add("image resolution not found: boxes were not bounded to the image")
            return got10k_toolkit.got10k_sequence_ious(item.boxes, seq.ground_truth_xywh, cover, image_size)

        ious = self._per_sequence(inputs, compute)
        per_sequence = {}
        for item, seq_ious in zip(inputs, ious):
            per_sequence[item.sequence.name] = got10k_toolkit.ao_sr(seq_ious) if len(seq_ious) else {}
            speed = got10k_toolkit.sequence_speed(item.times)
            if speed is not None:
                per_sequence[item.sequence.name]["FPS"] = speed
        pooled = np.concatenate(ious)
        overall = got10k_toolkit.ao_sr(pooled)
        speed = got10k_toolkit.pooled_speed([i.times for i in inputs if i.times is not None])
        if speed is not None:
            overall["FPS"] = speed
        thresholds = self.curve_specs[0].thresholds
        success = (pooled[:, None] > thresholds[None, :]).mean(axis=0) * 100
        return Evaluation(label, self.name, overall, per_sequence, {"success": success}, sorted(notes))


class TrackingNetProtocol(Protocol):
    """BENCHMARKS.md section 6.4: the TrackingNet devkit (EvalAI server) evaluation."""

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

    def evaluate(self, inputs: list[SequenceInput], label: str) -> Evaluation:
        curves = self._per_sequence(
            inputs, lambda item: trackingnet_devkit.sequence_curves(item.boxes, item.sequence.ground_truth_xywh))

        def scores(success: np.ndarray, precision: np.ndarray, norm: np.ndarray) -> dict[str, float]:
            return {"Success": trackingnet_devkit.area(success), "Precision": trackingnet_devkit.area(precision),
                    "P_norm": trackingnet_devkit.area(norm)}

        per_sequence = {i.sequence.name: {**scores(*c[:3]), "Coverage": c[3] * 100} for i, c in zip(inputs, curves)}
        success, precision, norm = (np.mean([c[k] for c in curves], axis=0) for k in range(3))
        lengths = np.array([len(i.sequence.ground_truth_xywh) for i in inputs], dtype=np.float64)
        coverage = float(np.sum([c[3] for c in curves] * lengths) / lengths.sum() * 100)
        missing = sum(i.boxes is None for i in inputs)
        notes = [f"{missing} sequence(s) without results scored as all-zero boxes"] if missing else []
        return Evaluation(label, self.name, {**scores(success, precision, norm), "Coverage": coverage},
                          per_sequence, {"success": success * 100, "precision": precision * 100,
                                         "norm_precision": norm * 100}, notes)


PROTOCOLS: dict[str, Protocol] = {p.name: p for p in (AiATrackProtocol(), LasotToolkitProtocol(),
                                                       Got10kOtbProtocol(), Got10kProtocol(), TrackingNetProtocol())}


def get_protocol(name: str) -> Protocol:
    """The protocol called ``name``; a clear error listing the known ones otherwise."""
    if name not in PROTOCOLS:
        raise ValueError(f"unknown protocol {name!r}; choose one of {sorted(PROTOCOLS)}")
    return PROTOCOLS[name]
