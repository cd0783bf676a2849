"""What runs a prepared network's per-frame methods: as they are, replayed CUDA graphs, or ``torch.compile``.

:class:`Engine` wraps one callable (a prepared model's method, e.g. AiATrack's ``encode``/``decode_batch`` or
SiamAttn's ``track_features``) and runs it with one of :data:`ENGINES`:

* ``eager``: the callable as it is (any device; the CPU form).
* ``graphs`` (CUDA only): one ``torch.cuda.CUDAGraph`` per input structure (:func:`structure_key`: the pytree
  layout of the arguments plus the shape, dtype and device of every tensor in them, so each reference count
  and batch size gets its own graph). A new structure is run a few times on a side stream (warm-up: lazy
  initialisation, cuDNN algorithm choice), then captured on static copies of its inputs; a later call copies
  its tensors into those buffers and replays the graph. Non-tensor leaves are part of the key, so they must
  be hashable.
* ``compile`` (CUDA only): ``torch.compile(mode="reduce-overhead")`` (Inductor kernels replayed through CUDA
  graph trees).

The two CUDA engines return clones of the graph outputs, so the caller may keep them across frames (cached
references) while the next replay overwrites the graph's own buffers. Dataclasses passed in or out must be
registered as pytree nodes (``torch.utils._pytree.register_dataclass``, as ``lib/models/aiatrack/model.py``
does for its frames); fields left out of the pytree (caches) come back at their defaults in the copies a
graph is captured on, so a cache filled during capture is recomputed by every replay rather than read stale.
Which engine a device gets is :attr:`lib.utils.device.InferencePlan.engine`.
"""
from __future__ import annotations

import threading
from collections.abc import Callable, Hashable, Sequence
from typing import Any

import torch
from torch import Tensor
from torch.utils import _pytree as pytree

__all__ = ["ENGINES", "Engine", "apply_engine", "check_engine", "structure_key"]

#: engines a prepared network's methods run with
ENGINES = ("eager", "graphs", "compile")
#: runs of a new input structure on a side stream before its graph is captured
WARMUP_RUNS = 3


def check_engine(engine: str, device: torch.device | str) -> None:
    """ValueError (one line) for an unknown ``engine`` or a CUDA-only one (``graphs``, ``compile``) elsewhere."""
    if engine not in ENGINES:
        raise ValueError(f"engine must be one of {', '.join(ENGINES)}, got {engine!r}")
    if engine != "eager" and torch.device(device).type != "cuda":
        raise ValueError(f"the {engine} engine runs on CUDA devices only, not {torch.device(device).type}; "
                         f"use the eager engine there")


def structure_key(args: Sequence[Any], kwargs: dict[str, Any]) -> Hashable:
    """What a captured graph depends on: the pytree spec of ``(args, kwargs)`` and, per leaf, a tensor's
    (shape, dtype, device) or a non-tensor's (type, value). Equal keys can replay one graph."""
    leaves, spec = pytree.tree_flatten((tuple(args), kwargs))
    return spec, tuple(("tensor", tuple(leaf.shape), leaf.dtype, leaf.device) if isinstance(leaf, Tensor)
                       else (type(leaf), leaf) for leaf in leaves)


def _cloned(outputs: Any) -> Any:
    return pytree.tree_map_only(Tensor, torch.Tensor.clone, outputs)


class _CapturedGraph:
    """One CUDA graph of ``fn`` for the input structure of the arguments it was built with."""

    def __init__(self, fn: Callable[..., Any], args: Sequence[Any], kwargs: dict[str, Any]) -> None:
        leaves, self.spec = pytree.tree_flatten((tuple(args), kwargs))
        self.static = [leaf.clone() if isinstance(leaf, Tensor) else leaf for leaf in leaves]
        side = torch.cuda.Stream()
        side.wait_stream(torch.cuda.current_stream())
        with torch.cuda.stream(side):
            for _ in range(WARMUP_RUNS):
                self._run(fn)
        torch.cuda.current_stream().wait_stream(side)
        self.graph = torch.cuda.CUDAGraph()
        with torch.cuda.graph(self.graph):
            self.outputs = self._run(fn)

    def _run(self, fn: Callable[..., Any]) -> Any:
        # fresh containers around the static tensors each time: caches outside the pytree start empty
        args, kwargs = pytree.tree_unflatten(self.static, self.spec)
        return fn(*args, **kwargs)

    def replay(self, args: Sequence[Any], kwargs: dict[str, Any]) -> Any:
        for buffer, leaf in zip(self.static, pytree.tree_leaves((tuple(args), kwargs))):
            if isinstance(buffer, Tensor):
                buffer.copy_(leaf)
        self.graph.replay()
        return _cloned(self.outputs)


class Engine:
    """``fn`` run by ``engine`` (see the module docstring); called exactly as ``fn``. The CUDA engines serve one
    call at a time (trackers on several threads share a prepared model and so its graphs).

    Raises ValueError (one line, :func:`check_engine`) for an unknown engine or a CUDA-only one on ``device``.
    """

    def __init__(self, fn: Callable[..., Any], engine: str, device: torch.device | str) -> None:
        check_engine(engine, device)
        self.fn = fn
        self.engine = engine
        self.graphs: dict[Hashable, _CapturedGraph] = {}
        self._compiled = torch.compile(fn, mode="reduce-overhead") if engine == "compile" else None
        # one caller at a time fills the static buffers and replays (none for eager, which stays copyable)
        self._lock = threading.Lock() if engine != "eager" else None

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        if self.engine == "eager":
            return self.fn(*args, **kwargs)
        with self._lock, torch.no_grad():
            if self.engine == "compile":
                torch.compiler.cudagraph_mark_step_begin()
                return _cloned(self._compiled(*args, **kwargs))
            key = structure_key(args, kwargs)
            if key not in self.graphs:
                self.graphs[key] = _CapturedGraph(self.fn, args, kwargs)
            return self.graphs[key].replay(args, kwargs)


def apply_engine(model: torch.nn.Module, methods: Sequence[str], engine: str,
                 device: torch.device | str) -> torch.nn.Module:
    """Replace each of ``model``'s ``methods`` by an :class:`Engine` of it (instance attributes; in place), and
    return ``model``. ValueError as :func:`check_engine`, before anything is replaced."""
    check_engine(engine, device)
    for name in methods:
        setattr(model, name, Engine(getattr(model, name), engine, device))
    return model
