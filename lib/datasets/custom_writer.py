"""Writing tracks as sequences of a custom root (docs/custom-data.md), for ``tracking/convert_dataset.py``.

Each sequence is written into a hidden ``.<name>.partial`` folder and renamed to ``<name>`` once complete, so
a root only ever holds finished sequences; sequences already there are skipped (an interrupted conversion
resumes where it stopped) and ``list.txt`` is rewritten atomically after each video.
"""
from __future__ import annotations

import shutil
from pathlib import Path
from typing import Sequence

import cv2
import numpy as np
from tqdm import tqdm

from lib.datasets.custom import GROUND_TRUTH, LIST_FILE
from lib.datasets.raw_tracks import Track
from lib.lists import read_name_list
from lib.utils.io import WriteError, atomic_write_text
from lib.utils.video import FrameSource

__all__ = ["check_length", "write_tracks"]

#: cover.label value of a frame where the target is present (GOT-10k: 8 = fully visible)
VISIBLE_COVER = 8


def _number(value: float) -> str:
    return f"{value:.10g}"


def _annotation_texts(track: Track, num_frames: int) -> dict[str, str]:
    """groundtruth.txt (one line per frame, one for a tracking-only track), absence.label and cover.label."""
    boxes = track.boxes[:1] if track.to_end else track.boxes
    texts = {GROUND_TRUTH: "".join(",".join(map(_number, box)) + "\n" for box in boxes)}
    if not track.to_end:
        texts["absence.label"] = "".join(f"{int(a)}\n" for a in track.absent[:num_frames])
        texts["cover.label"] = "".join(f"{0 if a else VISIBLE_COVER}\n" for a in track.absent[:num_frames])
    return texts


def _write_frame(path: Path, rgb: np.ndarray) -> None:
    if not cv2.imwrite(str(path), cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR), [cv2.IMWRITE_JPEG_QUALITY, 95]):
        raise WriteError(f"cannot write {path}")


def _partial(root: Path, name: str) -> Path:
    return root / f".{name}.partial"


def check_length(video: Path, tracks: Sequence[Track]) -> None:
    """Raise ``ValueError`` naming ``video`` when its container declares fewer frames than a track spans (a
    container that declares no count is checked while the frames are written)."""
    count = FrameSource(video).count
    for track in tracks:
        if count is not None and track.last is not None and track.last >= count:
            raise ValueError(f"{video}: {count} frame(s), but {track.name} is annotated up to frame {track.last + 1}")


def write_tracks(root: Path, video: Path, tracks: Sequence[Track], progress: bool = True) -> list[str]:
    """Write every track of ``video`` (a video file or a folder of frames, read once) as a sequence of
    ``root``, skipping those already there, and add their names to ``root/list.txt``; returns the names written.

    Raises ``ValueError`` naming ``video`` when it ends before a track's last frame, ``WriteError`` naming the
    file that could not be written.
    """
    root = Path(root)
    pending = [track for track in tracks if not (root / track.name).is_dir()]
    if pending:
        source = FrameSource(video)
        for track in pending:
            shutil.rmtree(_partial(root, track.name), ignore_errors=True)  # left by an interrupted run
            _partial(root, track.name).mkdir(parents=True)
        end = max((t.last for t in pending), key=lambda last: float("inf") if last is None else last)
        written: dict[str, int] = {t.name: 0 for t in pending}
        frames = tqdm(source, total=source.count if end is None else end + 1, desc=video.name, unit="frame",
                      disable=not progress, leave=False)
        read = 0
        for index, rgb in enumerate(frames):
            read += 1
            active = [t for t in pending if t.first <= index and (t.last is None or index <= t.last)]
            for track in active:
                written[track.name] += 1
                _write_frame(_partial(root, track.name) / f"{written[track.name]:08d}.jpg", rgb)
            if end is not None and index >= end:
                break
        for track in pending:
            expected = None if track.to_end else len(track.boxes)
            if written[track.name] == 0 or (expected is not None and written[track.name] < expected):
                raise ValueError(f"{video}: {read} frame(s), but {track.name} is annotated up to frame "
                                 f"{track.first + (expected or 1)}")
            for file, text in _annotation_texts(track, written[track.name]).items():
                atomic_write_text(_partial(root, track.name) / file, text)
            _partial(root, track.name).rename(root / track.name)
    listed = read_name_list(root / LIST_FILE) if (root / LIST_FILE).is_file() else []
    names = list(dict.fromkeys(listed + [track.name for track in tracks]))
    if names != listed:
        atomic_write_text(root / LIST_FILE, "".join(f"{name}\n" for name in names))
    return [track.name for track in pending]
