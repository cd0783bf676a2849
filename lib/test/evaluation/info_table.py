"""Loader for benchmarks described by a per-sequence info table (OTB100, UAV123, NfS30).

The tables in ``lib/lists/*_sequence_info.tsv`` hold, per sequence: name, image folder, first and
last frame number, ``initOmit`` (leading frames to skip), digits and extension of the frame files,
annotation file and object class. Frames are ``startFrame + initOmit .. endFrame`` (inclusive, file
names are absolute frame numbers) and the annotation must have one row per frame of
``startFrame .. endFrame``; its first ``initOmit`` rows are dropped.
"""
from __future__ import annotations

from pathlib import Path
from typing import Iterable

import numpy as np

from lib.datasets.annotations import AnnotationError, read_rows
from lib.datasets.layout import (check_frame_ends, numbered_frames, read_info_table, require_sequence_dirs,
                                        select_names)
from lib.test.evaluation.sequence import Sequence


def load_from_info_table(root: Path, table: str, *, benchmark: str, dataset: str, delimiter: str,
                         layout: str, allow_nan: bool = False,
                         sequences: Iterable[str] | None = None) -> list[Sequence]:
    """Sequences listed in ``lib/lists/<table>`` under ``root``, in table order (or ``sequences`` order).

    With ``allow_nan`` (UAV123), NaN rows mark frames without target: ``target_visible`` is set from
    them and the first frame must have a box. Otherwise ``target_visible`` is ``None``.
    """
    rows = {row["name"]: row for row in read_info_table(table)}
    names = select_names(list(rows), sequences, benchmark)
    dirs = {name: root / rows[name]["path"] for name in names}
    require_sequence_dirs(dirs, benchmark, root, layout)
    return [_load_sequence(rows[name], root, dirs[name], dataset, delimiter, allow_nan, layout) for name in names]


def _load_sequence(row: dict[str, str], root: Path, frame_dir: Path, dataset: str, delimiter: str,
                   allow_nan: bool, layout: str) -> Sequence:
    start, end, omit, digits = (int(row[key]) for key in ("startFrame", "endFrame", "initOmit", "nz"))
    anno_file = root / row["anno_path"]
    boxes = read_rows(anno_file, delimiter=delimiter, allow_nan=allow_nan, layout=layout)
    if len(boxes) != end - start + 1:
        raise AnnotationError(f"{anno_file}: {len(boxes)} lines, but sequence {row['name']} spans frames "
                              f"{start}..{end} and needs one line per frame ({end - start + 1})")
    boxes = boxes[omit:]
    frames = numbered_frames(frame_dir, range(start + omit, end + 1), digits, ext=f".{row['ext']}")
    check_frame_ends(frames, layout)
    visible = None
    if allow_nan:
        visible = ~np.isnan(boxes).any(axis=1)
        if not visible[0]:
            raise AnnotationError(f"{anno_file}: line {omit + 1}: the first frame must have a box to "
                                  f"initialise the tracker, got NaN")
    return Sequence(name=row["name"], frames=frames, ground_truth_xywh=boxes, dataset=dataset,
                    target_visible=visible, object_class=row["object_class"],
                    init_box_source=f"{anno_file}, line {omit + 1}")
