"""VOT analysis output: a table naming stack and protocol, per-sequence rows, the EAO curve (PNG), JSON."""
from __future__ import annotations

import json
import math
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402  (the backend must be chosen first)
import numpy as np  # noqa: E402

from lib.test.analysis.report import format_table  # noqa: E402
from lib.test.analysis.vot import VotEvaluation, VotStack  # noqa: E402
from lib.utils.io import atomic_write_text  # noqa: E402

SCORE_COLUMNS = {
    "supervised": (("EAO", "EAO"), ("A", "A"), ("R", "R (failures, toolkit)"), ("R100", "R (per 100 frames)"),
                   ("failures", "failures"), ("AR_robustness", "AR-plot R")),
    "multistart": (("EAO", "EAO"), ("A", "A"), ("R", "R")),
}


def _cell(value: float | None) -> str:
    return "-" if value is None or (isinstance(value, float) and math.isnan(value)) else f"{value:.4f}"


def stack_line(stack: VotStack) -> str:
    """One line naming the stack, its protocol and EAO interval."""
    rule = (f"burn-in {stack.burnin}, re-init after failure (overlap 0)" if stack.protocol == "supervised" else
            f"failure = {stack.grace} consecutive frames at overlap <= {stack.threshold}")
    return f"Stack: {stack.name}, protocol: VOT {stack.protocol}, EAO interval {stack.low}..{stack.high}, {rule}"


def vot_summary(evaluations: list[VotEvaluation], dataset: str) -> str:
    """Dataset scores of every result folder under one stack."""
    stack = evaluations[0].stack
    columns = SCORE_COLUMNS[stack.protocol]
    sequences = len(evaluations[0].per_sequence)
    lines = [stack_line(stack), f"Dataset: {dataset}, {sequences} sequences", ""]
    rows = [[e.label] + [_cell(e.scores.get(key)) for key, _ in columns] for e in evaluations]
    lines.append(format_table(["Tracker"] + [title for _, title in columns], rows))
    lines.extend(f"note ({e.label}): {note}" for e in evaluations for note in e.notes)
    return "\n".join(lines)


def vot_per_sequence(evaluations: list[VotEvaluation]) -> str:
    """One row per sequence with every folder's per-sequence scores."""
    keys = list(next(iter(evaluations[0].per_sequence.values())))
    multi = len(evaluations) > 1
    header = ["Sequence"] + [f"{e.label}:{k}" if multi else k for e in evaluations for k in keys]
    rows = [[name] + [_cell(e.per_sequence[name][k]) for e in evaluations for k in keys]
            for name in evaluations[0].per_sequence]
    return f"Per-sequence scores ({stack_line(evaluations[0].stack)})\n" + format_table(header, rows)


def plot_eao_curve(evaluations: list[VotEvaluation], dataset: str, path: str | Path) -> Path:
    """The EAO curves with the stack interval shaded, into ``path`` (PNG)."""
    stack = evaluations[0].stack
    fig, ax = plt.subplots(figsize=(7.5, 5.0), dpi=110)
    colors = plt.get_cmap("tab10")
    for rank, evaluation in enumerate(sorted(evaluations, key=lambda e: -np.nan_to_num(e.scores["EAO"]))):
        curve = np.asarray(evaluation.eao_curve, dtype=np.float64)
        ax.plot(np.arange(len(curve)), curve, color=colors(rank % 10), linewidth=2.0,
                label=f"{evaluation.label} [EAO {_cell(evaluation.scores['EAO'])}]")
    ax.axvspan(stack.low, stack.high, color="0.85", zorder=0, label=f"interval {stack.low}..{stack.high}")
    ax.set_ylim(0, 1)
    ax.set_xlabel("Sequence length [frames]")
    ax.set_ylabel("Expected average overlap")
    ax.set_title(f"EAO curve on {dataset}\nstack: {stack.name}, protocol: VOT {stack.protocol}", fontsize=11)
    ax.grid(True, linestyle=":")
    ax.legend(loc="upper right", framealpha=0.9)
    fig.tight_layout()
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, format="png")
    plt.close(fig)
    return path


def write_vot_json(evaluations: list[VotEvaluation], dataset: str, path: str | Path) -> Path:
    """Stack, scores, per-sequence scores and EAO curves as JSON (NaN written as null), atomically."""
    def clean(value: float) -> float | None:
        return None if isinstance(value, float) and math.isnan(value) else value

    stack = evaluations[0].stack
    data = {"stack": stack.name, "protocol": f"vot-{stack.protocol}", "eao_interval": [stack.low, stack.high],
            "dataset": dataset,
            "trackers": [{"label": e.label, "scores": {k: clean(v) for k, v in e.scores.items()},
                          "per_sequence": e.per_sequence, "eao_curve": [clean(float(v)) for v in e.eao_curve],
                          "notes": e.notes} for e in evaluations]}
    atomic_write_text(path, json.dumps(data, indent=1))
    return Path(path)
