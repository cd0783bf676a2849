"""Success / precision plots as PNG files (matplotlib, non-interactive Agg backend)."""
from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402  (the backend must be chosen first)
import numpy as np  # noqa: E402

from lib.test.analysis.records import CurveSpec, Evaluation  # noqa: E402

if TYPE_CHECKING:  # protocols.py builds on this module
    from lib.test.analysis.protocols import BoxProtocol


def plot_curve(spec: CurveSpec, evaluations: list[Evaluation], protocol: BoxProtocol, dataset: str,
               path: Path) -> Path:
    """Draw one curve of every tracker (best score first in the legend) into ``path``."""
    fig, ax = plt.subplots(figsize=(7.5, 6.0), dpi=110)
    ranked = sorted(evaluations, key=lambda e: e.scores.get(spec.score, 0.0), reverse=True)
    colors = plt.get_cmap("tab10")
    top = 100.0  # sentinel hits can push precision above 100 % (docs/benchmarks.md#the-aiatrack-analysis, rule 7)
    for rank, evaluation in enumerate(ranked):
        values = np.asarray(evaluation.curves[spec.key], dtype=np.float64)
        top = max(top, float(np.nanmax(values)))
        score = evaluation.scores.get(spec.score)
        label = evaluation.label if score is None else f"{evaluation.label} [{spec.score} {score:.1f}]"
        ax.plot(spec.thresholds, values, color=colors(rank % 10), linewidth=2.2, label=label)
    ax.set_xlim(float(spec.thresholds[0]), float(spec.thresholds[-1]))
    ax.set_ylim(0, top * 1.02)  # a little head room keeps 100 % curves off the frame
    ax.set_xlabel(spec.xlabel)
    ax.set_ylabel("Rate [%]")
    ax.set_title(f"{spec.title} on {dataset}\nprotocol: {protocol.name}", fontsize=11)
    ax.grid(True, linestyle=":")
    ax.legend(loc=spec.legend_loc, framealpha=0.9)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, format="png")
    plt.close(fig)
    return path


def plot_all(evaluations: list[Evaluation], protocol: BoxProtocol, dataset: str, plot_dir: str | Path) -> list[Path]:
    """Every curve of ``protocol`` as ``<plot_dir>/<dataset>_<protocol>_<curve>.png``; returns the paths."""
    plot_dir = Path(plot_dir)
    return [plot_curve(spec, evaluations, protocol, dataset, plot_dir / f"{dataset}_{protocol.name}_{spec.key}.png")
            for spec in protocol.curve_specs]
