"""Evaluate one or several result folders on a list of sequences under one protocol."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
from tqdm import tqdm

from lib.test.analysis.metrics import MetricError
from lib.test.analysis.records import Evaluation, SequenceInput
from lib.test.evaluation.results import (read_sequence_results, read_sequence_times, sequence_result_path,
                                         sequence_results_exist)
from lib.test.evaluation.sequence import Sequence

if TYPE_CHECKING:  # protocols.py builds on this module
    from lib.test.analysis.protocols import BoxProtocol


@dataclass(frozen=True)
class ResultSource:
    """Result folders (``<results_dir>/<tracker>/<param>[_<id>]``) evaluated as one tracker, and its label.

    One folder is one run; several folders are runs of the same tracker whose results are merged.
    """

    label: str
    directories: tuple[Path, ...]


def check_ground_truth(sequences: list[Sequence]) -> None:
    """Refuse benchmarks whose per-frame ground truth is withheld (GOT-10k test, TrackingNet test)."""
    for seq in sequences:
        if len(seq.ground_truth_xywh) == 1 and len(seq.frames) > 1:
            raise MetricError(
                f"sequence {seq.name} ({seq.dataset}) has ground truth for the first frame only: the benchmark "
                "withholds it, so it can only be scored by its server (see tracking/pack_submission.py)")


def select_sequences(sequences: list[Sequence], sources: list[ResultSource],
                     skip_missing: bool) -> tuple[list[Sequence], list[str]]:
    """Sequences that every source has results for; without ``skip_missing`` a missing one is an error."""
    kept, skipped = [], []
    for seq in sequences:
        missing = [d for s in sources for d in s.directories if not sequence_results_exist(d, seq)]
        if not missing:
            kept.append(seq)
        elif skip_missing:
            skipped.append(seq.name)
        else:
            raise FileNotFoundError(f"no results for sequence {seq.name}: "
                                    f"{sequence_result_path(missing[0], seq)} does not exist "
                                    "(use --skip-missing to evaluate the sequences that have results)")
    return kept, skipped


def check_row_count(boxes: np.ndarray, sequence: Sequence, path: Path) -> None:
    """Refuse a result file whose row count differs from the sequence's frame count (``MetricError``).

    The original tools silently pad short results with zero boxes or cut long ones (a file cut at a
    line boundary then scores as tracking failures); here that is an error naming the file.
    """
    expected = len(sequence.ground_truth_xywh)
    if len(boxes) != expected:
        raise MetricError(f"{path}: {len(boxes)} rows but sequence {sequence.name} has {expected} frames "
                          "(truncated or foreign result file?); re-run tracking/test.py for it, or pass "
                          "--allow-row-mismatch to score it as the protocol's original tool does (padding with "
                          "zero boxes or cutting)")


def load_inputs(sequences: list[Sequence], directory: Path, desc: str, progress: bool = True,
                allow_row_mismatch: bool = False) -> list[SequenceInput]:
    """Read the boxes (and time files where the benchmark has them) in ``directory`` for ``sequences``.

    Every result file must hold one row per frame unless ``allow_row_mismatch``.
    """
    inputs = []
    for seq in tqdm(sequences, desc=desc, unit="seq", disable=not progress):
        if not sequence_results_exist(directory, seq):
            inputs.append(SequenceInput(seq, None, None))
            continue
        boxes = read_sequence_results(directory, seq)
        if not allow_row_mismatch:
            check_row_count(boxes, seq, sequence_result_path(directory, seq))
        try:
            times = read_sequence_times(directory, seq)
        except FileNotFoundError:
            times = None
        inputs.append(SequenceInput(seq, boxes, times))
    return inputs


def evaluate_sources(sequences: list[Sequence], sources: list[ResultSource], protocol: BoxProtocol,
                     skip_missing: bool = False, progress: bool = True,
                     allow_row_mismatch: bool = False) -> tuple[list[Evaluation], list[str]]:
    """Evaluate every source on the same sequences; returns the evaluations and the skipped sequence names.

    A result file whose row count differs from its sequence's frame count is an error under every
    protocol unless ``allow_row_mismatch`` (:func:`check_row_count`).

    The runs of a source are merged by the protocol. A protocol that scores missing results as zero
    boxes (TrackingNet) keeps every sequence.
    """
    check_ground_truth(sequences)
    if protocol.missing_as_zero:
        kept, skipped = sequences, []
    else:
        kept, skipped = select_sequences(sequences, sources, skip_missing)
    if not kept:
        raise MetricError("no sequence has results in every result folder")
    evaluations = []
    for source in sources:
        runs = [load_inputs(kept, directory, f"reading {source.label}", progress, allow_row_mismatch)
                for directory in source.directories]
        try:
            evaluations.append(protocol.evaluate_runs(runs, source.label))
        except MetricError as err:
            raise MetricError(f"{', '.join(str(d) for d in source.directories)}: {err}") from None
    return evaluations, skipped
