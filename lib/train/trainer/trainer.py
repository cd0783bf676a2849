"""The epoch loop: forward/backward/step, metric logging, per-epoch checkpoints and resuming."""
from __future__ import annotations

import contextlib
import logging
import time
from collections import defaultdict
from dataclasses import dataclass
from typing import Any, Callable, Iterable, Iterator

import torch
import torch.distributed as dist
from torch import nn
from torch.nn.parallel import DistributedDataParallel
from tqdm import tqdm

from lib.config import ConfigNode
from lib.train.trainer.checkpointing import CheckpointManager, capture_rng_state, check_resumable, restore_rng_state
from lib.train.trainer.distributed import DistributedContext, average_across_ranks
from lib.train.trainer.logs import ScalarWriter
from lib.utils.device import set_tf32

_AMP_DTYPES = {"bf16": torch.bfloat16, "fp16": torch.float16}
_TIME_KEYS = ("data_time", "step_time")

# One epoch's batches: a sized iterable of dicts of tensors (a DataLoader, or a list in tests).
LoaderFactory = Callable[[int], Iterable[dict[str, torch.Tensor]]]


OptimizerStage = tuple[torch.optim.Optimizer, torch.optim.lr_scheduler.LRScheduler]


@dataclass(frozen=True)
class TrainingParts:
    """What the trainer drives: the actor (model + losses), its optimizer and LR schedule.

    ``stage(epoch)`` (optional) is called before every epoch (1-based) and, when resuming, with the
    checkpoint's epoch before its optimizer state is loaded; it returns a new optimizer and schedule
    when the training stage changes there (e.g. the backbone starts training), else None.
    The actor's ``metric_names`` (optional) are the statistics logged as metrics instead of losses.
    """

    actor: nn.Module
    optimizer: torch.optim.Optimizer
    scheduler: torch.optim.lr_scheduler.LRScheduler
    stage: Callable[[int], OptimizerStage | None] | None = None


class Trainer:
    """Trains ``parts`` for ``cfg.TRAIN.EPOCH`` epochs, one process of a (possibly) distributed run.

    ``make_loader(epoch)`` returns the batches of this process for that epoch (1-based). The LR
    schedule steps once per epoch; after each epoch the main process writes a checkpoint with the
    model (key ``net``), optimizer, scheduler, epoch, config, the per-epoch loss history and the RNG
    states of every process.
    :meth:`train` first resumes from the newest readable checkpoint, if there is one. ``TRAIN.AMP`` picks the
    autocast dtype and ``TRAIN.TF32`` the process-wide TF32 flags (:func:`lib.utils.device.set_tf32`).
    """

    def __init__(self, parts: TrainingParts, cfg: ConfigNode, ctx: DistributedContext,
                 make_loader: LoaderFactory, checkpoints: CheckpointManager,
                 writer: ScalarWriter | None = None, logger: logging.Logger | None = None,
                 progress: bool = True) -> None:
        self.cfg = cfg
        self.ctx = ctx
        self.model = parts.actor.model
        self.optimizer = parts.optimizer
        self.scheduler = parts.scheduler
        self.make_loader = make_loader
        self.checkpoints = checkpoints
        self.writer = writer or ScalarWriter(None)
        self.log = logger or logging.getLogger(__name__)
        self.progress = progress and ctx.is_main
        self.epoch = 0
        self.history: list[dict[str, float]] = []   # per-epoch means, kept in checkpoints
        self.amp_dtype = self._amp_dtype(cfg.TRAIN.AMP, ctx.device)
        set_tf32(cfg.TRAIN.TF32)  # process-wide; off by default, so float32 training stays IEEE float32
        self.scaler = torch.amp.GradScaler("cuda") if self.amp_dtype == torch.float16 else None
        self.stage = parts.stage
        self.metric_names = tuple(getattr(parts.actor, "metric_names", ()))
        self._plain_actor = parts.actor
        self.actor = self._wrap(parts.actor)

    def _wrap(self, actor: nn.Module) -> nn.Module:
        """The actor inside DistributedDataParallel in a distributed run (it registers the parameters
        that require gradients now, so it is rebuilt when that set changes)."""
        if not self.ctx.distributed:
            return actor
        device_ids = [self.ctx.local_rank] if self.ctx.device.type == "cuda" else None
        return DistributedDataParallel(actor, device_ids=device_ids)

    def enter_stage(self, epoch: int) -> None:
        """Switch to the optimizer and schedule of ``epoch`` when ``parts.stage`` says it changes."""
        if self.stage is None:
            return
        changed = self.stage(epoch)
        if changed is not None:
            self.optimizer, self.scheduler = changed
            self.actor = self._wrap(self._plain_actor)
            self.log.info("epoch %d: new training stage (%d parameter groups)", epoch,
                          len(self.optimizer.param_groups))

    @staticmethod
    def _amp_dtype(amp: str, device: torch.device) -> torch.dtype | None:
        """Autocast dtype for ``TRAIN.AMP`` (none | bf16 | fp16); fp16 needs CUDA."""
        if amp == "none":
            return None
        if amp not in _AMP_DTYPES:
            raise ValueError(f"TRAIN.AMP must be none, bf16 or fp16, got {amp!r}")
        if amp == "fp16" and device.type != "cuda":
            raise ValueError("TRAIN.AMP fp16 needs a CUDA device (use bf16 or none on CPU)")
        return _AMP_DTYPES[amp]

    # ----------------------------------------------------------------------------------- steps
    def _autocast(self) -> contextlib.AbstractContextManager:
        if self.amp_dtype is None:
            return contextlib.nullcontext()
        return torch.autocast(device_type=self.ctx.device.type, dtype=self.amp_dtype)

    def train_step(self, batch: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
        """One optimization step on this process's batch; returns the detached loss statistics."""
        batch = {key: value.to(self.ctx.device, non_blocking=True) for key, value in batch.items()}
        with self._autocast():
            loss, stats = self.actor(batch)
        self.optimizer.zero_grad(set_to_none=True)
        clip = self.cfg.TRAIN.GRAD_CLIP_NORM
        if self.scaler is not None:
            self.scaler.scale(loss).backward()
            self.scaler.unscale_(self.optimizer)
            if clip > 0:
                nn.utils.clip_grad_norm_(self.model.parameters(), clip)
            self.scaler.step(self.optimizer)
            self.scaler.update()
        else:
            loss.backward()
            if clip > 0:
                nn.utils.clip_grad_norm_(self.model.parameters(), clip)
            self.optimizer.step()
        return stats

    def train_epoch(self, epoch: int) -> dict[str, float]:
        """Run one epoch; returns the epoch means of the statistics averaged over processes."""
        self.actor.train()
        loader = self.make_loader(epoch)
        num_batches = len(loader)  # type: ignore[arg-type]
        if num_batches == 0:
            raise ValueError("the training loader yields no batch (samples per epoch < batch size?)")
        interval = max(1, self.cfg.TRAIN.PRINT_INTERVAL)
        totals: dict[str, torch.Tensor] = defaultdict(lambda: torch.zeros((), dtype=torch.float64))
        window: dict[str, torch.Tensor] = defaultdict(lambda: torch.zeros((), dtype=torch.float64))
        window_count = 0
        bar = tqdm(total=num_batches, desc=f"epoch {epoch}", disable=not self.progress, leave=False,
                   dynamic_ncols=True)
        tick = time.perf_counter()
        for index, batch in enumerate(_counted(loader, num_batches)):
            data_time = time.perf_counter() - tick
            stats = {k: v.double().cpu() for k, v in self.train_step(batch).items()}  # waits for the device
            step_time = time.perf_counter() - tick - data_time
            stats["data_time"] = torch.tensor(data_time, dtype=torch.float64)
            stats["step_time"] = torch.tensor(step_time, dtype=torch.float64)
            for name, value in stats.items():
                totals[name] += value
                window[name] += value
            window_count += 1
            if (index + 1) % interval == 0 or index + 1 == num_batches:
                means = average_across_ranks({k: v / window_count for k, v in window.items()})
                step = (epoch - 1) * num_batches + index + 1
                self._write_step_scalars(means, step)
                bar.set_postfix(loss=f"{means['total']:.4f}",
                                **{name: f"{means[name]:.3f}" for name in self.metric_names if name in means})
                window.clear()
                window_count = 0
            bar.update(1)
            tick = time.perf_counter()
        bar.close()
        return average_across_ranks({k: v / num_batches for k, v in totals.items()})

    def _write_step_scalars(self, means: dict[str, float], step: int) -> None:
        self.writer.write("loss", self._losses(means), step)
        self.writer.write("metric", {k: means[k] for k in self.metric_names if k in means}, step)
        self.writer.write("time", {"data": means["data_time"], "step": means["step_time"]}, step)
        self.writer.write("lr", {f"group{i}": g["lr"] for i, g in enumerate(self.optimizer.param_groups)}, step)

    def _losses(self, means: dict[str, float]) -> dict[str, float]:
        """The loss terms among the statistics (neither metrics nor timings)."""
        return {k: v for k, v in means.items() if k not in self.metric_names and k not in _TIME_KEYS}

    # ------------------------------------------------------------------------------ epochs
    def train(self) -> dict[str, float]:
        """Resume if possible, then train the remaining epochs; returns the last epoch's means."""
        self.resume()
        last: dict[str, float] = {}
        for epoch in range(self.epoch + 1, self.cfg.TRAIN.EPOCH + 1):
            self.enter_stage(epoch)
            lr = self.optimizer.param_groups[0]["lr"]
            last = self.train_epoch(epoch)
            self.scheduler.step()
            self.epoch = epoch
            self.history.append({"epoch": epoch, "lr": lr, **last})
            terms = "  ".join(f"{k} {v:.4f}" for k, v in last.items() if k not in _TIME_KEYS)
            self.log.info("epoch %d/%d  lr %.3g  %s  data %.3fs step %.3fs", epoch, self.cfg.TRAIN.EPOCH, lr, terms,
                          last["data_time"], last["step_time"])
            self.writer.write("epoch", {k: v for k, v in last.items() if k not in _TIME_KEYS}, epoch)
            self.save_checkpoint()
        return last

    def state(self, rng_states: list[dict[str, Any]]) -> dict[str, Any]:
        """Everything a checkpoint holds (``net`` = the model's state dict, as official files)."""
        state = {
            "epoch": self.epoch,
            "net": self.model.state_dict(),
            "optimizer": self.optimizer.state_dict(),
            "scheduler": self.scheduler.state_dict(),
            "rng": rng_states,
            "config": self.cfg.to_dict(),
            "history": self.history,
        }
        if self.scaler is not None:
            state["scaler"] = self.scaler.state_dict()
        return state

    def save_checkpoint(self) -> None:
        """Gather every process's RNG state; the main process writes the checkpoint atomically."""
        rng = capture_rng_state()
        if self.ctx.distributed:
            gathered: list[Any] = [None] * self.ctx.world_size
            dist.all_gather_object(gathered, rng)
        else:
            gathered = [rng]
        if self.ctx.is_main:
            path = self.checkpoints.save(self.epoch, self.state(gathered))
            self.log.info("saved %s", path)
        if self.ctx.distributed:
            dist.barrier()

    def resume(self) -> None:
        """Load the newest readable checkpoint (all processes read the same file) if one exists."""
        found = self.checkpoints.load_latest(map_location=self.ctx.device)
        if found is None:
            return
        path, state = found
        check_resumable(path, state, self.cfg.to_dict(), self.model.state_dict())
        self.enter_stage(int(state["epoch"]))
        self.model.load_state_dict(state["net"])
        self.optimizer.load_state_dict(state["optimizer"])
        self.scheduler.load_state_dict(state["scheduler"])
        if self.scaler is not None and "scaler" in state:
            self.scaler.load_state_dict(state["scaler"])
        self.epoch = int(state["epoch"])
        self.history = list(state.get("history", []))
        rng = state["rng"]
        if len(rng) == self.ctx.world_size:
            restore_rng_state(_to_cpu(rng[self.ctx.rank]))
        else:
            self.log.warning("checkpoint was written by %d processes, this run has %d: RNG states not restored",
                             len(rng), self.ctx.world_size)
        self.log.info("resumed from %s (epoch %d)", path, self.epoch)


def _counted(loader: Iterable[dict[str, torch.Tensor]], expected: int) -> Iterator[dict[str, torch.Tensor]]:
    """Yield from ``loader`` and check it produced the ``expected`` number of batches."""
    count = 0
    for batch in loader:
        count += 1
        yield batch
    if count != expected:
        raise RuntimeError(f"the training loader announced {expected} batches but produced {count}")


def _to_cpu(value: Any) -> Any:
    """RNG states must be CPU tensors (checkpoints may be mapped to a GPU)."""
    if isinstance(value, torch.Tensor):
        return value.cpu()
    if isinstance(value, dict):
        return {k: _to_cpu(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(_to_cpu(v) for v in value)
    return value
