"""GOT-10k test and validation sets (180 sequences each). Format: docs/benchmarks.md#got-10k.

The test split's ``groundtruth.txt`` holds only the first frame's box, so its sequences carry a
(1, 4) ground truth and no visibility. Validation sequences additionally expose the per-frame
labels when present: ``target_visible = (absence == 0) & (cover > 0)`` and ``extra["cover"]``
(0..8), plus ``extra["resolution"] = (W, H)`` from ``meta_info.ini`` (used by the GOT-10k toolkit
to bound boxes to the image).
"""
from __future__ import annotations

import re
from pathlib import Path
from typing import Iterable

from lib.lists import read_name_list
from lib.test.evaluation.annotations import AnnotationError, read_label_column, read_rows
from lib.test.evaluation.layout import list_numbered_frames, require_file, require_sequence_dirs, select_names
from lib.test.evaluation.sequence import Sequence

LAYOUT = ("<root>/{test,val}/list.txt (one sequence name per line), <root>/<split>/<seq>/00000001.jpg ... "
          "(8 digits, 1-based), <root>/<split>/<seq>/groundtruth.txt (x,y,w,h, comma; one line in test), "
          "optional absence.label, cover.label (one integer per line) and meta_info.ini")

_RESOLUTION = re.compile(r"^\(\s*(\d+)\s*,\s*(\d+)\s*\)$")


def load_got10k(root: Path, split: str, sequences: Iterable[str] | None = None) -> list[Sequence]:
    """GOT-10k sequences of ``split`` (``test`` or ``val``) in the order of ``<root>/<split>/list.txt``."""
    split_dir = root / split
    names = select_names(read_name_list(require_file(split_dir / "list.txt", "sequence list", LAYOUT)),
                         sequences, f"GOT-10k {split}")
    dirs = {name: split_dir / name for name in names}
    require_sequence_dirs(dirs, f"GOT-10k {split}", split_dir, LAYOUT)
    return [_load_sequence(name, dirs[name]) for name in names]


def _load_sequence(name: str, seq_dir: Path) -> Sequence:
    boxes = read_rows(seq_dir / "groundtruth.txt", layout=LAYOUT)
    frames = list_numbered_frames(seq_dir, first=1, digits=8, layout=LAYOUT)
    if len(boxes) not in (1, len(frames)):
        raise AnnotationError(f"{seq_dir / 'groundtruth.txt'}: {len(boxes)} lines for {len(frames)} frames "
                              f"(expected one line per frame, or only the first frame's box)")
    sequence = Sequence(name=name, frames=frames, ground_truth_xywh=boxes, dataset="got10k",
                        init_box_source=f"{seq_dir / 'groundtruth.txt'}, line 1")
    if (seq_dir / "absence.label").exists() or (seq_dir / "cover.label").exists():
        absent = read_label_column(seq_dir / "absence.label", low=0, high=1, layout=LAYOUT)
        cover = read_label_column(seq_dir / "cover.label", low=0, high=8, layout=LAYOUT)
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

