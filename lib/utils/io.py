"""Atomic file writing: a result or checkpoint is either complete on disk or absent.

Every failure to write (full disk, no permission, a file where a folder should be) raises
:class:`WriteError`, an ``OSError`` whose message names the file that could not be written.
"""
from __future__ import annotations

import io
import os
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any, Iterator, Mapping

import torch


class WriteError(OSError):
    """A file could not be written (disk full, permissions, ...); the message names the file."""


def _write_error(path: Path, exc: OSError) -> WriteError:
    error = WriteError(f"cannot write {path}: {exc.strerror or exc}")
    error.errno = exc.errno  # kept for callers, left out of the message
    return error


@contextmanager
def atomic_open(path: str | os.PathLike, mode: str = "w", **kwargs: Any) -> Iterator[IO]:
    """Open a temporary file beside ``path`` for writing; rename it over ``path`` on success.

    Raises :class:`WriteError` naming ``path`` when the folder or the file cannot be written.
    """
    path = Path(path)
    with _staged(path, mode, **kwargs) as (handle, tmp_name):
        yield handle
    _replace(tmp_name, path)


@contextmanager
def _staged(path: Path, mode: str, **kwargs: Any) -> Iterator[tuple[IO, str]]:
    """A complete, synced temporary file beside ``path`` (removed again if anything fails)."""
    tmp_name = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
        os.chmod(tmp_name, 0o666 & ~_current_umask())  # mkstemp creates 0600; use normal file permissions
        with os.fdopen(fd, mode, **kwargs) as handle:
            yield handle, tmp_name
            handle.flush()
            os.fsync(handle.fileno())
    except OSError as exc:
        _discard(tmp_name)
        raise _write_error(path, exc) from exc
    except BaseException:
        _discard(tmp_name)
        raise


def _discard(tmp_name: str | None) -> None:
    if tmp_name is not None and os.path.exists(tmp_name):
        os.unlink(tmp_name)


def _replace(tmp_name: str, path: Path) -> None:
    try:
        os.replace(tmp_name, path)
    except OSError as exc:
        _discard(tmp_name)
        raise _write_error(path, exc) from exc


def _current_umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def atomic_write_text(path: str | os.PathLike, text: str) -> None:
    """Write ``text`` to ``path`` atomically (:class:`WriteError` naming the file on failure)."""
    with atomic_open(path, "w", encoding="utf-8") as handle:
        handle.write(text)


def atomic_write_texts(files: Mapping[str | os.PathLike, str]) -> None:
    """Write several text files so that either all of them or none are written.

    Every file is first written completely to a temporary name; only then are they renamed, in the
    given order (put the file whose presence marks completion last). If anything fails, the
    temporary files and the files already renamed are removed. Raises :class:`WriteError`.
    """
    staged: list[tuple[str, Path]] = []
    renamed: list[Path] = []
    try:
        for target, text in files.items():
            path = Path(target)
            with _staged(path, "w", encoding="utf-8") as (handle, tmp_name):
                handle.write(text)
            staged.append((tmp_name, path))
        for tmp_name, path in staged:
            _replace(tmp_name, path)
            renamed.append(path)
    except BaseException:
        for tmp_name, _ in staged:
            _discard(tmp_name)
        for path in renamed:
            path.unlink(missing_ok=True)
        raise


def atomic_torch_save(obj: Any, path: str | os.PathLike) -> None:
    """``torch.save`` to ``path`` atomically (:class:`WriteError` naming the file on failure).

    The object is serialised in memory first, so a full disk shows as an ``OSError`` of the write
    (not as an error of torch's zip writer without a file name).
    """
    buffer = io.BytesIO()
    torch.save(obj, buffer)
    with atomic_open(path, "wb") as handle:
        handle.write(buffer.getbuffer())
