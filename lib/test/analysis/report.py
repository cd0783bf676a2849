"""Evaluation reports: plain-text tables (each names the protocol that produced it) and a JSON dump."""
from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from lib.test.analysis.records import Evaluation
from lib.utils.io import atomic_write_text

if TYPE_CHECKING:  # protocols.py builds on this module
    from lib.test.analysis.protocols import BoxProtocol


def format_table(header: list[str], rows: list[list[str]]) -> str:
    """Columns padded to their widest cell and separated by ``|``."""
    widths = [max(len(str(r[i])) for r in [header] + rows) for i in range(len(header))]

    def line(cells: list[str]) -> str:
        return " | ".join(str(c).ljust(w) for c, w in zip(cells, widths)).rstrip()

    rule = "-+-".join("-" * w for w in widths)
    return "\n".join([line(header), rule] + [line(r) for r in rows])


def _value(scores: dict[str, float], name: str) -> str:
    return f"{scores[name]:.2f}" if name in scores else "-"


def summary_report(evaluations: list[Evaluation], protocol: BoxProtocol, dataset: str, n_sequences: int,
                   skipped: list[str] | None = None) -> str:
    """Dataset scores of every tracker, headed by the protocol name and description."""
    lines = [f"Protocol: {protocol.name} - {protocol.description}",
             f"Dataset: {dataset}, {n_sequences} sequences evaluated"
             + (f" ({len(skipped)} skipped for missing results)" if skipped else ""),
             ""]
    header = ["Tracker"] + list(protocol.score_names)
    rows = [[e.label] + [_value(e.scores, s) for s in protocol.score_names] for e in evaluations]
    lines.append(format_table(header, rows))
    for evaluation in evaluations:
        lines.extend(f"note ({evaluation.label}): {note}" for note in evaluation.notes)
    return "\n".join(lines)


def per_sequence_report(evaluations: list[Evaluation], protocol: BoxProtocol) -> str:
    """One row per sequence, one column per (tracker, score)."""
    multi = len(evaluations) > 1
    present = {k for e in evaluations for scores in e.per_sequence.values() for k in scores}
    columns = [s for s in protocol.score_names if s in present]
    columns += sorted(present - set(columns))
    header = ["Sequence"] + [f"{e.label}:{s}" if multi else s for e in evaluations for s in columns]
    names = list(evaluations[0].per_sequence)
    rows = [[name] + [_value(e.per_sequence.get(name, {}), s) for e in evaluations for s in columns]
            for name in names]
    return f"Per-sequence scores (protocol: {protocol.name})\n" + format_table(header, rows)


def write_json(evaluations: list[Evaluation], protocol: BoxProtocol, dataset: str, path: str | Path) -> Path:
    """Scores, per-sequence scores and curves (percent) of every tracker as JSON, written atomically."""
    data = {
        "protocol": protocol.name,
        "description": protocol.description,
        "dataset": dataset,
        "thresholds": {spec.key: spec.thresholds.tolist() for spec in protocol.curve_specs},
        "trackers": [{"label": e.label, "scores": e.scores, "per_sequence": e.per_sequence,
                      "curves": {k: np.asarray(v, dtype=np.float64).tolist() for k, v in e.curves.items()},
                      "notes": e.notes} for e in evaluations],
    }
    atomic_write_text(path, json.dumps(data, indent=1))
    return Path(path)
