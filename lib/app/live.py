"""Frames as they arrive: a camera, a stream, or a file played at its own rate, with frames dropped (never
queued) while the tracker is busy.

:func:`open_frames` turns a ``--source`` (file, folder, camera index, URL) into :class:`TimedFrame` items;
:class:`LatestFrame` is the real-time buffer: a thread reads the source at its own pace and keeps only the
newest frame, so the consumer always gets the most recent one and ``dropped`` counts what it never saw.
"""
from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

import cv2
import numpy as np

from lib.utils.video import FrameSource

__all__ = ["LatestFrame", "OpenedSource", "TimedFrame", "open_frames", "paced"]

#: ``() -> RGB frame (H, W, 3) uint8, or None at the end of the source``
FrameReader = Callable[[], "np.ndarray | None"]


@dataclass(frozen=True)
class TimedFrame:
    """Frame ``index`` (0-based position in the source) read at ``captured`` (``time.monotonic()`` seconds)."""

    index: int
    image: np.ndarray
    captured: float


class LatestFrame:
    """Iterate over the newest frame of ``read``, which a background thread calls as fast as it returns.

    Each ``next`` waits for a frame newer than the last one handed out and returns the newest; older ones are
    dropped (counted in ``dropped``; ``captured`` counts every frame read). Iteration ends after the last frame
    once ``read`` returns None; an exception in ``read`` is raised by the iterator. ``close`` stops the thread.
    """

    def __init__(self, read: FrameReader) -> None:
        self._read = read
        self._condition = threading.Condition()
        self._latest: TimedFrame | None = None
        self._ended = False
        self._error: BaseException | None = None
        self._stop = threading.Event()
        self.captured = 0
        self.delivered = 0
        self._thread = threading.Thread(target=self._run, name="frame-reader", daemon=True)
        self._thread.start()

    @property
    def dropped(self) -> int:
        """Frames read but never handed out (so far)."""
        pending = 0 if self._latest is None else 1
        return self.captured - self.delivered - pending

    def _run(self) -> None:
        try:
            while not self._stop.is_set():
                image = self._read()
                if image is None:
                    break
                with self._condition:
                    self._latest = TimedFrame(self.captured, image, time.monotonic())
                    self.captured += 1
                    self._condition.notify_all()
        except BaseException as exc:  # handed to the consumer's thread
            self._error = exc
        with self._condition:
            self._ended = True
            self._condition.notify_all()

    def __iter__(self) -> Iterator[TimedFrame]:
        while True:
            with self._condition:
                self._condition.wait_for(lambda: self._latest is not None or self._ended)
                frame, self._latest = self._latest, None
            if frame is None:
                if self._error is not None:
                    raise self._error
                return
            self.delivered += 1
            yield frame

    def close(self) -> None:
        """Stop reading (the thread ends after its current read)."""
        self._stop.set()


def paced(frames: Iterable[np.ndarray], fps: float) -> FrameReader:
    """A reader returning ``frames`` at ``fps`` frames per second of wall clock (a recording played live)."""
    iterator = iter(frames)
    period = 1.0 / fps
    start = time.monotonic()
    count = 0

    def read() -> np.ndarray | None:
        nonlocal count
        delay = start + count * period - time.monotonic()
        if delay > 0:
            time.sleep(delay)
        count += 1
        return next(iterator, None)

    return read


@dataclass
class OpenedSource:
    """A source ready to track: its frames, frame rate, length (None: live or unknown) and name for messages;
    ``live`` is the :class:`LatestFrame` buffer in real-time mode (None otherwise)."""

    frames: Iterable[TimedFrame]
    fps: float
    count: int | None
    name: str
    live: LatestFrame | None = None


def _capture_reader(capture: cv2.VideoCapture) -> FrameReader:
    def read() -> np.ndarray | None:
        ok, bgr = capture.read()
        if not ok:
            capture.release()
            return None
        return cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)

    return read


def _timed(frames: Iterable[np.ndarray]) -> Iterator[TimedFrame]:
    for index, image in enumerate(frames):
        yield TimedFrame(index, image, time.monotonic())


def _not_empty(frames: Iterable[TimedFrame], name: str) -> Iterator[TimedFrame]:
    """``frames``, or ValueError naming the source when it ends before its first frame."""
    empty = True
    for frame in frames:
        empty = False
        yield frame
    if empty:
        raise ValueError(f"{name}: no frame could be read (unsupported or empty video)")


def open_frames(source: str, realtime: bool = False, default_fps: float = 30.0) -> OpenedSource:
    """Open ``source``: a camera index (``"0"``), an ``rtsp://`` / ``http(s)://`` URL, a video file or a folder.

    Cameras and URLs are always real time (the newest frame, others dropped); a file or folder is read frame by
    frame, or with ``realtime`` played at its frame rate as if live. Raises ``ValueError`` naming the source
    when OpenCV cannot open a camera or stream, and what :class:`~lib.utils.video.FrameSource` raises for files.
    """
    if source.isdigit() or "://" in source:
        camera = source.isdigit()
        what = f"camera {source}" if camera else f"stream {source}"
        capture = cv2.VideoCapture(int(source) if camera else source)
        if not capture.isOpened():
            reason = "no such camera, or it is busy" if camera else "unreachable or unsupported"
            raise ValueError(f"{what}: OpenCV cannot open it ({reason})")
        fps = capture.get(cv2.CAP_PROP_FPS)
        live = LatestFrame(_capture_reader(capture))
        return OpenedSource(_not_empty(live, what), fps if 0 < fps < 1000 else default_fps, None, what, live)
    recorded = FrameSource(source, default_fps)
    name = str(recorded.path)
    if not realtime:
        return OpenedSource(_not_empty(_timed(recorded), name), recorded.fps, recorded.count, name)
    live = LatestFrame(paced(recorded, recorded.fps))
    return OpenedSource(_not_empty(live, name), recorded.fps, recorded.count, name, live)
