"""AiATrack training: the data pipeline (frame sampling, cropping, augmentation), the actor and its losses.

Typical use::

    sampler = build_train_sampler(cfg, build_training_datasets(cfg.DATA.TRAIN.DATASETS_NAME, settings))
    loader = DataLoader(sampler, batch_size=cfg.TRAIN.BATCH_SIZE, num_workers=cfg.TRAIN.NUM_WORKER,
                        worker_init_fn=worker_init_fn, drop_last=True)
    for epoch in ...:
        sampler.set_epoch(epoch)
        for batch in loader: ...
"""
from __future__ import annotations

from typing import Sequence

from lib.config import ConfigNode
from lib.train.aiatrack.actor import AiATrackActor, LossWeights
from lib.train.aiatrack.processing import AiATrackProcessing
from lib.train.aiatrack.sampler import TrackingSampler
from lib.train.aiatrack.transforms import Augmentation
from lib.train.dataset.base import TrackingDataset

__all__ = ["AiATrackActor", "AiATrackProcessing", "Augmentation", "LossWeights", "TrackingSampler",
           "build_train_sampler"]


def build_train_sampler(cfg: ConfigNode, datasets: Sequence[TrackingDataset], rank: int = 0) -> TrackingSampler:
    """The sampler of ``cfg`` (ratios, samples per epoch, max interval, seed) with the official processing."""
    return TrackingSampler(datasets, cfg.DATA.TRAIN.DATASETS_RATIO, cfg.DATA.TRAIN.SAMPLE_PER_EPOCH,
                           cfg.DATA.MAX_SAMPLE_INTERVAL, AiATrackProcessing.from_config(cfg),
                           seed=cfg.TRAIN.SEED, rank=rank)
