"""Evaluate one or several result folders on a list of sequences under one protocol."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from tqdm import tqdm

from lib.test.analysis.metrics import MetricError
from lib.test.analysis.protocols import Evaluation, Protocol, SequenceInput
from lib.test.evaluation.results import (read_sequence_results, read_sequence_times, sequence_result_path,
                                         sequence_results_exist)
from lib.test.evaluation.sequence import Sequence


@dataclass(frozen=True)
class ResultSource:
    """A result folder (``<results_dir>/<tracker>/<param>``) and the label shown in tables and plots."""

    label: str
    directory: Path


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
        missing = [s for s in sources if not sequence_results_exist(s.directory, seq)]
        if not missing:
            kept.append(seq)
        elif skip_missing:
            skipped.append(seq.name)
        else:
            raise FileNotFoundError(f"no results for sequence {seq.name}: "
                                    f"{sequence_result_path(missing[0].directory, seq)} does not exist "
                                    "(use --skip-missing to evaluate the sequences that have results)")
    return kept, skipped


def load_inputs(sequences: list[Sequence], source: ResultSource, progress: bool = True) -> list[SequenceInput]:
    """Read the boxes (and time files where the benchmark has them) of ``source`` for ``sequences``."""
    inputs = []
    for seq in tqdm(sequences, desc=f"reading {source.label}", unit="seq", disable=not progress):
        if not sequence_results_exist(source.directory, seq):
            inputs.append(SequenceInput(seq, None, None))
            continue
        boxes = read_sequence_results(source.directory, seq)
        try:
            times = read_sequence_times(source.directory, seq)
        except FileNotFoundError:
            times = None
        inputs.append(SequenceInput(seq, boxes, times))
    return inputs


def evaluate_sources(sequences: list[Sequence], sources: list[ResultSource], protocol: Protocol,
                     skip_missing: bool = False, progress: bool = True) -> tuple[list[Evaluation], list[str]]:
    """Evaluate every source on the same sequences; returns the evaluations and the skipped sequence names.

    A protocol that scores missing results as zero boxes (TrackingNet) keeps every sequence.
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
        try:
            evaluations.append(protocol.evaluate(load_inputs(kept, source, progress), source.label))
        except MetricError as err:
            raise MetricError(f"{source.directory}: {err}") from None
    return evaluations, skipped
