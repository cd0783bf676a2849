"""Smoke-scale experiments on synthetic videos, shared by ``tracking/dev/train_tiny_synthetic.py`` and
``tracking/dev/ablation_table.py``: the GOT-10k-layout data, the repository commands they chain, and the
held-out scores.

The commands run as child processes (``python -m tracking.<command>``) exactly as a user would run them,
so each step is the real entry point with its own resumption (finished trainings and result files are kept).
"""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

from lib.test.analysis.protocols import AiATrackProtocol, Got10kProtocol
from lib.utils.synthetic import render_videos, write_got10k

__all__ = ["PROTOCOLS", "run", "score", "write_dataset"]

#: analysis protocols whose dataset scores :func:`score` returns (AO/SR of GOT-10k, AUC/P of the official analysis)
PROTOCOLS = (Got10kProtocol.name, AiATrackProtocol.name)


def write_dataset(root: Path, train_videos: int, val_videos: int, frames: int, val_frames: int | None = None) -> None:
    """Synthetic GOT-10k root: ``train`` (seed family 1000, ``frames`` frames per video) and held-out ``val``
    (family 2000, ``val_frames`` or ``frames``); a split whose ``list.txt`` exists is kept."""
    for split, seed, count, length in (("train", 1000, train_videos, frames),
                                       ("val", 2000, val_videos, val_frames or frames)):
        if (root / split / "list.txt").is_file():
            continue
        print(f"writing {count} synthetic {split} videos to {root / split}", flush=True)
        write_got10k(root, render_videos(seed=seed, count=count, num_frames=length), split=split)


def run(command: list[str]) -> None:
    """Run ``python -m <command...>`` (e.g. ``["tracking.train", "--config", ...]``), echoed first;
    ``subprocess.CalledProcessError`` when it fails."""
    print("$", " ".join(command), flush=True)
    subprocess.run([sys.executable, "-m", *command], check=True)


def score(settings: Path, checkpoint: Path, run_id: int, tracker: str, config: str) -> dict[str, float]:
    """Track the held-out ``got10k_val`` videos of ``settings`` with ``checkpoint`` of ``tracker`` (built from
    ``config``, a name or YAML path) as run ``run_id``, and return the dataset scores of :data:`PROTOCOLS`
    (the JSON reports are left beside ``settings``)."""
    common = ["--settings", str(settings), "--no-progress"]
    run(["tracking.test", tracker, config, "--dataset", "got10k_val", "--checkpoint", str(checkpoint),
         "--run-id", str(run_id), *common])
    scores: dict[str, float] = {}
    param = Path(config).stem
    for protocol in PROTOCOLS:
        out = settings.parent / f"scores_{param}_{run_id}_{protocol}.json"
        run(["tracking.analysis_results", "--tracker", tracker, "--param", param, "--run-id", str(run_id),
             "--dataset", "got10k_val", "--protocol", protocol, "--no-plots", "--json", str(out), *common])
        scores.update(_dataset_scores(json.loads(out.read_text())))
    return scores


def _dataset_scores(report: Any) -> dict[str, float]:
    """The first tracker's dataset-level scores from an ``analysis_results.py --json`` report."""
    entries = report["trackers"] if isinstance(report, dict) and "trackers" in report else report
    first = entries[0] if isinstance(entries, list) else next(iter(entries.values()))
    values = first.get("scores", first) if isinstance(first, dict) else {}
    return {k: float(v) for k, v in values.items() if isinstance(v, (int, float))}
