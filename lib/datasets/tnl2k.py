"""TNL2K test set (700 sequences, tracking by natural language and box). Format: docs/benchmarks.md#tnl2k.

Layout (relative to the TNL2K test root): ``<seq>/imgs/<frame>.{png,jpg}`` (zero-padded numbers whose
width and extension vary between sequences), ``<seq>/groundtruth.txt`` (``x,y,w,h`` per frame, comma)
and ``<seq>/language.txt`` (one sentence naming the target, kept on the sequence as
``extra["language"]``; our trackers do not use it). A frame is absent where its box is ``0,0,0,0``,
the rule of the owners' ``absent/<seq>.txt`` files. Sequences are the sub-folders holding a
``groundtruth.txt``, sorted by name.
"""
from __future__ import annotations

import os
from pathlib import Path
from typing import Iterable

import numpy as np

from lib.datasets.annotations import AnnotationError, read_rows
from lib.datasets.layout import DatasetLayoutError, require_dir, require_file, require_sequence_dirs, select_names
from lib.datasets.records import SequenceRecord

LAYOUT = ("<root>/<seq>/imgs/<frame number>.png or .jpg (one per ground-truth line, in number order), "
          "<root>/<seq>/groundtruth.txt (x,y,w,h per line, comma; 0,0,0,0 where the target is absent), "
          "<root>/<seq>/language.txt (one sentence)")
FRAME_EXTENSIONS = (".png", ".jpg")


def sequence_names(root: Path) -> list[str]:
    """Names of the sub-folders of ``root`` holding a ``groundtruth.txt``, sorted.

    Raises ``DatasetLayoutError`` when ``root`` is not a folder or holds no such sub-folder.
    """
    require_dir(root, "TNL2K root", LAYOUT)
    names = sorted(entry.name for entry in os.scandir(root)
                   if entry.is_dir() and (Path(entry.path) / "groundtruth.txt").is_file())
    if not names:
        raise DatasetLayoutError(f"TNL2K: no sequence folder with a groundtruth.txt under {root}\n"
                                 f"  expected layout: {LAYOUT}")
    return names


def frame_files(folder: Path) -> list[str]:
    """The ``.png``/``.jpg`` files of ``folder`` (absolute paths) in frame-number order.

    Raises ``DatasetLayoutError`` for a missing folder or a file whose name is not a frame number.
    """
    require_dir(folder, "frame folder", LAYOUT)
    numbered = []
    for name in os.listdir(folder):
        stem, ext = os.path.splitext(name)
        if ext.lower() not in FRAME_EXTENSIONS:
            continue
        if not stem.isdigit():
            raise DatasetLayoutError(f"unexpected frame name {folder / name}: expected a frame number\n"
                                     f"  expected layout: {LAYOUT}")
        numbered.append((int(stem), name))
    return [str(folder / name) for _, name in sorted(numbered)]


def benchmark_sequences(root: Path, sequences: Iterable[str] | None = None) -> list[SequenceRecord]:
    """TNL2K sequences under ``root`` sorted by name (or in ``sequences`` order).

    Raises ``DatasetLayoutError`` for a missing folder or file, ``AnnotationError`` (file and line) for a
    malformed ground truth or a frame count that differs from its line count.
    """
    names = select_names(sequence_names(root), sequences, "TNL2K")
    dirs = {name: root / name for name in names}
    require_sequence_dirs(dirs, "TNL2K", root, LAYOUT)
    return [_benchmark_sequence(name, dirs[name]) for name in names]


def _benchmark_sequence(name: str, seq_dir: Path) -> SequenceRecord:
    gt_file = seq_dir / "groundtruth.txt"
    boxes = read_rows(gt_file, layout=LAYOUT)
    frames = frame_files(seq_dir / "imgs")
    if len(frames) != len(boxes):
        raise AnnotationError(f"{gt_file}: {len(boxes)} lines but {len(frames)} frames in {seq_dir / 'imgs'} "
                              "(one line per frame expected)")
    # Only kept for reference: undecodable bytes become U+FFFD rather than making the sequence unloadable.
    language_file = require_file(seq_dir / "language.txt", "language file", LAYOUT)
    language = " ".join(language_file.read_text(encoding="utf-8-sig", errors="replace").split())
    return SequenceRecord(name=name, frames=frames, ground_truth_xywh=boxes, target_visible=~(boxes == 0).all(axis=1),
                          init_box_source=f"{gt_file}, line 1", extra={"language": language})
