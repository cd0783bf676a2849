"""OTB-100 (OTB2015): 100 sequences from 98 folders. Format: docs/benchmarks.md#otb-100.

Frame ranges, digits and annotation files come from ``lib/lists/otb_sequence_info.tsv`` (David starts
at frame 300, Tiger1 skips its first 5 frames, Board uses 5 digits, Jogging/Skating2 have two
targets ``groundtruth_rect.1/.2.txt``). Annotation lines may separate values by commas, tabs or
spaces, mixed within one file.
"""
from __future__ import annotations

from pathlib import Path
from typing import Iterable

from lib.test.evaluation.info_table import load_from_info_table
from lib.test.evaluation.sequence import Sequence

LAYOUT = ("<root>/<Seq>/img/0001.jpg ... (4 digits; Board: 5), <root>/<Seq>/groundtruth_rect.txt "
          "(or groundtruth_rect.1.txt/.2.txt for two targets): x,y,w,h per line separated by commas, tabs or spaces")


def load_otb(root: Path, sequences: Iterable[str] | None = None) -> list[Sequence]:
    """OTB-100 sequences (names ``otb_<Seq>``, dataset tag ``otb``)."""
    return load_from_info_table(root, "otb_sequence_info.tsv", benchmark="OTB100", dataset="otb",
                                delimiter="comma_or_space", layout=LAYOUT, sequences=sequences)
