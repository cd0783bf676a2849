"""Run a tracker over benchmark sequences: parallel worker processes, resumable, atomic results.

Each worker process builds the tracker's network once and then tracks whole sequences handed to it
over its own pipe, one at a time or, with ``batch`` > 1, up to ``batch`` together in one batched network
step per frame (:mod:`lib.test.evaluation.batched`); every finished sequence is written atomically, and
sequences whose result file already exists are skipped, so an interrupted run resumes where it stopped.

A run never hangs and stops early when it cannot succeed:

* the results folders are checked to be writable before anything is tracked;
* a worker that dies (killed by a signal, e.g. the out-of-memory killer, or aborted) is noticed at
  once through its process sentinel: the sequence it was tracking is reported as lost, no further
  sequence is started, the others in flight finish and are kept;
* a result file that cannot be written (full disk, ...) stops the run the same way, naming the file;
* Ctrl-C stops the workers and raises :class:`RunInterrupted` carrying what was done.
"""
from __future__ import annotations

import contextlib
import multiprocessing as mp
import signal
import tempfile
import threading
import time
from dataclasses import dataclass, field
from multiprocessing.connection import Connection, wait
from pathlib import Path
from typing import Callable, Iterator, Protocol

import numpy as np
import torch
from tqdm import tqdm

from lib.test.evaluation.batched import track_batched
from lib.test.evaluation.init_boxes import check_init_boxes
from lib.test.evaluation.outcomes import RunSummary, SequenceOutcome, failed
from lib.test.evaluation.results import result_folders, sequence_results_exist, write_sequence_results
from lib.test.evaluation.sequence import Sequence
from lib.trackers import TrackerFactory, batch_step, load_tracker
from lib.trackers.weights import resolve_config
from lib.utils.device import DEFAULT_BACKEND
from lib.utils.cli import torch_threads as policy_threads
from lib.utils.image import read_image

FrameCallback = Callable[[int], None]  # called with the number of frames just tracked (1)


@dataclass(frozen=True)
class TrackerSpec:
    """What a worker needs to build a tracker: registry name, config, weights (None = random), device, backend.

    ``config`` is an experiment name or YAML path, or a config dict saved in a checkpoint; ``backend`` what runs
    the network (``lib.utils.device.BACKENDS``).
    """

    name: str
    config: str | dict
    checkpoint: str | None
    device: str = "cpu"
    backend: str = DEFAULT_BACKEND


class TrackerLoadError(RuntimeError):
    """The tracker could not be built (bad config, checkpoint or device); no sequence can run."""


class ResultsFolderError(OSError):
    """A results folder cannot be created or written; found before any sequence is tracked."""


class RunInterrupted(Exception):
    """Ctrl-C (SIGINT) stopped the run; ``summary`` holds the sequences finished before it."""

    def __init__(self, summary: RunSummary) -> None:
        super().__init__(f"interrupted after {len(summary.done)} sequence(s)")
        self.summary = summary


def track_sequence(tracker_factory: TrackerFactory, sequence: Sequence,
                   on_frame: FrameCallback | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Track one sequence from its first-frame box; (N, 4) xywh boxes (row 0 = init box), (N,) seconds."""
    tracker = tracker_factory(sequence.traits.tracking)
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
        if on_frame is not None:
            on_frame(1)
    return boxes, times


class SequenceTask(Protocol):
    """What the runner does with one sequence (must be picklable: workers receive it)."""

    def done(self, result_dir: str | Path, sequence: Sequence) -> bool:
        """Whether the results of ``sequence`` are complete (the runner then skips it)."""

    def run(self, factory: TrackerFactory, sequence: Sequence, result_dir: str | Path,
            on_frame: FrameCallback | None = None) -> tuple[int, float]:
        """Track and write the results of ``sequence``; frames tracked and tracker seconds.

        ``on_frame(n)`` is called as frames are tracked (progress); a failed write raises ``WriteError``.
        """


@dataclass(frozen=True)
class OnePassTask:
    """One run from the first-frame box, written in the official box-file layout (the default task)."""

    def done(self, result_dir: str | Path, sequence: Sequence) -> bool:
        return sequence_results_exist(result_dir, sequence)

    def run(self, factory: TrackerFactory, sequence: Sequence, result_dir: str | Path,
            on_frame: FrameCallback | None = None) -> tuple[int, float]:
        boxes, times = track_sequence(factory, sequence, on_frame)
        write_sequence_results(result_dir, sequence, boxes, times)
        return len(sequence), float(times.sum())


def check_results_writable(result_dir: str | Path, sequences: list[Sequence]) -> None:
    """Check that the results folders of ``sequences`` can be created and written, leaving no trace.

    Missing folders are created for a probe file and removed again. Raises :class:`ResultsFolderError`
    naming the folder (a file in the way, no permission, read-only or full disk).
    """
    for folder in result_folders(result_dir, sequences):
        created = [p for p in (folder, *folder.parents) if not p.exists()]
        try:
            folder.mkdir(parents=True, exist_ok=True)
            with tempfile.TemporaryFile(dir=folder) as probe:
                probe.write(b"probe")
                probe.flush()
        except OSError as exc:
            error = ResultsFolderError(f"results folder {folder} is not usable: {exc.strerror or exc}")
            error.errno = exc.errno
            raise error from None
        finally:
            for path in created:  # deepest first; a folder another process has filled meanwhile stays
                with contextlib.suppress(OSError):
                    path.rmdir()


def _build(spec: TrackerSpec, device: str) -> TrackerFactory:
    try:
        return load_tracker(spec.name, resolve_config(spec.config, spec.name), spec.checkpoint, device, spec.backend)
    except Exception as exc:
        raise TrackerLoadError(f"could not build tracker {spec.name!r}: {exc}") from exc


def _run_and_save(factory: TrackerFactory, sequence: Sequence, result_dir: str | Path,
                  task: SequenceTask, on_frame: FrameCallback | None = None) -> SequenceOutcome:
    try:
        frames, seconds = task.run(factory, sequence, result_dir, on_frame)
    except Exception as exc:  # one broken sequence must not stop the benchmark; reported at the end
        return failed(sequence.name, exc)
    return SequenceOutcome(sequence.name, frames, seconds)


def _worker_main(spec: TrackerSpec, device: str, torch_threads: int, result_dir: str,
                 task: SequenceTask, batch: int, conn: Connection) -> None:
    """Worker process: build the tracker, then track the sequences received (``batch`` at a time) until
    ``None`` arrives.

    Messages to the parent: ``("ready", None)``, ``("fatal", message)``, ``("frames", n)``,
    ``("done", SequenceOutcome)``.
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is handled by the parent, which stops the workers
    torch.set_num_threads(torch_threads)
    try:
        factory = _build(spec, device)
    except TrackerLoadError as exc:
        conn.send(("fatal", str(exc)))
        return
    try:
        conn.send(("ready", None))
        if batch > 1:
            received = _Received(conn)
            for outcome in track_batched(factory, batch_step(spec.name, spec.backend), received.next, batch,
                                         result_dir, lambda n: conn.send(("frames", n))):
                conn.send(("done", outcome))
            return
        while (sequence := conn.recv()) is not None:
            outcome = _run_and_save(factory, sequence, result_dir, task,
                                    lambda n: conn.send(("frames", n)))
            conn.send(("done", outcome))
    except (EOFError, BrokenPipeError):  # the parent is gone (killed): nothing left to report to
        return


class _Received:
    """The sequences a worker receives over its pipe, as a :data:`~lib.test.evaluation.batched.SequenceSource`."""

    def __init__(self, conn: Connection) -> None:
        self.conn, self.ended = conn, False

    def next(self, wait: bool) -> Sequence | None:
        """The next sequence sent; None when none is waiting (``wait`` False) or after the final ``None``."""
        if self.ended or (not wait and not self.conn.poll()):
            return None
        sequence = self.conn.recv()
        self.ended = sequence is None
        return sequence


def worker_devices(device: str, num_workers: int) -> list[str]:
    """Device of each worker: CUDA workers are spread round-robin over the visible GPUs."""
    if device == "cuda" and torch.cuda.is_available():
        count = torch.cuda.device_count()
        return [f"cuda:{i % count}" for i in range(num_workers)]
    return [device] * num_workers


def run_benchmark(spec: TrackerSpec, sequences: list[Sequence], dataset_name: str, result_dir: str | Path,
                  num_workers: int = 0, torch_threads: int | None = None, progress: bool = True,
                  task: SequenceTask = OnePassTask(), batch: int = 1) -> RunSummary:
    """Track every sequence without results in ``result_dir``; ``num_workers`` 0 = in this process.

    Before tracking, the first-frame boxes are checked (:class:`~lib.utils.errors.AnnotationError`
    naming the file and line) and the results folders must be writable (:class:`ResultsFolderError`).
    Raises :class:`TrackerLoadError` when the tracker cannot be built and :class:`RunInterrupted` on
    Ctrl-C. A sequence that fails (e.g. an unreadable frame) is reported in the summary and the others
    go on; a lost worker or an unwritable result stops the run (``summary.not_run``).

    ``dataset_name`` labels the progress bar; each sequence's tracker is started with the sequence's declared
    ``traits.tracking`` (HYPER row, init style; :mod:`lib.test.evaluation.traits`). ``torch_threads`` = intra-op
    threads per worker (default: the policy of :func:`lib.utils.cli.torch_threads`). ``task`` says how a sequence
    is run and stored (default: one pass, official box files; VOT protocols bring their own). The progress
    bar counts frames (with the tracking speed) and sequences. ``batch``: sequences each process (this one or
    each worker) tracks together, one batched network step per frame (the plug-in's ``track_batch``); one-pass
    runs only (ValueError for another ``task``).
    """
    if num_workers < 0:
        raise ValueError(f"num_workers must be >= 0 (0 = in this process), got {num_workers}")
    if batch < 1 or (batch > 1 and not isinstance(task, OnePassTask)):
        raise ValueError(f"batch must be >= 1, and 1 for a {type(task).__name__} run; got {batch}")
    summary = RunSummary()
    pending = []
    for sequence in sequences:
        if task.done(result_dir, sequence):
            summary.skipped.append(sequence.name)
        else:
            pending.append(sequence)
    check_init_boxes(pending)
    check_results_writable(result_dir, pending)
    torch_threads = policy_threads(torch_threads)
    start = time.perf_counter()
    source = (_InProcess(spec, pending, str(result_dir), torch_threads, task, batch) if num_workers == 0
              else _WorkerPool(spec, pending, str(result_dir), num_workers, torch_threads, task, batch))
    total_frames = sum(len(s) for s in pending)
    with tqdm(total=total_frames, desc=f"{spec.name} on {dataset_name}", unit="frame", disable=not progress,
              smoothing=0.05) as bar:
        def show(frames: int) -> None:
            bar.update(frames)
        try:
            for outcome in source.outcomes(show):
                if outcome.fatal:
                    raise TrackerLoadError(outcome.error)
                (summary.failed if outcome.error else summary.done).append(outcome)
                if outcome.stops_run:
                    source.stop()
                bar.set_postfix(seq=f"{len(summary.done) + len(summary.failed)}/{len(pending)}",
                                failed=len(summary.failed))
        except KeyboardInterrupt:
            source.close()
            summary.wall_seconds = time.perf_counter() - start
            raise RunInterrupted(summary) from None
        finally:
            source.close()
    finished = {o.name for o in summary.done + summary.failed}
    summary.not_run = [s.name for s in pending if s.name not in finished]
    summary.wall_seconds = time.perf_counter() - start
    return summary


class _InProcess:
    """Sequences tracked in this process, one after another or ``batch`` together."""

    def __init__(self, spec: TrackerSpec, pending: list[Sequence], result_dir: str,
                 torch_threads: int, task: SequenceTask, batch: int = 1) -> None:
        self.spec, self.pending, self.result_dir = spec, pending, result_dir
        self.torch_threads, self.task, self.batch = torch_threads, task, batch
        self.stopped = False

    def stop(self) -> None:
        """Start no further sequence."""
        self.stopped = True

    def close(self) -> None:
        """Nothing to release."""

    def outcomes(self, on_frame: FrameCallback) -> Iterator[SequenceOutcome]:
        """Outcome of each sequence as it finishes."""
        if not self.pending:
            return
        previous_threads = torch.get_num_threads()
        torch.set_num_threads(self.torch_threads)
        try:
            factory = _build(self.spec, self.spec.device)
            if self.batch > 1:
                queue = iter(self.pending)
                yield from track_batched(factory, batch_step(self.spec.name, self.spec.backend),
                                         lambda wait: None if self.stopped else next(queue, None),
                                         self.batch, self.result_dir, on_frame)
                return
            for sequence in self.pending:
                if self.stopped:
                    return
                yield _run_and_save(factory, sequence, self.result_dir, self.task, on_frame)
        finally:
            torch.set_num_threads(previous_threads)


@dataclass(eq=False)  # compared and hashed by identity
class _Worker:
    process: mp.process.BaseProcess
    conn: Connection
    sequences: list[Sequence] = field(default_factory=list)  # the sequences it is tracking
    ready: bool = False               # it has built its tracker
    ended: bool = False               # it was told that no further sequence comes


def describe_exit(exitcode: int | None) -> str:
    """'killed by SIGKILL', 'exit code 3', ... for a worker's ``exitcode``."""
    if exitcode is None:
        return "still running"
    if exitcode < 0:
        try:
            return f"killed by {signal.Signals(-exitcode).name}"
        except ValueError:
            return f"killed by signal {-exitcode}"
    return f"exit code {exitcode}"


@contextlib.contextmanager
def _sigint_ignored() -> Iterator[None]:
    """Ignore Ctrl-C while starting workers, so that they inherit the ignored disposition."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


class _WorkerPool:
    """Worker processes, each fed up to ``batch`` sequences at a time; deaths are seen through process sentinels."""

    def __init__(self, spec: TrackerSpec, pending: list[Sequence], result_dir: str,
                 num_workers: int, torch_threads: int, task: SequenceTask, batch: int = 1) -> None:
        self.spec, self.result_dir, self.task, self.batch = spec, result_dir, task, batch
        self.queue = list(reversed(pending))
        self.num_workers = min(num_workers, len(pending))
        self.torch_threads = torch_threads
        self.workers: list[_Worker] = []
        self.stopped = False

    def stop(self) -> None:
        """Start no further sequence; the sequences in flight finish."""
        self.stopped = True

    def _start(self) -> None:
        context = mp.get_context("spawn")  # safe with CUDA and with threaded parents
        with _sigint_ignored():
            for device in worker_devices(self.spec.device, self.num_workers):
                parent_end, child_end = context.Pipe()
                process = context.Process(target=_worker_main, daemon=True, args=(
                    self.spec, device, self.torch_threads, self.result_dir, self.task, self.batch, child_end))
                process.start()
                child_end.close()
                self.workers.append(_Worker(process, parent_end))

    def _feed(self, worker: _Worker) -> None:
        """Fill ``worker`` up to ``batch`` sequences, or tell it (once) that no further sequence comes."""
        try:
            while not worker.ended and len(worker.sequences) < self.batch:
                sequence = self.queue.pop() if self.queue and not self.stopped else None
                worker.conn.send(sequence)
                if sequence is None:
                    worker.ended = True
                else:
                    worker.sequences.append(sequence)
        except OSError:  # the worker died; its sentinel reports it
            pass

    def outcomes(self, on_frame: FrameCallback) -> Iterator[SequenceOutcome]:
        """Outcome of each sequence as it finishes (a lost worker's sequence included)."""
        if not self.num_workers:
            return
        self._start()
        alive = list(self.workers)
        while alive:
            by_handle = {w.conn: w for w in alive} | {w.process.sentinel: w for w in alive}
            for worker in dict.fromkeys(by_handle[h] for h in wait(list(by_handle))):
                messages, ended = self._drain(worker)
                for kind, payload in messages:
                    if kind == "frames":
                        on_frame(payload)
                    elif kind == "fatal":
                        yield SequenceOutcome(self.spec.name, error=payload, fatal=True)
                        return
                    else:
                        worker.ready = True
                        if kind == "done":
                            worker.sequences = [s for s in worker.sequences if s.name != payload.name]
                            yield payload
                        self._feed(worker)
                if ended or not worker.process.is_alive():
                    worker.process.join(5)
                    alive.remove(worker)
                    yield from self._lost(worker)

    @staticmethod
    def _drain(worker: _Worker) -> tuple[list[tuple[str, object]], bool]:
        """Every message waiting in the worker's pipe, and whether the pipe has ended (worker gone)."""
        messages = []
        try:
            while worker.conn.poll():
                messages.append(worker.conn.recv())
        except (EOFError, OSError):
            return messages, True
        return messages, False

    def _lost(self, worker: _Worker) -> list[SequenceOutcome]:
        """The outcomes of the sequences a dead worker was tracking (none if it was idle and done)."""
        if not worker.sequences and worker.process.exitcode == 0:
            return []
        self.stop()
        cause = (f"worker process {worker.process.pid} died ({describe_exit(worker.process.exitcode)}), "
                 "e.g. killed by the out-of-memory killer")
        if worker.sequences:
            return [SequenceOutcome(sequence.name, stops_run=True,
                                    error=f"{cause} while tracking it; nothing was written for it")
                    for sequence in worker.sequences]
        when = "between two sequences" if worker.ready else "while building the tracker"
        return [SequenceOutcome(f"(worker {worker.process.pid})", stops_run=True, error=f"{cause} {when}")]

    def close(self) -> None:
        """Stop and reap every worker (idempotent)."""
        for worker in self.workers:
            if worker.process.is_alive():
                worker.process.terminate()
        for worker in self.workers:
            worker.process.join(5)
            if worker.process.is_alive():
                worker.process.kill()
                worker.process.join()
            worker.conn.close()
        self.workers = []
