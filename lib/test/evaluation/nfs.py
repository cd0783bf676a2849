"""NfS 30 fps (100 sequences) in pytracking's re-packed layout, which AiATrack expects (docs/benchmarks.md#nfs30).

Not the official download (``<name>/30/<name>/00001.jpg`` with VATIC rows): that layout is reported
as such instead of being misread.
"""
from __future__ import annotations

from pathlib import Path
from typing import Iterable

from lib.test.evaluation.info_table import load_from_info_table
from lib.datasets.layout import DatasetLayoutError
from lib.test.evaluation.sequence import Sequence

LAYOUT = ("<root>/sequences/<name>/00001.jpg ... (5 digits, 1-based), <root>/anno/nfs_<name>.txt "
          "(x<TAB>y<TAB>w<TAB>h per line): pytracking's re-packed NfS, not the official download")


def load_nfs(root: Path, sequences: Iterable[str] | None = None) -> list[Sequence]:
    """NfS30 sequences (names ``nfs_<name>``, dataset tag ``nfs``)."""
    if not (root / "sequences").is_dir() and any(root.glob("*/30")):
        raise DatasetLayoutError(f"{root} looks like the official NfS download (<name>/30/...), which AiATrack "
                                 f"does not read\n  expected layout: {LAYOUT}")
    return load_from_info_table(root, "nfs_sequence_info.tsv", benchmark="NfS30", dataset="nfs",
                                delimiter="\t", layout=LAYOUT, sequences=sequences)
