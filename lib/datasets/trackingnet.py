"""TrackingNet: the training chunks ``TRAIN_0`` .. ``TRAIN_11`` and the ``TEST`` set (511 sequences).
Format: docs/benchmarks.md#trackingnet.

Layout (relative to the TrackingNet root): ``<split>/anno/<seq>.txt`` (``x,y,w,h`` per frame; the first
frame's box only in ``TEST``) and ``<split>/frames/<seq>/<i>.jpg`` (0-based, not zero-padded; extracted
from ``<split>/zips/<seq>.zip``). Sequences are the ``anno/*.txt`` files sorted by name (the official
loader used ``os.listdir`` order). Only one frame in 30 was drawn by a person (the rest is
interpolated), so, as in the official AiATrack loader, training marks the target present only on
frames whose index is a multiple of 30 and on the last frame.

Training view (``training_annotations``): chunk by chunk, read through a ``FileSource`` (raw folder or
lmdb), boxes float32. Benchmark view (``benchmark_sequences``): one split on disk, boxes float64,
frames listed from the folder in numeric order.
"""
from __future__ import annotations

from pathlib import Path
from typing import Iterable, Sequence

import numpy as np

from lib.datasets.annotations import AnnotationError, parse_boxes, read_rows
from lib.datasets.layout import (list_numbered_frames, missing_path_error, require_dir, require_sequence_dirs,
                                 select_names)
from lib.datasets.records import SequenceRecord, TrainingAnnotations
from lib.datasets.storage import FileSource, IncompleteDatasetError

LAYOUT = ("<root>/{TEST,TRAIN_0..TRAIN_11}/anno/<seq>.txt (x,y,w,h per line, comma; one line in TEST), "
          "<root>/<split>/frames/<seq>/0.jpg 1.jpg ... (0-based, not zero padded; extracted from zips/<seq>.zip)")

NUM_CHUNKS = 12
SPLITS = ("TEST",) + tuple(f"TRAIN_{k}" for k in range(NUM_CHUNKS))
ANNOTATION_PERIOD = 30


def human_annotated(length: int) -> np.ndarray:
    """(length,) bool: frames annotated by hand (every 30th from frame 0, and the last frame)."""
    flags = np.arange(length) % ANNOTATION_PERIOD == 0
    flags[-1] = True
    return flags


def frame_file(folder: str, frame_id: int) -> str:
    """Frame ``frame_id`` (0-based) of the sequence in ``folder``: ``<folder>/<frame_id>.jpg``."""
    return f"{folder}/{frame_id}.jpg"


def _has_folder(source: FileSource, rel: str) -> bool:
    try:
        return bool(source.list_dir(rel))
    except FileNotFoundError:
        return False


def training_annotations(source: FileSource, chunks: Sequence[int], dataset: str = "TRACKINGNET") -> TrainingAnnotations:
    """Boxes and hand-annotated flags of every sequence of the ``TRAIN_<k>`` chunks, read from ``source``.

    Raises ``ValueError`` for a chunk outside 0..11, ``IncompleteDatasetError`` when a chunk's ``anno``
    folder is missing or empty, ``AnnotationError`` (file and line) for a malformed file.
    """
    bad = [c for c in chunks if not 0 <= c < NUM_CHUNKS]
    if bad:
        raise ValueError(f"{dataset}: TrackingNet training chunks are 0..{NUM_CHUNKS - 1}, got {bad}")
    missing = [f"TRAIN_{c}/anno" for c in chunks if not _has_folder(source, f"TRAIN_{c}/anno")]
    if missing:
        raise IncompleteDatasetError(
            f"{dataset}: annotation folder(s) missing or empty under {source.root}: {', '.join(missing)}; "
            "trackingnet_dir must be the TrackingNet root holding TRAIN_0 .. TRAIN_11 "
            "(or select the chunks you have)")
    annotations = TrainingAnnotations()
    for chunk in chunks:
        for entry in source.list_dir(f"TRAIN_{chunk}/anno"):
            if not entry.endswith(".txt"):
                continue
            seq = entry[:-len(".txt")]
            anno_file = f"TRAIN_{chunk}/anno/{entry}"
            gt = parse_boxes(source.read_text(anno_file), source.location(anno_file))
            annotations.names.append(seq)
            annotations.boxes.append(gt)
            annotations.present.append(human_annotated(len(gt)))
            annotations.files.append(anno_file)
            annotations.folders.append(f"TRAIN_{chunk}/frames/{seq}")
    return annotations


def benchmark_sequences(root: Path, split: str, sequences: Iterable[str] | None = None) -> list[SequenceRecord]:
    """Sequences of ``split`` (``TEST`` or ``TRAIN_k``), sorted by name (or in ``sequences`` order).

    Raises ``DatasetLayoutError`` for a missing folder or frame, ``AnnotationError`` for malformed files.
    """
    anno_dir = require_dir(root / split / "anno", "annotation folder", LAYOUT)
    available = sorted(path.stem for path in anno_dir.glob("*.txt"))
    if not available:
        raise missing_path_error(anno_dir / "*.txt", "sequence annotation files", LAYOUT)
    names = select_names(available, sequences, f"TrackingNet {split}")
    dirs = {name: root / split / "frames" / name for name in names}
    require_sequence_dirs(dirs, f"TrackingNet {split}", root / split / "frames", LAYOUT)
    return [_benchmark_sequence(name, anno_dir / f"{name}.txt", dirs[name]) for name in names]


def _benchmark_sequence(name: str, anno_file: Path, frame_dir: Path) -> SequenceRecord:
    boxes = read_rows(anno_file, layout=LAYOUT)
    frames = list_numbered_frames(frame_dir, first=0, digits=0, layout=LAYOUT)
    if len(boxes) not in (1, len(frames)):
        raise AnnotationError(f"{anno_file}: {len(boxes)} lines for {len(frames)} frames in {frame_dir} "
                              f"(expected one line per frame, or only the first frame's box)")
    return SequenceRecord(name=name, frames=frames, ground_truth_xywh=boxes, init_box_source=f"{anno_file}, line 1")
