"""Training loop, checkpoints, distributed setup and logging."""
from lib.train.trainer.checkpointing import CheckpointManager, capture_rng_state, restore_rng_state
from lib.train.trainer.distributed import DistributedContext, init_distributed, shutdown_distributed
from lib.train.trainer.trainer import Trainer, TrainingParts

__all__ = ["CheckpointManager", "DistributedContext", "Trainer", "TrainingParts", "capture_rng_state",
           "init_distributed", "restore_rng_state", "shutdown_distributed"]
