"""UAV123: 123 sequences, several of them frame ranges of one shared video folder (docs/benchmarks.md#uav123).

File names are absolute frame numbers of the full video (``uav_bird1_2`` = ``bird1/000775.jpg`` ..
``001477.jpg``); the annotation has one row per frame of the sub-sequence, ``NaN,NaN,NaN,NaN`` where
the target is absent (the only absence marker, reflected in ``target_visible``).
"""
from __future__ import annotations

from pathlib import Path
from typing import Iterable

from lib.test.evaluation.info_table import load_from_info_table
from lib.test.evaluation.sequence import Sequence

LAYOUT = ("<root>/data_seq/UAV123/<folder>/000001.jpg ... (6 digits, absolute frame numbers), "
          "<root>/anno/UAV123/<name>.txt (x,y,w,h per line, comma; NaN,NaN,NaN,NaN when absent)")


def load_uav(root: Path, sequences: Iterable[str] | None = None) -> list[Sequence]:
    """UAV123 sequences (names ``uav_<name>``, dataset tag ``uav``)."""
    return load_from_info_table(root, "uav_sequence_info.tsv", benchmark="UAV123", dataset="uav",
                                delimiter=",", allow_nan=True, layout=LAYOUT, sequences=sequences)
