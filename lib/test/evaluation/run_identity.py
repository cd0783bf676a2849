"""Keeping one run's results apart from another's: the identity a results folder records in ``run.json``.

A benchmark run skips the sequences whose results exist, so re-running a command resumes it. That is only
right when the results came from the same run: the same tracker, the same weights (by content), the same
``MODEL`` and ``TEST`` config (precision and hyper-parameters included) and the same options that change
boxes (VOT initialisation, repetitions). The first run writes that identity to ``<folder>/run.json``; a later
run into the same folder must match it, else it is refused before any tracking, naming what differs. Folders
written before this file existed (results, no ``run.json``) are adopted by the next run.
"""
from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any, Mapping

from lib.utils.io import atomic_write_text

__all__ = ["MANIFEST", "RunMismatchError", "checkpoint_digest", "claim_run_dir", "release_run_dir", "run_identity"]

MANIFEST = "run.json"
_LISTED = 5


class RunMismatchError(ValueError):
    """A results folder holds another run's results (the message names the folder and what differs)."""


def checkpoint_digest(path: str | Path) -> str:
    """SHA-256 of a weights file's bytes (hex): the same weights under another name or copy match."""
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def run_identity(tracker: str, config: Mapping[str, Any], checkpoint: str | Path | None,
                 options: Mapping[str, Any]) -> dict[str, Any]:
    """The identity of a run: tracker, weights digest (None: random weights), the config's MODEL and TEST
    sections, and ``options`` (plain values)."""
    return {"tracker": tracker,
            "weights_sha256": None if checkpoint is None else checkpoint_digest(checkpoint),
            "config": {section: config[section] for section in ("MODEL", "TEST") if section in config},
            "options": dict(options)}


def _flatten(value: Any, prefix: str = "") -> dict[str, Any]:
    if isinstance(value, Mapping):
        flat: dict[str, Any] = {}
        for key, item in value.items():
            flat.update(_flatten(item, f"{prefix}{key}."))
        return flat
    return {prefix[:-1]: value}


def _differences(stored: Mapping[str, Any], current: Mapping[str, Any]) -> list[str]:
    old, new = _flatten(stored), _flatten(current)
    keys = sorted(set(old) | set(new))
    return [f"{key.removeprefix('config.').removeprefix('options.')} ({_shown(old.get(key, '-'))} there, "
            f"{_shown(new.get(key, '-'))} now)" for key in keys if old.get(key) != new.get(key)]


def _shown(value: Any) -> str:
    """A value for the message; digests shortened to 12 hex digits."""
    return repr(value[:12] + "...") if isinstance(value, str) and len(value) == 64 else repr(value)


def claim_run_dir(folder: str | Path, identity: Mapping[str, Any]) -> bool:
    """Record ``identity`` in ``folder/run.json``, or check it against the one recorded there; True when this
    call created the folder (see :func:`release_run_dir`).

    Raises :class:`RunMismatchError` when the folder holds another run's results, and ValueError naming the
    file when ``run.json`` is unreadable; OSError when the folder cannot be written.
    """
    path = Path(folder) / MANIFEST
    if path.is_file():
        try:
            stored = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise ValueError(f"{path}: not a readable run record ({exc}); delete it to adopt the folder") from None
        differences = _differences(stored, identity)
        if differences:
            listed = "; ".join(differences[:_LISTED])
            more = f"; and {len(differences) - _LISTED} more" if len(differences) > _LISTED else ""
            raise RunMismatchError(
                f"{Path(folder)} holds the results of another run ({listed}{more}); resuming would mix them: "
                "pick another --run-id or --results-dir, or delete that folder")
        return False
    created = not Path(folder).exists()
    try:
        Path(folder).mkdir(parents=True, exist_ok=True)
        atomic_write_text(path, json.dumps(identity, indent=1, sort_keys=True) + "\n")
    except OSError as exc:
        raise OSError(f"results folder {Path(folder)} is not usable ({exc.strerror or exc})") from None
    return created


def release_run_dir(folder: str | Path) -> None:
    """Undo a :func:`claim_run_dir` that created ``folder`` when the run wrote nothing there (it could not start)."""
    path = Path(folder) / MANIFEST
    if path.is_file() and [p.name for p in Path(folder).iterdir()] == [MANIFEST]:
        path.unlink()
        Path(folder).rmdir()
