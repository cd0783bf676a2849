"""LaSOT test set (280 sequences), its extension (150) and, for evaluation on training data, its 1120
training sequences. Format: docs/benchmarks.md#lasot.

Frames are enumerated from the ground-truth length (``img/%08d.jpg``, 1-based), so only the first and
last frame of each sequence are checked on disk. Visibility comes from the two flag files, never
from the boxes (absent frames usually repeat the last visible box).
"""
from __future__ import annotations

from pathlib import Path
from typing import Iterable

from lib.lists import list_path, read_name_list
from lib.test.evaluation.annotations import AnnotationError, read_flag_line, read_rows
from lib.test.evaluation.layout import check_frame_ends, numbered_frames, require_sequence_dirs, select_names
from lib.test.evaluation.sequence import Sequence

LAYOUT = ("<root>/<class>/<class>-<k>/img/00000001.jpg ... (8 digits, 1-based), "
          "<root>/<class>/<class>-<k>/groundtruth.txt (x,y,w,h per line, comma), "
          "full_occlusion.txt and out_of_view.txt (one line of comma-separated 0/1 flags)")

SPLIT_LISTS = {
    "test": "lasot_test_280.txt",
    "train": "lasot_train_1120.txt",
    "extension": "lasot_extension_150.txt",
}


def class_of(name: str) -> str:
    """Object class of a LaSOT sequence name: the text before the ``-`` (``airplane-13`` -> ``airplane``)."""
    return name.rsplit("-", 1)[0]


def load_lasot(root: Path, split: str, sequences: Iterable[str] | None = None) -> list[Sequence]:
    """LaSOT sequences of ``split`` (test, train, extension) found under ``root``, in list order."""
    names = select_names(read_name_list(list_path(SPLIT_LISTS[split])), sequences, f"LaSOT {split}")
    dirs = {name: root / class_of(name) / name for name in names}
    require_sequence_dirs(dirs, f"LaSOT {split}", root, LAYOUT)
    return [_load_sequence(name, dirs[name]) for name in names]


def _load_sequence(name: str, seq_dir: Path) -> Sequence:
    boxes = read_rows(seq_dir / "groundtruth.txt", layout=LAYOUT)
    occluded = read_flag_line(seq_dir / "full_occlusion.txt", layout=LAYOUT)
    out_of_view = read_flag_line(seq_dir / "out_of_view.txt", layout=LAYOUT)
    for flag_file, flags in (("full_occlusion.txt", occluded), ("out_of_view.txt", out_of_view)):
        if len(flags) != len(boxes):
            raise AnnotationError(f"{seq_dir / flag_file}: line 1 holds {len(flags)} flags but "
                                  f"{seq_dir / 'groundtruth.txt'} has {len(boxes)} lines (one flag per frame expected)")
    frames = numbered_frames(seq_dir / "img", range(1, len(boxes) + 1), digits=8)
    check_frame_ends(frames, LAYOUT)
    return Sequence(name=name, frames=frames, ground_truth_xywh=boxes, dataset="lasot",
                    target_visible=~occluded & ~out_of_view, object_class=class_of(name),
                    init_box_source=f"{seq_dir / 'groundtruth.txt'}, line 1")
