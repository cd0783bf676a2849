"""Where a training dataset's bytes come from: a raw dataset folder or an lmdb database.

Both sources address files by their POSIX path relative to the raw dataset root (e.g.
``airplane/airplane-1/img/00000001.jpg``), so a dataset's parsing code is the same for both; only
``read_bytes``/``exists``/``list_dir`` differ (see ``lmdb_store.LmdbSource`` for the database side).
"""
from __future__ import annotations

import os
from abc import ABC, abstractmethod
from pathlib import Path
from typing import Sequence

import numpy as np

from lib.utils.image import decode_image, read_image


_MAX_LISTED = 5


class IncompleteDatasetError(FileNotFoundError):
    """A dataset root exists but files the loader needs are missing (partial download or conversion)."""


class FileSource(ABC):
    """Read-only access to the files of one dataset root, addressed by relative POSIX paths."""

    #: human-readable description of the root, used in error messages
    root: str

    @abstractmethod
    def location(self, rel: str) -> str:
        """How ``rel`` is named in messages (a full path, or ``lmdb-path[key]``)."""

    @abstractmethod
    def read_bytes(self, rel: str) -> bytes:
        """The content of ``rel``; ``FileNotFoundError`` naming it when absent."""

    @abstractmethod
    def exists(self, rel: str) -> bool:
        """True when the file ``rel`` exists."""

    @abstractmethod
    def list_dir(self, rel: str) -> list[str]:
        """Sorted names of the entries directly inside folder ``rel``; ``FileNotFoundError`` when absent."""

    def missing(self, rels: Sequence[str]) -> list[str]:
        """The files of ``rels`` that do not exist, in the given order."""
        return [rel for rel in rels if not self.exists(rel)]

    def read_text(self, rel: str) -> str:
        """The content of ``rel`` decoded as UTF-8."""
        data = self.read_bytes(rel)
        try:
            return data.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise ValueError(f"{self.location(rel)}: not UTF-8 text ({exc.reason} at byte {exc.start})") from None

    def read_image(self, rel: str) -> np.ndarray:
        """The image ``rel`` as RGB uint8 (H, W, 3); errors name the file."""
        return decode_image(self.read_bytes(rel), self.location(rel))


class DirectorySource(FileSource):
    """Files of a raw dataset folder on disk."""

    def __init__(self, root: str | os.PathLike, what: str = "dataset root") -> None:
        path = Path(root).expanduser()
        if not path.is_dir():
            raise FileNotFoundError(f"{what} {path} does not exist or is not a folder")
        self.path = path
        self.root = str(path)

    def location(self, rel: str) -> str:
        return os.path.join(self.root, rel)

    def read_bytes(self, rel: str) -> bytes:
        try:
            with open(self.location(rel), "rb") as handle:
                return handle.read()
        except (FileNotFoundError, IsADirectoryError, NotADirectoryError):
            raise FileNotFoundError(f"file not found: {self.location(rel)}") from None

    def exists(self, rel: str) -> bool:
        return os.path.isfile(self.location(rel))

    def list_dir(self, rel: str) -> list[str]:
        try:
            return sorted(os.listdir(self.location(rel)))
        except (FileNotFoundError, NotADirectoryError):
            raise FileNotFoundError(f"folder not found: {self.location(rel)}") from None

    def missing(self, rels: Sequence[str]) -> list[str]:
        """One directory listing per folder instead of one ``stat`` per file (millions of frames)."""
        listed: dict[str, set[str]] = {}
        absent = []
        for rel in rels:
            folder, _, name = rel.rpartition("/")
            if folder not in listed:
                try:
                    listed[folder] = set(os.listdir(self.location(folder) if folder else self.root))
                except (FileNotFoundError, NotADirectoryError):
                    listed[folder] = set()
            if name not in listed[folder]:
                absent.append(rel)
        return absent

    def read_image(self, rel: str) -> np.ndarray:
        return read_image(self.location(rel))


def check_present(name: str, source: FileSource, rels: Sequence[str], what: str = "frame file(s)",
                  hint: str = "") -> None:
    """Raise ``IncompleteDatasetError`` when files of ``rels`` are missing from ``source``.

    The message starts with ``name`` and the number of missing ``what``, lists the first five missing
    files (full locations) and ends with ``hint`` if given. On a raw folder this costs one folder listing
    per folder of ``rels`` (``FileSource.missing``).
    """
    missing = [source.location(rel) for rel in source.missing(list(dict.fromkeys(rels)))]
    if not missing:
        return
    listed = "\n  ".join(missing[:_MAX_LISTED])
    more = f"\n  ... and {len(missing) - _MAX_LISTED} more" if len(missing) > _MAX_LISTED else ""
    hint = f"\n{hint}" if hint else ""
    raise IncompleteDatasetError(f"{name}: {len(missing)} {what} missing under {source.root}:\n  {listed}{more}{hint}")
