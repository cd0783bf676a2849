"""The one tracking loop of the demos: frames in, the annotated video, MOT boxes and a timing log out.

Outputs are complete or absent while the run goes on, and stay valid when it is interrupted (Ctrl-C): the
video is written beside its final name and moved there when the loop ends for any reason, the text files are
written atomically from what was tracked.
"""
from __future__ import annotations

import os
import signal
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import cv2
import numpy as np

from lib.app.annotate import annotate
from lib.app.live import TimedFrame
from lib.app.session import TargetResult, TrackingSession
from lib.utils.io import atomic_write_text

__all__ = ["RunLog", "track_frames", "write_mot", "write_timing"]


@dataclass
class RunLog:
    """What a run tracked: per processed frame its source index, results, and latency (seconds from the frame's
    capture to its results); ``elapsed`` seconds from the first frame's capture to the last result."""

    indices: list[int] = field(default_factory=list)
    results: list[list[TargetResult]] = field(default_factory=list)
    latencies: list[float] = field(default_factory=list)
    elapsed: float = 0.0
    interrupted: bool = False

    @property
    def fps(self) -> float:
        """Frames processed per second of wall clock (0 before two frames)."""
        return (len(self.indices) - 1) / self.elapsed if len(self.indices) > 1 and self.elapsed > 0 else 0.0


@contextmanager
def _interrupt_after() -> Iterator[None]:
    """Hold a Ctrl-C back until the block is done (then raise KeyboardInterrupt), so a frame is either in the
    video and the log or in neither. Outside the main thread Python delivers no signal and this does nothing."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    caught: list[int] = []
    previous = signal.signal(signal.SIGINT, lambda number, _frame: caught.append(number))
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)
    if caught:
        raise KeyboardInterrupt


def track_frames(session: TrackingSession, frames: Iterable[TimedFrame], regions: Sequence[Sequence[float]] | None,
                 output: Path, fps: float, choose: Callable[[np.ndarray], list[list[float]]] | None = None,
                 on_frame: Callable[[RunLog], None] | None = None, where: Sequence[str] | None = None) -> RunLog:
    """Start ``session`` on the first frame with ``regions`` (None: ``choose(first_frame)`` picks them), track every
    later frame, and write the annotated video to ``output`` at ``fps``.

    ``on_frame`` is called after each frame (progress display). Raises what the session raises for bad regions
    (``where`` names each region's origin, see :meth:`TrackingSession.start`) before anything is written, and
    OSError when the video cannot be written. A KeyboardInterrupt ends the loop with ``interrupted`` set and the
    video kept; before the first frame is tracked it is raised again (nothing written).
    """
    log = RunLog()
    writer = None
    partial = output.with_name(f".{output.stem}.partial{output.suffix}")
    start = 0.0
    try:
        for frame in frames:
            if writer is None:
                results = session.start(frame.image, regions if regions is not None else choose(frame.image), where)
                start = frame.captured
            else:
                results = session.update(frame.image)
            done = time.monotonic()
            with _interrupt_after():
                if writer is None:
                    writer = _open_writer(partial, output, fps, frame.image.shape)
                log.indices.append(frame.index)
                log.results.append(results)
                log.latencies.append(done - frame.captured)
                log.elapsed = done - start
                label = f"frame {frame.index}  {log.latencies[-1] * 1000:.0f} ms  {log.fps:.1f} fps"
                writer.write(annotate(frame.image, results, label))
            if on_frame is not None:
                on_frame(log)
    except KeyboardInterrupt:
        log.interrupted = True
    except BaseException:
        if writer is not None:
            writer.release()
        partial.unlink(missing_ok=True)
        raise
    if writer is None:
        if log.interrupted:
            raise KeyboardInterrupt
        raise ValueError("the source gave no frame")  # open_frames' sources name themselves instead
    writer.release()
    os.replace(partial, output)
    return log


#: codec per output suffix (browsers play VP8 WebM; OpenCV's wheels write no H.264); MPEG-4 part 2 otherwise
CODECS = {".webm": "VP80"}


def _open_writer(partial: Path, output: Path, fps: float, shape: tuple[int, ...]) -> cv2.VideoWriter:
    """A writer of (H, W, 3) frames to ``partial`` in the codec of ``output``'s suffix (:data:`CODECS`, else mp4v);
    OSError naming ``output`` when OpenCV cannot write it."""
    output.parent.mkdir(parents=True, exist_ok=True)
    codec = CODECS.get(output.suffix.lower(), "mp4v")
    writer = cv2.VideoWriter(str(partial), cv2.VideoWriter_fourcc(*codec), fps, (shape[1], shape[0]))
    if not writer.isOpened():
        raise OSError(f"cannot write {output}: OpenCV cannot write this video")
    return writer


def write_mot(path: Path, log: RunLog) -> None:
    """MOT-challenge text: ``frame,id,x,y,w,h,score`` per target and processed frame (frame numbers 1-based,
    in source frames, so dropped frames are gaps)."""
    atomic_write_text(path, "".join(
        f"{index + 1},{r.target_id},{r.box[0]:.2f},{r.box[1]:.2f},{r.box[2]:.2f},{r.box[3]:.2f},{r.score:.4f}\n"
        for index, results in zip(log.indices, log.results) for r in results))


def write_timing(path: Path, log: RunLog) -> None:
    """CSV ``frame,latency_ms`` per processed frame (1-based source frame numbers)."""
    atomic_write_text(path, "frame,latency_ms\n" + "".join(
        f"{index + 1},{latency * 1000:.1f}\n" for index, latency in zip(log.indices, log.latencies)))
