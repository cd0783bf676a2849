"""A torch function mode under which fresh op outputs come back non-contiguous, with unchanged values.

CUDA kernels may return a differently strided tensor than the CPU kernel of the same op (the flash and
memory-efficient ``scaled_dot_product_attention`` kernels return a (B, L, H, D) buffer seen as (B, H, L, D);
cuDNN may answer in channels-last). Code that calls ``.view`` on such an output works on CPU and fails on a
GPU. Under :class:`NonContiguousOutputs` every op whose result is a new tensor (sharing no storage with its
tensor arguments) returns a copy of it with dims 1 and 2 (or, for matrices, both dims) swapped in memory:
the layout of CUDA's attention outputs. Views, in-place ops and results that alias an input are left as
they are, so the program's semantics stay the same and only layout assumptions can break.
"""
from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import torch
from torch import Tensor
from torch.overrides import TorchFunctionMode
from torch.utils._pytree import tree_leaves

# Results that must keep sharing memory with a numpy array or are plain data accessors.
_KEEP = {torch.from_numpy, torch.as_tensor, torch.asarray, Tensor.numpy, Tensor.tolist, Tensor.item}


def _storages(values: Iterable[Any]) -> set[int]:
    return {leaf.untyped_storage().data_ptr() for leaf in values
            if isinstance(leaf, Tensor) and leaf.layout == torch.strided and leaf.device.type != "meta"}


def scramble(tensor: Tensor) -> Tensor:
    """A copy of ``tensor`` with the same values whose memory has dims 1 and 2 (matrices: 0 and 1) swapped."""
    first, second = (1, 2) if tensor.dim() >= 3 else (0, 1)
    return tensor.transpose(first, second).contiguous().transpose(first, second)


class NonContiguousOutputs(TorchFunctionMode):
    """Make fresh outputs of every op (``ops`` None) or of the given ops non-contiguous; counts how many."""

    def __init__(self, ops: Iterable[Any] | None = None) -> None:
        super().__init__()
        self.ops = None if ops is None else set(ops)
        self.scrambled = 0

    def __torch_function__(self, func, types, args=(), kwargs=None):
        out = func(*args, **(kwargs or {}))
        if func in _KEEP or (self.ops is not None and func not in self.ops):
            return out
        if not isinstance(out, Tensor) or out.layout != torch.strided or out.dim() < 2:
            return out
        if out.shape[0 if out.dim() == 2 else 1] < 2 or out.shape[1 if out.dim() == 2 else 2] < 2:
            return out  # swapping a dim of size 1 changes no stride that matters
        if isinstance(out, torch.nn.Parameter) or out.requires_grad and out.grad_fn is None:
            return out
        if out.untyped_storage().data_ptr() in _storages(tree_leaves((args, kwargs or {}))):
            return out  # a view or an in-place result: it must keep aliasing its input
        self.scrambled += 1
        return scramble(out)
