"""Where runs leave their files: every path of training and benchmark runs is built here.

Layout (below the settings' ``workspace_dir`` and ``results_dir``)::

    <workspace>/checkpoints/train/<tracker>/<config>/<PREFIX>_ep<NNNN>.pth.tar   training checkpoints
    <workspace>/tensorboard/train/<tracker>/<config>/                           TensorBoard scalars
    <workspace>/logs/<tracker>-<config>.log                                    training text log
    <results_dir>/<tracker>/<param>[_<id:03d>]/                                 a benchmark run
    <results_dir>/<tracker>/<param>[_<id:03d>]/<dataset>/<seq>/<seq>_NNN.txt    VOT trajectories

``<PREFIX>`` is the tracker plug-in's ``checkpoint_prefix`` (``lib/trackers``); box and time files inside a run
folder are named by ``lib/test/evaluation/results.py``.
"""
from __future__ import annotations

from pathlib import Path

__all__ = ["checkpoint_file", "results_run_dir", "training_checkpoint", "training_log", "training_run_dir",
           "training_scalars_dir", "vot_run_dir"]


def training_run_dir(workspace: str | Path, tracker: str, config: str) -> Path:
    """``<workspace>/checkpoints/train/<tracker>/<config>``: the checkpoints of one training run."""
    return Path(workspace) / "checkpoints" / "train" / tracker / config


def checkpoint_file(run_dir: str | Path, prefix: str, epoch: int) -> Path:
    """``<run_dir>/<PREFIX>_ep<NNNN>.pth.tar``: the checkpoint written after ``epoch``."""
    return Path(run_dir) / f"{prefix}_ep{epoch:04d}.pth.tar"


def training_checkpoint(workspace: str | Path, tracker: str, config: str, prefix: str, epoch: int) -> Path:
    """The checkpoint a training run of ``config`` leaves after ``epoch`` (where ``tracking/test.py`` looks)."""
    return checkpoint_file(training_run_dir(workspace, tracker, config), prefix, epoch)


def training_scalars_dir(workspace: str | Path, tracker: str, config: str) -> Path:
    """``<workspace>/tensorboard/train/<tracker>/<config>``."""
    return Path(workspace) / "tensorboard" / "train" / tracker / config


def training_log(workspace: str | Path, tracker: str, config: str) -> Path:
    """``<workspace>/logs/<tracker>-<config>.log``."""
    return Path(workspace) / "logs" / f"{tracker}-{config}.log"


def results_run_dir(results_dir: str | Path, tracker: str, param: str, run_id: int | None = None) -> Path:
    """``<results_dir>/<tracker>/<param>`` (``<param>_<id:03d>`` when ``run_id`` is given)."""
    name = param if run_id is None else f"{param}_{run_id:03d}"
    return Path(results_dir) / tracker / name


def vot_run_dir(run_dir: str | Path, dataset: str, experiment: str = "baseline") -> Path:
    """``<run_dir>/<dataset>``: where a VOT benchmark run keeps its ``<seq>/`` trajectory folders.

    Experiments other than the baseline go to ``<run_dir>/<dataset>_<experiment>`` (``vot22_realtime``).
    """
    name = dataset if experiment == "baseline" else f"{dataset}_{experiment}"
    return Path(run_dir) / name
