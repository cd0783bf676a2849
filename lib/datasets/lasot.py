"""LaSOT: the 1120 training sequences, the 280 test sequences and the 150 of the extension.
Format: docs/benchmarks.md#lasot.

Layout (relative to the LaSOT root): ``<class>/<class>-<k>/img/%08d.jpg`` (1-based),
``groundtruth.txt`` (``x,y,w,h`` per frame), ``full_occlusion.txt`` and ``out_of_view.txt`` (one line
of comma-separated 0/1 flags). The target is present where neither flag is set; visibility never
comes from the boxes (absent frames usually repeat the last visible box). Frames are enumerated from
the ground-truth length.

Training view (``training_annotations``): files read through a ``FileSource`` (raw folder or lmdb),
boxes float32. Benchmark view (``benchmark_sequences``): files read from the root on disk, boxes
float64, only the first and last frame of each sequence checked on disk.
"""
from __future__ import annotations

from pathlib import Path
from typing import Iterable, Sequence

import numpy as np

from lib.datasets.annotations import AnnotationError, parse_boxes, parse_integers, read_flag_line, read_rows
from lib.datasets.layout import check_frame_ends, numbered_frames, require_sequence_dirs, select_names
from lib.datasets.records import SequenceRecord, TrainingAnnotations
from lib.datasets.storage import FileSource, IncompleteDatasetError
from lib.lists import list_path, read_name_list, read_packaged_list

LAYOUT = ("<root>/<class>/<class>-<k>/img/00000001.jpg ... (8 digits, 1-based), "
          "<root>/<class>/<class>-<k>/groundtruth.txt (x,y,w,h per line, comma), "
          "full_occlusion.txt and out_of_view.txt (one line of comma-separated 0/1 flags)")

#: split -> its packaged list of sequence names (lib/lists)
SPLIT_LISTS = {
    "test": "lasot_test_280.txt",
    "train": "lasot_train_1120.txt",
    "extension": "lasot_extension_150.txt",
}
TRAIN_LIST = SPLIT_LISTS["train"]
FLAG_FILES = ("full_occlusion.txt", "out_of_view.txt")


def class_of(name: str) -> str:
    """Object class of a LaSOT sequence name: the text before the ``-`` (``airplane-13`` -> ``airplane``)."""
    return name.rsplit("-", 1)[0]


def sequence_folder(name: str) -> str:
    """Folder of sequence ``name`` relative to the root: ``<class>/<name>``."""
    return f"{class_of(name)}/{name}"


def frame_file(folder: str, frame_id: int) -> str:
    """Frame ``frame_id`` (0-based) of the sequence in ``folder``: ``<folder>/img/%08d.jpg``, 1-based."""
    return f"{folder}/img/{frame_id + 1:08d}.jpg"


def training_annotations(source: FileSource, names: Sequence[str] | None = None,
                         dataset: str = "LASOT") -> TrainingAnnotations:
    """Boxes and presence flags of ``names`` (default: the 1120 training sequences) read from ``source``.

    Raises ``IncompleteDatasetError`` when a sequence has no ``groundtruth.txt`` and ``AnnotationError``
    (file and line) for a malformed file or a flag count that differs from the box count.
    """
    names = list(names) if names is not None else read_packaged_list(TRAIN_LIST)
    missing = [n for n in names if not source.exists(f"{sequence_folder(n)}/groundtruth.txt")]
    if missing:
        raise IncompleteDatasetError(
            f"{dataset}: {len(missing)} of {len(names)} training sequences have no groundtruth.txt under "
            f"{source.root} (first: {source.location(sequence_folder(missing[0]) + '/groundtruth.txt')}); "
            "lasot_dir must be the LaSOT root holding the <class>/<class>-<k> folders")
    annotations = TrainingAnnotations(names=names, folders=[sequence_folder(n) for n in names])
    for folder in annotations.folders:
        gt_file = f"{folder}/groundtruth.txt"
        gt = parse_boxes(source.read_text(gt_file), source.location(gt_file))
        absent = np.zeros(len(gt), dtype=bool)
        for flag_file in (f"{folder}/{flag}" for flag in FLAG_FILES):
            flags = parse_integers(source.read_text(flag_file), source.location(flag_file))
            if len(flags) != len(gt):
                raise AnnotationError(f"{source.location(flag_file)}: {len(flags)} flags but "
                                      f"{len(gt)} boxes in {source.location(gt_file)}")
            absent |= flags != 0
            annotations.files.append(flag_file)
        annotations.files.append(gt_file)
        annotations.boxes.append(gt)
        annotations.present.append(~absent)
    return annotations


def benchmark_sequences(root: Path, split: str, sequences: Iterable[str] | None = None) -> list[SequenceRecord]:
    """Sequences of ``split`` (test, train, extension) under ``root``, in list order (or ``sequences`` order).

    Raises ``DatasetLayoutError`` for missing folders or end frames, ``AnnotationError`` for malformed files.
    """
    names = select_names(read_name_list(list_path(SPLIT_LISTS[split])), sequences, f"LaSOT {split}")
    dirs = {name: root / class_of(name) / name for name in names}
    require_sequence_dirs(dirs, f"LaSOT {split}", root, LAYOUT)
    return [_benchmark_sequence(name, dirs[name]) for name in names]


def _benchmark_sequence(name: str, seq_dir: Path) -> SequenceRecord:
    boxes = read_rows(seq_dir / "groundtruth.txt", layout=LAYOUT)
    occluded, out_of_view = (read_flag_line(seq_dir / flag, layout=LAYOUT) for flag in FLAG_FILES)
    for flag_file, flags in zip(FLAG_FILES, (occluded, out_of_view)):
        if len(flags) != len(boxes):
            raise AnnotationError(f"{seq_dir / flag_file}: line 1 holds {len(flags)} flags but "
                                  f"{seq_dir / 'groundtruth.txt'} has {len(boxes)} lines (one flag per frame expected)")
    frames = numbered_frames(seq_dir / "img", range(1, len(boxes) + 1), digits=8)
    check_frame_ends(frames, LAYOUT)
    return SequenceRecord(name=name, frames=frames, ground_truth_xywh=boxes, target_visible=~occluded & ~out_of_view,
                          object_class=class_of(name), init_box_source=f"{seq_dir / 'groundtruth.txt'}, line 1")
