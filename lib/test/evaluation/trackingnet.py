"""TrackingNet test set (511 sequences) and, for evaluation on training data, the TRAIN_k chunks.
Format: docs/benchmarks.md#trackingnet.

Sequences are the ``anno/*.txt`` files of the split (sorted by name, so runs are reproducible; the
official loader used ``os.listdir`` order). Frames are ``0.jpg, 1.jpg, ...`` (0-based, unpadded) and
are ordered numerically. The TEST annotation holds the first frame's box only.
"""
from __future__ import annotations

from pathlib import Path
from typing import Iterable

from lib.test.evaluation.annotations import AnnotationError, read_rows
from lib.test.evaluation.layout import (list_numbered_frames, missing_path_error, require_dir, require_sequence_dirs,
                                        select_names)
from lib.test.evaluation.sequence import Sequence

LAYOUT = ("<root>/{TEST,TRAIN_0..TRAIN_11}/anno/<seq>.txt (x,y,w,h per line, comma; one line in TEST), "
          "<root>/<split>/frames/<seq>/0.jpg 1.jpg ... (0-based, not zero padded; extracted from zips/<seq>.zip)")

SPLITS = ("TEST",) + tuple(f"TRAIN_{k}" for k in range(12))


def load_trackingnet(root: Path, split: str, sequences: Iterable[str] | None = None) -> list[Sequence]:
    """TrackingNet sequences of ``split`` (``TEST`` or ``TRAIN_k``), sorted by name."""
    anno_dir = require_dir(root / split / "anno", "annotation folder", LAYOUT)
    available = sorted(path.stem for path in anno_dir.glob("*.txt"))
    if not available:
        raise missing_path_error(anno_dir / "*.txt", "sequence annotation files", LAYOUT)
    names = select_names(available, sequences, f"TrackingNet {split}")
    dirs = {name: root / split / "frames" / name for name in names}
    require_sequence_dirs(dirs, f"TrackingNet {split}", root / split / "frames", LAYOUT)
    return [_load_sequence(name, anno_dir / f"{name}.txt", dirs[name]) for name in names]


def _load_sequence(name: str, anno_file: Path, frame_dir: Path) -> Sequence:
    boxes = read_rows(anno_file, layout=LAYOUT)
    frames = list_numbered_frames(frame_dir, first=0, digits=0, layout=LAYOUT)
    if len(boxes) not in (1, len(frames)):
        raise AnnotationError(f"{anno_file}: {len(boxes)} lines for {len(frames)} frames in {frame_dir} "
                              f"(expected one line per frame, or only the first frame's box)")
    return Sequence(name=name, frames=frames, ground_truth_xywh=boxes, dataset="trackingnet",
                    init_box_source=f"{anno_file}, line 1")
