"""Training checkpoints: atomic writes, a keep policy, resume from the newest readable file, RNG state."""
from __future__ import annotations

import logging
import random
import re
from pathlib import Path
from typing import Any

import numpy as np
import torch

from lib.config import config_differences, list_differences
from lib.utils.safe_pickle import CheckpointError
from lib.utils.io import atomic_torch_save
from lib.utils.paths import checkpoint_file

log = logging.getLogger(__name__)


def capture_rng_state() -> dict[str, Any]:
    """Python, NumPy, torch CPU and CUDA generator states in a ``weights_only``-loadable form."""
    kind, keys, pos, has_gauss, cached = np.random.get_state()
    state: dict[str, Any] = {
        "python": random.getstate(),
        "numpy": {"kind": kind, "keys": torch.from_numpy(keys.astype(np.int64)), "pos": int(pos),
                  "has_gauss": int(has_gauss), "cached_gaussian": float(cached)},
        "torch": torch.get_rng_state(),
    }
    if torch.cuda.is_available():
        state["cuda"] = torch.cuda.get_rng_state_all()
    return state


def restore_rng_state(state: dict[str, Any]) -> None:
    """Inverse of :func:`capture_rng_state` (CUDA states only when CUDA is available)."""
    version, internal, gauss = state["python"]
    random.setstate((version, tuple(internal), gauss))
    np_state = state["numpy"]
    np.random.set_state((np_state["kind"], np_state["keys"].numpy().astype(np.uint32), np_state["pos"],
                         np_state["has_gauss"], np_state["cached_gaussian"]))
    torch.set_rng_state(state["torch"])
    if "cuda" in state and torch.cuda.is_available():
        torch.cuda.set_rng_state_all(state["cuda"])


def check_resumable(path: Path, state: dict[str, Any], current_config: dict, model_state: dict[str, Any]) -> None:
    """Raise :class:`CheckpointError` (one line) when the weights in ``state`` do not fit the model.

    The message names the checkpoint, how many keys are missing, unexpected or of another shape, and
    the configuration keys in which the checkpoint's training differs from this run.
    """
    saved = state.get("net", {})
    missing = [k for k in model_state if k not in saved]
    unexpected = [k for k in saved if k not in model_state]
    shapes = [k for k in model_state if k in saved and tuple(saved[k].shape) != tuple(model_state[k].shape)]
    if not (missing or unexpected or shapes):
        return
    differences = config_differences(state.get("config"), current_config)
    listed = list_differences(differences)
    raise CheckpointError(path, f"cannot resume: written for another model ({len(missing)} missing, "
                                f"{len(unexpected)} unexpected, {len(shapes)} wrongly shaped weights); config keys "
                                f"that differ: {listed or 'none recorded'}. Train with the config it was written "
                                "with, or use another --workspace")


class CheckpointManager:
    """Per-epoch checkpoints ``<prefix>_ep<epoch:04d>.pth.tar`` in one directory.

    Keeps the newest ``keep_last`` files and every epoch divisible by ``keep_every`` (0 = none).
    Files are written to a temporary name and renamed, so a killed run never leaves a partial file
    under a checkpoint name.
    """

    def __init__(self, directory: str | Path, prefix: str, keep_last: int = 3, keep_every: int = 0) -> None:
        if keep_last < 1:
            raise ValueError(f"keep_last must be at least 1, got {keep_last}")
        self.directory = Path(directory)
        self.prefix = prefix
        self.keep_last = keep_last
        self.keep_every = keep_every
        self._pattern = re.compile(rf"^{re.escape(prefix)}_ep(\d+)\.pth\.tar$")

    def path(self, epoch: int) -> Path:
        """File name of the checkpoint of ``epoch``."""
        return checkpoint_file(self.directory, self.prefix, epoch)

    def epochs(self) -> list[int]:
        """Epochs with a checkpoint on disk, ascending."""
        if not self.directory.is_dir():
            return []
        found = (self._pattern.match(p.name) for p in self.directory.iterdir())
        return sorted(int(m.group(1)) for m in found if m)

    def save(self, epoch: int, state: dict[str, Any]) -> Path:
        """Write ``state`` for ``epoch`` atomically, then delete checkpoints outside the keep policy."""
        path = self.path(epoch)
        atomic_torch_save(state, path)
        epochs = self.epochs()
        recent = set(epochs[-self.keep_last:])
        for old in epochs:
            if old not in recent and not (self.keep_every and old % self.keep_every == 0):
                self.path(old).unlink(missing_ok=True)
        return path

    def load_latest(self, map_location: str | torch.device = "cpu") -> tuple[Path, dict[str, Any]] | None:
        """The newest checkpoint that loads (with ``weights_only=True``), or None if there is none.

        An unreadable file (e.g. damaged by a full disk) is reported and skipped.
        """
        for epoch in reversed(self.epochs()):
            path = self.path(epoch)
            try:
                return path, torch.load(path, map_location=map_location, weights_only=True)
            except Exception as error:  # a damaged file must not block resuming from an older one
                log.warning("skipping unreadable checkpoint %s: %s", path, error)
        return None
