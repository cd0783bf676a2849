"""Run a tracker over benchmark sequences: parallel worker processes, resumable, atomic results.

Each worker process builds the tracker's network once and then tracks whole sequences; every finished
sequence is written atomically, and sequences whose result file already exists are skipped, so an
interrupted run resumes where it stopped.
"""
from __future__ import annotations

import multiprocessing as mp
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator

import numpy as np
import torch
from tqdm import tqdm

from lib.test.evaluation.results import sequence_results_exist, write_sequence_results
from lib.test.evaluation.sequence import Sequence
from lib.test.tracker import TrackerFactory, load_tracker
from lib.test.tracker.weights import resolve_config
from lib.utils.image import read_image


@dataclass(frozen=True)
class TrackerSpec:
    """What a worker needs to build a tracker: registry name, config, weights (None = random), device.

    ``config`` is an experiment name or YAML path, or a config dict saved in a checkpoint.
    """

    name: str
    config: str | dict
    checkpoint: str | None
    device: str = "cpu"


class TrackerLoadError(RuntimeError):
    """The tracker could not be built (bad config, checkpoint or device); no sequence can run."""


@dataclass
class SequenceOutcome:
    """Result of one sequence: frames tracked and tracker seconds, or the error that stopped it."""

    name: str
    frames: int = 0
    seconds: float = 0.0
    error: str | None = None
    fatal: bool = False  # the error is a tracker build failure, not a problem of this sequence


@dataclass
class RunSummary:
    """What a benchmark run did."""

    done: list[SequenceOutcome] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    failed: list[SequenceOutcome] = field(default_factory=list)
    wall_seconds: float = 0.0

    @property
    def frames(self) -> int:
        """Frames tracked in this run (skipped sequences excluded)."""
        return sum(o.frames for o in self.done)

    @property
    def fps(self) -> float:
        """Frames per second of tracker time (initialize + track calls), as the official runner reports."""
        seconds = sum(o.seconds for o in self.done)
        return self.frames / seconds if seconds > 0 else 0.0


def track_sequence(tracker_factory: TrackerFactory, sequence: Sequence,
                   dataset_name: str) -> tuple[np.ndarray, np.ndarray]:
    """Track one sequence from its first-frame box; (N, 4) xywh boxes (row 0 = init box), (N,) seconds."""
    tracker = tracker_factory(dataset_name)
    boxes = np.zeros((len(sequence), 4), dtype=np.float64)
    times = np.zeros(len(sequence), dtype=np.float64)
    for index, frame_path in enumerate(sequence.frames):
        image = read_image(frame_path)
        start = time.perf_counter()
        if index == 0:
            output = tracker.initialize(image, {"init_bbox": sequence.init_box_xywh})
        else:
            output = tracker.track(image)
        times[index] = time.perf_counter() - start
        boxes[index] = output["target_bbox"]
    return boxes, times


# Per-process state of a worker (set once by ``_init_worker``).
_WORKER: dict = {}


def _init_worker(spec: TrackerSpec, devices: mp.Queue, torch_threads: int, dataset_name: str,
                 result_dir: str) -> None:
    torch.set_num_threads(torch_threads)
    _WORKER.update(dataset_name=dataset_name, result_dir=result_dir)
    try:
        _WORKER["factory"] = _build(spec, devices.get())
    except TrackerLoadError as exc:  # raised here, the pool would respawn workers forever
        _WORKER["error"] = str(exc)


def _build(spec: TrackerSpec, device: str) -> TrackerFactory:
    try:
        return load_tracker(spec.name, resolve_config(spec.config, spec.name), spec.checkpoint, device)
    except Exception as exc:
        raise TrackerLoadError(f"could not build tracker {spec.name!r}: {exc}") from exc


def _run_in_worker(sequence: Sequence) -> SequenceOutcome:
    if "error" in _WORKER:
        return SequenceOutcome(sequence.name, error=_WORKER["error"], fatal=True)
    return _run_and_save(_WORKER["factory"], sequence, _WORKER["dataset_name"], _WORKER["result_dir"])


def _run_and_save(factory: TrackerFactory, sequence: Sequence, dataset_name: str,
                  result_dir: str | Path) -> SequenceOutcome:
    try:
        boxes, times = track_sequence(factory, sequence, dataset_name)
        write_sequence_results(result_dir, sequence, boxes, times)
    except Exception as exc:  # one broken sequence must not stop the benchmark; reported at the end
        return SequenceOutcome(sequence.name, error=f"{type(exc).__name__}: {exc}")
    return SequenceOutcome(sequence.name, len(sequence), float(times.sum()))


def worker_devices(device: str, num_workers: int) -> list[str]:
    """Device of each worker: CUDA workers are spread round-robin over the visible GPUs."""
    if device == "cuda" and torch.cuda.is_available():
        count = torch.cuda.device_count()
        return [f"cuda:{i % count}" for i in range(num_workers)]
    return [device] * num_workers


def run_benchmark(spec: TrackerSpec, sequences: list[Sequence], dataset_name: str, result_dir: str | Path,
                  num_workers: int = 0, torch_threads: int | None = None, progress: bool = True) -> RunSummary:
    """Track every sequence without results in ``result_dir``; ``num_workers`` 0 = in this process.

    Raises :class:`TrackerLoadError` when the tracker cannot be built; a sequence that fails (e.g. an
    unreadable frame) is reported in the summary and the others go on.

    ``dataset_name`` selects the tracker's hyper-parameters (e.g. 'lasot'). ``torch_threads`` = intra-op
    threads per worker (default: the CPU cores divided among the workers).
    """
    if num_workers < 0:
        raise ValueError(f"num_workers must be >= 0 (0 = in this process), got {num_workers}")
    summary = RunSummary()
    pending = []
    for sequence in sequences:
        if sequence_results_exist(result_dir, sequence):
            summary.skipped.append(sequence.name)
        else:
            pending.append(sequence)
    if torch_threads is None:
        torch_threads = max(1, (mp.cpu_count() or 1) // max(num_workers, 1))
    start = time.perf_counter()
    with tqdm(total=len(pending), desc=f"{spec.name} on {dataset_name}", unit="seq", disable=not progress) as bar:
        for outcome in _outcomes(spec, pending, dataset_name, str(result_dir), num_workers, torch_threads):
            if outcome.fatal:
                raise TrackerLoadError(outcome.error)
            (summary.failed if outcome.error else summary.done).append(outcome)
            bar.update(1)
            bar.set_postfix(fps=f"{summary.fps:.1f}", failed=len(summary.failed))
    summary.wall_seconds = time.perf_counter() - start
    return summary


def _outcomes(spec: TrackerSpec, pending: list[Sequence], dataset_name: str, result_dir: str, num_workers: int,
              torch_threads: int) -> Iterator[SequenceOutcome]:
    """Outcomes of the pending sequences as they finish (in this process or in a pool of workers)."""
    if not pending:
        return
    if num_workers == 0:
        previous_threads = torch.get_num_threads()
        torch.set_num_threads(torch_threads)
        try:
            factory = _build(spec, spec.device)
            for sequence in pending:
                yield _run_and_save(factory, sequence, dataset_name, result_dir)
        finally:
            torch.set_num_threads(previous_threads)
        return
    context = mp.get_context("spawn")  # safe with CUDA and with threaded parents
    devices = context.Queue()
    for device in worker_devices(spec.device, num_workers):
        devices.put(device)
    workers = min(num_workers, len(pending))
    with context.Pool(workers, _init_worker, (spec, devices, torch_threads, dataset_name, result_dir)) as pool:
        yield from pool.imap_unordered(_run_in_worker, pending)
