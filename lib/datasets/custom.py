"""Your own videos in the GOT-10k sequence layout (format: docs/custom-data.md).

Layout (relative to the custom root): ``<seq>/00000001.jpg ...`` (8 digits, 1-based), ``<seq>/groundtruth.txt``
(``x,y,w,h`` in pixels, one line per frame, or only the first frame's line for tracking-only sequences),
optional ``<seq>/absence.label`` (1 = absent) and ``<seq>/cover.label`` (0..8), one integer per frame, and
an optional ``list.txt`` (one sequence name per line; without it every sub-folder holding a
``groundtruth.txt`` is a sequence, in sorted order). Frames with a zero-size box or flagged absent are
left out of training and scoring. Both views reuse the GOT-10k readers of ``lib/datasets/got10k.py``.
"""
from __future__ import annotations

from pathlib import Path
from typing import Iterable

from lib.datasets import got10k
from lib.datasets.layout import require_dir, require_sequence_dirs, select_names
from lib.datasets.records import SequenceRecord, TrainingAnnotations
from lib.datasets.storage import FileSource, IncompleteDatasetError
from lib.lists import read_name_list

LAYOUT = ("<root>/<seq>/00000001.jpg ... (8 digits, 1-based), <root>/<seq>/groundtruth.txt (x,y,w,h, comma; one "
          "line per frame, or one line for tracking only), optional absence.label / cover.label (one integer per "
          "line) and optional <root>/list.txt (one sequence name per line); see docs/custom-data.md")
LIST_FILE = "list.txt"
GROUND_TRUTH = "groundtruth.txt"


def sequence_names(root: Path) -> list[str]:
    """The sequences of the custom root ``root``: ``list.txt`` when present, else every sub-folder holding a
    ``groundtruth.txt`` (sorted). Raises ``DatasetLayoutError`` for a missing root or a root without sequences."""
    require_dir(root, "custom dataset root", LAYOUT)
    if (root / LIST_FILE).is_file():
        return read_name_list(root / LIST_FILE)
    names = sorted(p.name for p in root.iterdir() if (p / GROUND_TRUTH).is_file())
    if not names:
        raise IncompleteDatasetError(f"custom: no sequence under {root} (no list.txt and no <seq>/{GROUND_TRUTH})"
                                     f"\n  expected layout: {LAYOUT}")
    return names


def benchmark_sequences(root: Path, sequences: Iterable[str] | None = None) -> list[SequenceRecord]:
    """The custom sequences under ``root`` (all, or the named ones), as GOT-10k validation sequences.

    Raises ``DatasetLayoutError`` for a missing folder, frame or file, ``AnnotationError`` (file and line)
    for a malformed annotation.
    """
    names = select_names(sequence_names(root), sequences, "custom")
    dirs = {name: root / name for name in names}
    require_sequence_dirs(dirs, "custom", root, LAYOUT)
    return [got10k.benchmark_sequence(name, dirs[name], LAYOUT) for name in names]


def training_annotations(source: FileSource, dataset: str = "CUSTOM") -> TrainingAnnotations:
    """Boxes and presence flags of every sequence of the custom root ``source`` (its ``list.txt``, else every
    sub-folder holding a ``groundtruth.txt``); sequences with a single (first-frame) box cannot be trained on.

    Raises ``IncompleteDatasetError`` for a missing sequence or a tracking-only sequence, ``AnnotationError``
    (file and line) for a malformed file or a label count that differs from the box count.
    """
    if source.exists(LIST_FILE):
        names = [line.strip() for line in source.read_text(LIST_FILE).splitlines() if line.strip()]
        files = [LIST_FILE]
    else:
        names = [name for name in source.list_dir("") if source.exists(f"{name}/{GROUND_TRUTH}")]
        files = []
    annotations = got10k.sequence_annotations(source, names, names, files, dataset, labels_optional=True)
    for name, boxes in zip(annotations.names, annotations.boxes):
        if len(boxes) < 2:
            raise IncompleteDatasetError(f"{dataset}: {source.location(f'{name}/{GROUND_TRUTH}')} holds only the "
                                         "first frame's box: a tracking-only sequence cannot be trained on")
    return annotations
