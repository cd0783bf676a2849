"""LaSOT training set (the 1120 sequences outside the protocol-II test split).

Layout (relative to the LaSOT root): ``<class>/<class>-<k>/img/%08d.jpg`` (1-based),
``groundtruth.txt`` (``x,y,w,h`` per frame), ``full_occlusion.txt`` and ``out_of_view.txt`` (one line
of comma-separated 0/1 flags). ``valid = w > 0 & h > 0``; ``visible = valid & not occluded & in view``.
"""
from __future__ import annotations

from typing import Sequence

import numpy as np

from lib.lists import read_packaged_list
from lib.train.dataset.parsing import AnnotationError, parse_boxes, parse_integers
from lib.train.dataset.sequences import AnnotatedSequences
from lib.train.dataset.storage import FileSource, IncompleteDatasetError

TRAIN_LIST = "lasot_train_1120.txt"


def _sequence_folder(name: str) -> str:
    return f"{name.rsplit('-', 1)[0]}/{name}"


class Lasot(AnnotatedSequences):
    """LaSOT sequences read from ``source`` (a raw LaSOT root or its lmdb copy)."""

    def __init__(self, source: FileSource, name: str = "LASOT", sequence_names: Sequence[str] | None = None) -> None:
        names = list(sequence_names) if sequence_names is not None else read_packaged_list(TRAIN_LIST)
        missing = [n for n in names if not source.exists(f"{_sequence_folder(n)}/groundtruth.txt")]
        if missing:
            raise IncompleteDatasetError(
                f"{name}: {len(missing)} of {len(names)} training sequences have no groundtruth.txt under "
                f"{source.root} (first: {source.location(_sequence_folder(missing[0]) + '/groundtruth.txt')}); "
                "lasot_dir must be the LaSOT root holding the <class>/<class>-<k> folders")
        boxes, present, files = [], [], []
        for seq in names:
            folder = _sequence_folder(seq)
            gt_file = f"{folder}/groundtruth.txt"
            gt = parse_boxes(source.read_text(gt_file), source.location(gt_file))
            absent = np.zeros(len(gt), dtype=bool)
            for flag_file in (f"{folder}/full_occlusion.txt", f"{folder}/out_of_view.txt"):
                flags = parse_integers(source.read_text(flag_file), source.location(flag_file))
                if len(flags) != len(gt):
                    raise AnnotationError(f"{source.location(flag_file)}: {len(flags)} flags but "
                                          f"{len(gt)} boxes in {source.location(gt_file)}")
                absent |= flags != 0
                files.append(flag_file)
            files.append(gt_file)
            boxes.append(gt)
            present.append(~absent)
        self._folders = [_sequence_folder(seq) for seq in names]
        super().__init__(name, source, names, boxes, present, files)

    def frame_file(self, seq_id: int, frame_id: int) -> str:
        return f"{self._folders[seq_id]}/img/{frame_id + 1:08d}.jpg"
