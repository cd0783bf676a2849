"""GOT-10k: the training set (whole, or the VOT-safe subset), the test and the validation set.
Format: docs/benchmarks.md#got-10k.

Layout (relative to the GOT-10k root): ``<split>/list.txt`` (one folder name per line),
``<split>/<seq>/%08d.jpg`` (1-based), ``groundtruth.txt`` (``x,y,w,h``; only the first frame's box in
``test``), ``absence.label`` (1 = absent) and ``cover.label`` (0..8) with one value per frame, and
``meta_info.ini`` (``key: value`` lines). The target is present where ``absence == 0 & cover > 0``.

Training view (``training_annotations``): ``train/``, read through a ``FileSource`` (raw folder or
lmdb), boxes float32; a split file of ``lib/lists`` holds 0-based indices into the lines of the real
``train/list.txt``, in the order the sequences are used. Benchmark view (``benchmark_sequences``):
``test/`` or ``val/`` on disk, boxes float64, frames listed from the folder; validation sequences also
carry ``extra["cover"]`` and ``extra["resolution"] = (W, H)`` from ``meta_info.ini`` (used by the
GOT-10k toolkit to bound boxes to the image).
"""
from __future__ import annotations

import re
from pathlib import Path
from typing import Iterable, Sequence

import numpy as np

from lib.datasets.annotations import (AnnotationError, parse_boxes, parse_integers, read_label_column, read_rows)
from lib.datasets.layout import list_numbered_frames, require_file, require_sequence_dirs, select_names
from lib.datasets.records import SequenceRecord, TrainingAnnotations
from lib.datasets.storage import FileSource, IncompleteDatasetError
from lib.lists import read_name_list, read_packaged_list

LAYOUT = ("<root>/{test,val}/list.txt (one sequence name per line), <root>/<split>/<seq>/00000001.jpg ... "
          "(8 digits, 1-based), <root>/<split>/<seq>/groundtruth.txt (x,y,w,h, comma; one line in test), "
          "optional absence.label, cover.label (one integer per line) and meta_info.ini")

#: training split -> its packaged file of indices into train/list.txt (lib/lists)
SPLIT_FILES = {"train_full": "got10k_train_full_split.txt", "vot_train": "got10k_vot_train_split.txt"}
LIST_FILE = "train/list.txt"

_RESOLUTION = re.compile(r"^\(\s*(\d+)\s*,\s*(\d+)\s*\)$")


def split_indices(split: str) -> list[int]:
    """The 0-based ``train/list.txt`` indices of a packaged split (``train_full`` or ``vot_train``)."""
    if split not in SPLIT_FILES:
        raise ValueError(f"unknown GOT-10k split {split!r}; known: {sorted(SPLIT_FILES)} or 'all'")
    return [int(v) for v in read_packaged_list(SPLIT_FILES[split])]


def frame_file(folder: str, frame_id: int) -> str:
    """Frame ``frame_id`` (0-based) of the sequence in ``folder``: ``<folder>/%08d.jpg``, 1-based."""
    return f"{folder}/{frame_id + 1:08d}.jpg"


def training_annotations(source: FileSource, split: str = "train_full", indices: Sequence[int] | None = None,
                         dataset: str = "GOT10K_train") -> TrainingAnnotations:
    """Boxes and presence flags of the training sequences of ``split`` read from ``source``.

    ``split``: ``train_full``, ``vot_train`` or ``all`` (every line of list.txt, in order); ``indices``
    replaces the split's packaged index list when given. Raises ``IncompleteDatasetError`` when
    ``train/list.txt`` or a sequence is missing or the split indexes beyond the list, ``AnnotationError``
    (file and line) for a malformed file or a label count that differs from the box count.
    """
    if not source.exists(LIST_FILE):
        raise IncompleteDatasetError(
            f"{dataset}: {source.location(LIST_FILE)} not found; got10k_dir must be the GOT-10k root "
            "holding train/ (with train/list.txt), val/ and test/")
    listed = [line.strip() for line in source.read_text(LIST_FILE).splitlines() if line.strip()]
    if indices is None:
        indices = list(range(len(listed))) if split == "all" else split_indices(split)
    beyond = [i for i in indices if not 0 <= i < len(listed)]
    if beyond:
        raise IncompleteDatasetError(
            f"{dataset}: split {split!r} uses indices up to {max(indices)} but {source.location(LIST_FILE)} "
            f"lists only {len(listed)} sequences ({len(beyond)} indices out of range): "
            "the GOT-10k train set is incomplete")
    return sequence_annotations(source, [listed[i] for i in indices], [f"train/{listed[i]}" for i in indices],
                                [LIST_FILE], dataset)


def sequence_annotations(source: FileSource, names: Sequence[str], folders: Sequence[str], files: Sequence[str],
                         dataset: str, labels_optional: bool = False) -> TrainingAnnotations:
    """Boxes and presence flags of the GOT-10k-layout sequence folders ``folders`` (relative to ``source``).

    ``files``: the list files already read (kept in ``TrainingAnnotations.files``). With ``labels_optional``
    a folder without ``absence.label`` and ``cover.label`` has the target present in every frame (its
    zero-size boxes still count as absent). Raises ``IncompleteDatasetError`` for a folder without
    ``groundtruth.txt``, ``AnnotationError`` (file and line) for a malformed file or a label count that
    differs from the box count.
    """
    annotations = TrainingAnnotations(names=list(names), folders=list(folders), files=list(files))
    missing = [f for f in annotations.folders if not source.exists(f"{f}/groundtruth.txt")]
    if missing:
        raise IncompleteDatasetError(
            f"{dataset}: {len(missing)} of {len(folders)} sequences have no groundtruth.txt "
            f"(first: {source.location(missing[0] + '/groundtruth.txt')})")
    for folder in annotations.folders:
        gt_file = f"{folder}/groundtruth.txt"
        gt = parse_boxes(source.read_text(gt_file), source.location(gt_file))
        annotations.files.append(gt_file)
        present = np.ones(len(gt), dtype=bool)
        for label_file, is_present in ((f"{folder}/absence.label", lambda v: v == 0),
                                       (f"{folder}/cover.label", lambda v: v > 0)):
            if labels_optional and not source.exists(label_file):
                continue
            label = parse_integers(source.read_text(label_file), source.location(label_file))
            if len(label) != len(gt):
                raise AnnotationError(f"{source.location(label_file)}: {len(label)} labels but "
                                      f"{len(gt)} boxes in {source.location(gt_file)}")
            present &= is_present(label)
            annotations.files.append(label_file)
        annotations.boxes.append(gt)
        annotations.present.append(present)
    return annotations


def benchmark_sequences(root: Path, split: str, sequences: Iterable[str] | None = None) -> list[SequenceRecord]:
    """Sequences of ``split`` (``test`` or ``val``) in the order of ``<root>/<split>/list.txt``.

    Raises ``DatasetLayoutError`` for a missing list, folder or frame, ``AnnotationError`` for malformed files.
    """
    split_dir = root / split
    names = select_names(read_name_list(require_file(split_dir / "list.txt", "sequence list", LAYOUT)),
                         sequences, f"GOT-10k {split}")
    dirs = {name: split_dir / name for name in names}
    require_sequence_dirs(dirs, f"GOT-10k {split}", split_dir, LAYOUT)
    return [benchmark_sequence(name, dirs[name]) for name in names]


def benchmark_sequence(name: str, seq_dir: Path, layout: str = LAYOUT) -> SequenceRecord:
    """The GOT-10k-layout sequence folder ``seq_dir``: frames, boxes (one per frame, or only the first
    frame's), visibility from ``absence.label``/``cover.label`` when present, class and resolution from
    ``meta_info.ini``. ``layout`` is quoted in the errors (``DatasetLayoutError``, ``AnnotationError``)."""
    boxes = read_rows(seq_dir / "groundtruth.txt", layout=layout)
    frames = list_numbered_frames(seq_dir, first=1, digits=8, layout=layout)
    if len(boxes) not in (1, len(frames)):
        raise AnnotationError(f"{seq_dir / 'groundtruth.txt'}: {len(boxes)} lines for {len(frames)} frames "
                              f"(expected one line per frame, or only the first frame's box)")
    sequence = SequenceRecord(name=name, frames=frames, ground_truth_xywh=boxes,
                              init_box_source=f"{seq_dir / 'groundtruth.txt'}, line 1")
    if (seq_dir / "absence.label").exists() or (seq_dir / "cover.label").exists():
        absent = read_label_column(seq_dir / "absence.label", low=0, high=1, layout=layout)
        cover = read_label_column(seq_dir / "cover.label", low=0, high=8, layout=layout)
        for label_file, labels in (("absence.label", absent), ("cover.label", cover)):
            if len(labels) != len(frames):
                raise AnnotationError(f"{seq_dir / label_file}: {len(labels)} lines for {len(frames)} frames "
                                      f"(one label per frame expected)")
        sequence.target_visible = (absent == 0) & (cover > 0)
        sequence.extra["cover"] = cover
    meta_file = seq_dir / "meta_info.ini"
    if meta_file.is_file():
        meta = read_meta_info(meta_file)
        sequence.object_class = meta.get("object_class") or None
        if "resolution" in meta:
            width, height = _RESOLUTION.match(meta["resolution"]).groups()
            sequence.extra["resolution"] = (int(width), int(height))
    return sequence


def read_meta_info(path: Path) -> dict[str, str]:
    """``key: value`` entries of a GOT-10k ``meta_info.ini`` (the ``[METAINFO]`` header is skipped)."""
    entries = {}
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        line = line.strip()
        if not line or (line.startswith("[") and line.endswith("]")):
            continue
        key, colon, value = line.partition(":")
        if not colon:
            raise AnnotationError(f"{path}: line {number}: expected 'key: value', got {line!r}")
        key, value = key.strip(), value.strip()
        if key == "resolution" and _RESOLUTION.match(value) is None:
            raise AnnotationError(f"{path}: line {number}: resolution must look like '(1280, 720)', got {value!r}")
        entries[key] = value
    return entries
