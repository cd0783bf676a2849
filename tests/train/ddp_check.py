"""Two gloo processes against one process: the helper shared by the AiATrack and SiamAttn DDP tests."""
from __future__ import annotations

import multiprocessing
from pathlib import Path
from typing import Callable

import pytest
import torch
from torch import nn

from lib.train.trainer.distributed import free_port


def run_two_gloo_processes(worker: Callable[[int, int, str], None], out_dir: Path, timeout: float) -> dict:
    """Run ``worker(rank, port, out_dir)`` in two forked processes; rank 0 saves ``out_dir/ddp.pt``, returned."""
    context = multiprocessing.get_context("fork")
    port = free_port()
    workers = [context.Process(target=worker, args=(rank, port, str(out_dir))) for rank in range(2)]
    for process in workers:
        process.start()
    for process in workers:
        process.join(timeout=timeout)
    assert [p.exitcode for p in workers] == [0, 0]
    return torch.load(out_dir / "ddp.pt", weights_only=True)


def assert_same_step(ddp: dict, stats: dict[str, float], model: nn.Module, names: tuple[str, ...],
                     grad_rtol: float, grad_atol: float) -> None:
    """The DDP step's statistics ``names`` and every gradient equal those of the single-process step."""
    for name in names:
        assert ddp["stats"][name] == pytest.approx(stats[name], rel=1e-5, abs=1e-7), name
    grads = {n: p.grad for n, p in model.named_parameters() if p.grad is not None}
    assert grads.keys() == ddp["grads"].keys()
    for name, grad in grads.items():
        assert torch.allclose(ddp["grads"][name], grad, rtol=grad_rtol, atol=grad_atol), name
