"""Process-group setup for torchrun launches, metric averaging and batch-norm synchronization."""
from __future__ import annotations

import os
import socket
from dataclasses import dataclass

import torch
import torch.distributed as dist
import torch.distributed.nn.functional as dist_fn
from torch import nn


@dataclass(frozen=True)
class DistributedContext:
    """Where this process sits: global rank, local rank, world size and its device."""

    rank: int = 0
    local_rank: int = 0
    world_size: int = 1
    device: torch.device = torch.device("cpu")

    @property
    def is_main(self) -> bool:
        """True on the process that writes checkpoints and logs."""
        return self.rank == 0

    @property
    def distributed(self) -> bool:
        """True when more than one process takes part."""
        return self.world_size > 1


def init_distributed(device: str = "auto") -> DistributedContext:
    """Join the process group described by torchrun's environment (``RANK``, ``LOCAL_RANK``, ...).

    ``device``: 'auto' (CUDA if available), 'cpu' or 'cuda'. NCCL is used on GPU, gloo on CPU.
    Without ``WORLD_SIZE`` > 1 in the environment this is a single process and no group is made.
    """
    world_size = int(os.environ.get("WORLD_SIZE", "1"))
    rank = int(os.environ.get("RANK", "0"))
    local_rank = int(os.environ.get("LOCAL_RANK", "0"))
    use_cuda = torch.cuda.is_available() if device == "auto" else device == "cuda"
    if use_cuda and not torch.cuda.is_available():
        raise RuntimeError("--device cuda was requested but CUDA is not available")
    if use_cuda:
        torch.cuda.set_device(local_rank)
        target = torch.device("cuda", local_rank)
    else:
        target = torch.device("cpu")
    if world_size > 1 and not dist.is_initialized():
        dist.init_process_group(backend="nccl" if use_cuda else "gloo")
    return DistributedContext(rank, local_rank, world_size, target)


def shutdown_distributed() -> None:
    """Destroy the process group if one exists."""
    if dist.is_initialized():
        dist.destroy_process_group()


def free_port() -> int:
    """A TCP port that is free on this machine right now (for a single-node rendezvous)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("", 0))
        return int(sock.getsockname()[1])


def average_across_ranks(values: dict[str, torch.Tensor]) -> dict[str, float]:
    """Mean of each scalar over all processes (one collective call), as Python floats."""
    names = sorted(values)
    stacked = torch.stack([values[name].detach().float().reshape(()) for name in names])
    if dist.is_initialized() and dist.get_world_size() > 1:
        dist.all_reduce(stacked)
        stacked /= dist.get_world_size()
    return dict(zip(names, stacked.tolist()))


class GlobalBatchNorm2d(nn.BatchNorm2d):
    """BatchNorm2d whose training statistics cover the batches of all processes (CPU and GPU).

    ``torch.nn.SyncBatchNorm`` refuses CPU tensors; this layer uses differentiable all-reduces
    instead, so a DDP step equals the single-process step on the concatenated batch. Without a
    process group (or in eval mode) it is exactly ``BatchNorm2d``.
    """

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if not (self.training and dist.is_initialized() and dist.get_world_size() > 1):
            return super().forward(x)
        dims = (0, 2, 3)
        count = torch.tensor([x.numel() / x.shape[1]], dtype=x.dtype, device=x.device)
        total = dist_fn.all_reduce(torch.cat((x.sum(dims), count)))
        n = total[-1]
        mean = total[:-1] / n
        centred = x - mean[None, :, None, None]
        var = dist_fn.all_reduce((centred * centred).sum(dims)) / n
        if self.track_running_stats:
            with torch.no_grad():
                self.num_batches_tracked.add_(1)
                m = self.momentum if self.momentum is not None else 1.0 / float(self.num_batches_tracked)
                self.running_mean.mul_(1 - m).add_(mean.detach(), alpha=m)
                self.running_var.mul_(1 - m).add_(var.detach() * (n / (n - 1)), alpha=m)
        scale = torch.rsqrt(var + self.eps)
        out = centred * scale[None, :, None, None]
        if self.affine:
            out = out * self.weight[None, :, None, None] + self.bias[None, :, None, None]
        return out


def synchronize_batch_norms(module: nn.Module) -> nn.Module:
    """Replace every plain BatchNorm2d in ``module`` by :class:`GlobalBatchNorm2d` (weights kept)."""
    for name, child in module.named_children():
        if type(child) is nn.BatchNorm2d:
            replacement = GlobalBatchNorm2d(child.num_features, child.eps, child.momentum, child.affine,
                                            child.track_running_stats)
            replacement.load_state_dict(child.state_dict())
            replacement.to(next(child.buffers(), torch.empty(0)).device)
            replacement.train(child.training)
            for own, old in zip(replacement.parameters(), child.parameters()):
                own.requires_grad_(old.requires_grad)
            setattr(module, name, replacement)
        else:
            synchronize_batch_norms(child)
    return module
