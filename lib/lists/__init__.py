"""Sequence and split lists shipped with the package (data files beside this module)."""
from __future__ import annotations

from pathlib import Path

LISTS_DIR = Path(__file__).resolve().parent


def list_path(name: str) -> Path:
    """Path of the data file ``lib/lists/<name>``."""
    return LISTS_DIR / name


def read_name_list(path: Path) -> list[str]:
    """Non-empty, stripped lines of a one-name-per-line text file."""
    with open(path, encoding="utf-8") as handle:
        return [line.strip() for line in handle if line.strip()]


def read_packaged_list(name: str) -> list[str]:
    """The non-empty lines of ``lib/lists/<name>`` (sequence names or split indices)."""
    return read_name_list(list_path(name))
