"""VastTrack (2,115 classes; 3,500 test sequences, 47,110 training sequences). Format: docs/benchmarks.md#vasttrack.

Layout (relative to a VastTrack root, the extracted test parts or the extracted training parts):
``<Class>/<Class>-<k>/imgs/%05d.jpg`` (1-based), ``<Class>/<Class>-<k>/Groundtruth.txt`` (``x,y,w,h`` per
frame, comma; some sequences spell it ``groundtruth.txt``) and ``<Class>/<Class>-<k>/nlp.txt`` (one
sentence naming the target, kept on the sequence as ``extra["language"]``; our trackers do not use it).
A frame is absent where its box is ``0,0,0,0``: the owners' ``annos/absent/<seq>.txt`` files mark
exactly those frames. Sequences are the ``<Class>/<seq>`` folders holding a ground-truth file, sorted by
name; the class folder is the object class.
"""
from __future__ import annotations

import os
from pathlib import Path
from typing import Callable, Iterable

from lib.datasets.annotations import AnnotationError, parse_boxes, read_rows
from lib.datasets.layout import (DatasetLayoutError, check_frame_ends, numbered_frames, require_dir, require_file,
                                 select_names)
from lib.datasets.records import SequenceRecord, TrainingAnnotations
from lib.datasets.storage import FileSource, IncompleteDatasetError

LAYOUT = ("<root>/<Class>/<Class>-<k>/imgs/00001.jpg ... (5 digits, one per ground-truth line), "
          "<root>/<Class>/<Class>-<k>/Groundtruth.txt or groundtruth.txt (x,y,w,h per line, comma; 0,0,0,0 where "
          "the target is absent), <root>/<Class>/<Class>-<k>/nlp.txt (one sentence)")
GROUND_TRUTH_NAMES = ("Groundtruth.txt", "groundtruth.txt")
FRAME_DIGITS = 5


def ground_truth_name(exists: Callable[[str], bool]) -> str | None:
    """The first of ``GROUND_TRUTH_NAMES`` for which ``exists(name)`` holds, else ``None``."""
    return next((name for name in GROUND_TRUTH_NAMES if exists(name)), None)


def frame_file(folder: str, frame_id: int) -> str:
    """Frame ``frame_id`` (0-based) of the sequence in ``folder``: ``<folder>/imgs/%05d.jpg``, 1-based."""
    return f"{folder}/imgs/{frame_id + 1:0{FRAME_DIGITS}d}.jpg"


def sequence_folders(root: Path) -> dict[str, str]:
    """Sequence name -> its folder relative to ``root`` (``<Class>/<seq>``), for every ``<Class>/<seq>``
    folder holding a ground-truth file, sorted by name.

    Raises ``DatasetLayoutError`` when ``root`` is not a folder or holds no such sequence folder.
    """
    require_dir(root, "VastTrack root", LAYOUT)
    folders: dict[str, str] = {}
    for class_entry in sorted(os.scandir(root), key=lambda entry: entry.name):
        if not class_entry.is_dir():
            continue
        for entry in os.scandir(class_entry.path):
            if entry.is_dir() and ground_truth_name(lambda name: os.path.isfile(os.path.join(entry.path, name))):
                folders[entry.name] = f"{class_entry.name}/{entry.name}"
    if not folders:
        raise DatasetLayoutError(f"VastTrack: no <Class>/<seq> folder with a Groundtruth.txt under {root}\n"
                                 f"  expected layout: {LAYOUT}")
    return dict(sorted(folders.items()))


def benchmark_sequences(root: Path, sequences: Iterable[str] | None = None) -> list[SequenceRecord]:
    """VastTrack sequences under ``root`` sorted by name (or in ``sequences`` order).

    Raises ``DatasetLayoutError`` for a missing folder, end frame or file, ``AnnotationError`` (file and
    line) for a malformed ground truth.
    """
    folders = sequence_folders(root)
    names = select_names(list(folders), sequences, "VastTrack")
    return [_benchmark_sequence(name, root / folders[name]) for name in names]


def _benchmark_sequence(name: str, seq_dir: Path) -> SequenceRecord:
    gt_file = seq_dir / str(ground_truth_name(lambda n: (seq_dir / n).is_file()))
    boxes = read_rows(gt_file, layout=LAYOUT)
    frames = numbered_frames(seq_dir / "imgs", range(1, len(boxes) + 1), digits=FRAME_DIGITS)
    check_frame_ends(frames, LAYOUT)
    # Only kept for reference: undecodable bytes become U+FFFD rather than making the sequence unloadable.
    language_file = require_file(seq_dir / "nlp.txt", "language file", LAYOUT)
    language = " ".join(language_file.read_text(encoding="utf-8-sig", errors="replace").split())
    return SequenceRecord(name=name, frames=frames, ground_truth_xywh=boxes, target_visible=~(boxes == 0).all(axis=1),
                          object_class=seq_dir.parent.name, init_box_source=f"{gt_file}, line 1",
                          extra={"language": language})


def training_annotations(source: FileSource, dataset: str = "VASTTRACK") -> TrainingAnnotations:
    """Boxes and presence flags (present = not ``0,0,0,0``) of every ``<Class>/<seq>`` of ``source``
    holding a ground-truth file, sorted by name.

    Raises ``IncompleteDatasetError`` when there is none, ``AnnotationError`` (file and line) for a
    malformed ground truth or one with fewer than two boxes.
    """
    found: list[tuple[str, str, str]] = []
    for class_name in source.list_dir(""):
        try:
            names = source.list_dir(class_name)
        except FileNotFoundError:  # a file beside the class folders
            continue
        for name in names:
            folder = f"{class_name}/{name}"
            gt_name = ground_truth_name(lambda n: source.exists(f"{folder}/{n}"))
            if gt_name:
                found.append((name, folder, f"{folder}/{gt_name}"))
    if not found:
        raise IncompleteDatasetError(f"{dataset}: no <Class>/<seq> folder with a Groundtruth.txt under {source.root}"
                                     f"\n  expected layout: {LAYOUT}")
    annotations = TrainingAnnotations()
    for name, folder, gt_file in sorted(found):
        boxes = parse_boxes(source.read_text(gt_file), source.location(gt_file))
        if len(boxes) < 2:
            raise AnnotationError(f"{source.location(gt_file)}: 1 box; a training sequence needs one per frame")
        annotations.names.append(name)
        annotations.folders.append(folder)
        annotations.files.append(gt_file)
        annotations.boxes.append(boxes)
        annotations.present.append(~(boxes == 0).all(axis=1))
    return annotations
