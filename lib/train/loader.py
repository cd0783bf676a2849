"""The training data loader of an epoch: the tracker's sampler over the config's datasets, one share per process."""
from __future__ import annotations

from collections.abc import Callable

import torch.utils.data
from torch.utils.data import DataLoader

from lib.config import ConfigNode
from lib.train.dataset import build_training_datasets
from lib.train.recipe import TrainingRecipe
from lib.train.seeding import worker_init_fn
from lib.train.trainer.distributed import DistributedContext
from lib.utils.settings import Settings

__all__ = ["build_loader_factory", "build_training_sampler"]


def build_training_sampler(cfg: ConfigNode, settings: Settings, recipe: TrainingRecipe,
                           rank: int = 0) -> torch.utils.data.Dataset:
    """``recipe``'s epoch-seeded sampler over the datasets of ``DATA.TRAIN.DATASETS_NAME`` (roots from
    ``settings``) for process ``rank``; the errors of :func:`build_loader_factory`."""
    datasets = build_training_datasets(cfg.DATA.TRAIN.DATASETS_NAME, settings,
                                       trackingnet_chunks=cfg.DATA.TRAIN.TRACKINGNET_CHUNKS)
    return recipe.build_sampler(cfg, datasets, rank)


def build_loader_factory(cfg: ConfigNode, settings: Settings, ctx: DistributedContext,
                         recipe: TrainingRecipe) -> Callable[[int], DataLoader]:
    """``make_loader(epoch)``: this process's share (``SAMPLE_PER_EPOCH / world size`` samples, batches of
    ``TRAIN.BATCH_SIZE``) of the epoch, drawn by ``recipe``'s sampler from ``DATA.TRAIN.DATASETS_NAME``.

    Raises ``ValueError`` (unknown dataset, unusable sequences, fewer samples per process than a batch) and
    ``FileNotFoundError`` (a dataset root unset, missing or incomplete), naming the dataset or key.
    """
    sampler = build_training_sampler(cfg, settings, recipe, ctx.rank)
    per_rank = cfg.DATA.TRAIN.SAMPLE_PER_EPOCH // ctx.world_size
    if per_rank < cfg.TRAIN.BATCH_SIZE:
        raise ValueError(f"DATA.TRAIN.SAMPLE_PER_EPOCH ({cfg.DATA.TRAIN.SAMPLE_PER_EPOCH}) gives {per_rank} samples "
                         f"per process, fewer than TRAIN.BATCH_SIZE ({cfg.TRAIN.BATCH_SIZE})")

    def make_loader(epoch: int) -> DataLoader:
        sampler.set_epoch(epoch)
        return DataLoader(sampler, batch_size=cfg.TRAIN.BATCH_SIZE, sampler=range(per_rank), drop_last=True,
                          num_workers=cfg.TRAIN.NUM_WORKER, worker_init_fn=worker_init_fn,
                          pin_memory=ctx.device.type == "cuda")
    return make_loader
