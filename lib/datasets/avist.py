"""AVisT (120 sequences in adverse visibility), a test-only benchmark. Format: docs/benchmarks.md#avist.

Layout (relative to the AVisT root): ``sequences/<seq>/img_%05d.jpg`` (1-based, one per ground-truth line),
``anno/<seq>.txt`` (``x,y,w,h`` per frame, commas or spaces), ``full_occlusion/<seq>_full_occlusion.txt`` and
``out_of_view/<seq>_out_of_view.txt`` (0/1 flags, one per frame: one comma-separated line, or one per line).
The target is visible where neither flag is set. Sequences are the ``anno/<seq>.txt`` files, sorted by name.
"""
from __future__ import annotations

from pathlib import Path
from typing import Iterable

import numpy as np

from lib.datasets.annotations import AnnotationError, read_flag_line, read_label_column, read_lines, read_rows
from lib.datasets.layout import DatasetLayoutError, check_frame_ends, require_dir, select_names
from lib.datasets.records import SequenceRecord

LAYOUT = ("<root>/sequences/<seq>/img_00001.jpg ... (5 digits, one per ground-truth line), "
          "<root>/anno/<seq>.txt (x,y,w,h per line), <root>/full_occlusion/<seq>_full_occlusion.txt and "
          "<root>/out_of_view/<seq>_out_of_view.txt (0/1 per frame, comma-separated or one per line)")


def sequence_names(root: Path) -> list[str]:
    """The names of the ``anno/<seq>.txt`` files of ``root``, sorted.

    Raises ``DatasetLayoutError`` when ``root/anno`` is not a folder or holds no ``.txt`` file.
    """
    anno = require_dir(root / "anno", "AVisT annotation folder", LAYOUT)
    names = sorted(path.stem for path in anno.glob("*.txt"))
    if not names:
        raise DatasetLayoutError(f"AVisT: no <seq>.txt file in {anno}\n  expected layout: {LAYOUT}")
    return names


def benchmark_sequences(root: Path, sequences: Iterable[str] | None = None) -> list[SequenceRecord]:
    """AVisT sequences under ``root`` sorted by name (or in ``sequences`` order).

    Raises ``DatasetLayoutError`` for a missing folder, end frame or flag file, ``AnnotationError`` (file
    and line) for a malformed file or a flag count that differs from the box count.
    """
    names = select_names(sequence_names(root), sequences, "AVisT")
    return [_benchmark_sequence(root, name) for name in names]


def _read_flags(path: Path) -> np.ndarray:
    """0/1 flags as bool: one comma-separated line, or one flag per line (pytracking reads either)."""
    if len(read_lines(path, LAYOUT)) > 1:
        return read_label_column(path, low=0, high=1, layout=LAYOUT).astype(bool)
    return read_flag_line(path, layout=LAYOUT)


def _benchmark_sequence(root: Path, name: str) -> SequenceRecord:
    gt_file = root / "anno" / f"{name}.txt"
    boxes = read_rows(gt_file, delimiter="comma_or_space", layout=LAYOUT)
    visible = np.ones(len(boxes), dtype=bool)
    for flag_kind in ("full_occlusion", "out_of_view"):
        flag_file = root / flag_kind / f"{name}_{flag_kind}.txt"
        flags = _read_flags(flag_file)
        if len(flags) != len(boxes):
            raise AnnotationError(f"{flag_file}: line 1 holds {len(flags)} flags but {gt_file} has {len(boxes)} "
                                  "lines (one flag per frame expected)")
        visible &= ~flags
    folder = root / "sequences" / name
    frames = [str(folder / f"img_{number:05d}.jpg") for number in range(1, len(boxes) + 1)]
    check_frame_ends(frames, LAYOUT)
    return SequenceRecord(name=name, frames=frames, ground_truth_xywh=boxes, target_visible=visible,
                          init_box_source=f"{gt_file}, line 1")
