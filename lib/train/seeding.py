"""Seeding of a training run: the process generators, and the per-epoch, per-worker random streams shared by
the training samplers of every tracker."""
from __future__ import annotations

import random

import numpy as np
import torch
import torch.utils.data


class EpochSeededDataset(torch.utils.data.Dataset):
    """A map-style dataset of ``samples_per_epoch`` random samples, one numpy generator per worker.

    The stream of worker ``w`` in epoch ``e`` on rank ``r`` is ``default_rng([seed, r, e, w])``: runs are
    reproducible for a seed, workers and ranks never share a stream, and a resumed run sees the same
    samples as an uninterrupted one.
    """

    def __init__(self, samples_per_epoch: int, seed: int, rank: int) -> None:
        self.samples_per_epoch = samples_per_epoch
        self.seed, self.rank, self.epoch = seed, rank, 0
        self._rng: np.random.Generator | None = None
        self._rng_key: tuple[int, int] | None = None

    def __len__(self) -> int:
        return self.samples_per_epoch

    def set_epoch(self, epoch: int) -> None:
        """Select the random streams of ``epoch`` (takes effect in workers started afterwards)."""
        self.epoch = epoch

    def seed_worker(self, worker_id: int) -> None:
        """(Re)create the generator of this worker from (seed, rank, epoch, worker_id)."""
        self._rng = np.random.default_rng([self.seed, self.rank, self.epoch, worker_id])
        self._rng_key = (self.epoch, worker_id)

    def _generator(self) -> np.random.Generator:
        info = torch.utils.data.get_worker_info()
        key = (self.epoch, info.id if info is not None else 0)
        if self._rng is None or self._rng_key != key:
            self.seed_worker(key[1])
        return self._rng


def worker_init_fn(worker_id: int) -> None:
    """``DataLoader(worker_init_fn=...)``: seed the worker's generator of an :class:`EpochSeededDataset` when the
    worker starts (it would otherwise be seeded on its first sample, to the same stream).

    (Changing OpenCV's thread count here can deadlock a forked worker whose parent already used
    OpenCV's thread pool, so it is left alone.)"""
    info = torch.utils.data.get_worker_info()
    if info is not None and isinstance(info.dataset, EpochSeededDataset):
        info.dataset.seed_worker(worker_id)


def seed_everything(seed: int) -> None:
    """Seed Python's, NumPy's and torch's global generators (the initial weights of a training run)."""
    random.seed(seed)
    np.random.seed(seed % 2**32)
    torch.manual_seed(seed)
