"""Where exported ONNX graphs are kept, and the ONNX Runtime sessions that run them.

A network's graphs live in one folder per export key (:func:`export_key`): the digest of its weights, its
config, the opset and the graph shapes, so changed weights or settings never reuse stale graphs. The
folder is ``<checkpoint>.onnx/<key>/`` beside the checkpoint, or ``$XDG_CACHE_HOME/aiatrack/onnx/<key>/``
(``~/.cache`` when unset) when there is no checkpoint or its folder is not writable.
"""
from __future__ import annotations

import hashlib
import io
import json
import os
import warnings
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import torch
from torch import nn

from lib.utils.device import onnx_providers
from lib.utils.io import atomic_open

__all__ = ["ONNX_OPSET", "OnnxExportError", "Sessions", "cache_folder", "export_graph", "export_key", "run", "session"]

#: the ONNX opset every graph is exported with (ONNX Runtime 1.32 runs it on every provider)
ONNX_OPSET = 17


class OnnxExportError(RuntimeError):
    """A graph could not be exported; the message (one line) names the graph and the operator or cause."""


def export_key(model: nn.Module, config: Mapping[str, Any], shapes: Mapping[str, Any]) -> str:
    """Hex digest (16 chars) of ``model``'s weights, ``config`` (JSON-able), :data:`ONNX_OPSET` and ``shapes``."""
    digest = hashlib.sha256()
    for name, tensor in sorted(model.state_dict().items()):
        digest.update(name.encode())
        digest.update(tensor.detach().cpu().contiguous().numpy().tobytes())
    digest.update(json.dumps([config, ONNX_OPSET, shapes], sort_keys=True, default=str).encode())
    return digest.hexdigest()[:16]


def cache_folder(checkpoint: str | Path | None, key: str) -> Path:
    """The folder of the graphs exported under ``key`` (see the module docstring for where)."""
    if checkpoint is not None:
        beside = Path(f"{checkpoint}.onnx")
        if os.access(beside if beside.exists() else Path(checkpoint).parent, os.W_OK):
            return beside / key
    base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return base / "aiatrack" / "onnx" / key


def export_graph(module: nn.Module, inputs: tuple[torch.Tensor, ...], path: Path, input_names: list[str],
                 output_names: list[str], fold_batchnorm: bool = True) -> Path:
    """Export ``module`` (eval mode, static shapes of ``inputs``) to ``path`` atomically; kept if present.

    ``fold_batchnorm=False`` keeps each BatchNorm a node of its own (the exporter otherwise folds it into
    the convolution before it, rounding every weight; run such graphs with ``session(...,
    fold_batchnorm=False)`` so ONNX Runtime does not fold them either).

    Raises :class:`OnnxExportError` (one line: the file and the exporter's first line, which names an
    unsupported operator) when the exporter refuses the graph.
    """
    if path.exists():
        return path
    buffer = io.BytesIO()
    try:
        with torch.no_grad(), warnings.catch_warnings():
            # Shapes are static by design, so the tracer's shape-as-constant warnings hold no news; the
            # TorchScript exporter is deprecated but needs no extra package (the dynamo one needs onnxscript).
            warnings.simplefilter("ignore", torch.jit.TracerWarning)
            warnings.simplefilter("ignore", DeprecationWarning)
            # PRESERVE on an eval-mode module folds no parameter of a training-mode layer: nothing to warn about
            warnings.filterwarnings("ignore", "It is recommended that constant folding", UserWarning)
            # PRESERVE exports the eval-mode module as it is, without the exporter's Conv+BatchNorm folding
            mode = torch.onnx.TrainingMode.EVAL if fold_batchnorm else torch.onnx.TrainingMode.PRESERVE
            torch.onnx.export(module.eval(), inputs, buffer, opset_version=ONNX_OPSET, dynamo=False, training=mode,
                              input_names=input_names, output_names=output_names)
    except Exception as exc:  # the exporter raises many types; each becomes one line naming the graph
        first = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
        raise OnnxExportError(f"{path}: cannot export to ONNX opset {ONNX_OPSET}: {first}") from None
    with atomic_open(path, "wb") as handle:
        handle.write(buffer.getvalue())
    return path


def session(path: Path, device: str | torch.device = "cpu", threads: int | None = None,
            fold_batchnorm: bool = True) -> Any:
    """An ONNX Runtime session for ``path`` on the providers :func:`lib.utils.device.onnx_providers` picks.

    ``threads``: intra-op threads (None: torch's current setting, so ``OMP_NUM_THREADS`` applies alike).
    ``fold_batchnorm=False`` turns off ONNX Runtime's Conv+BatchNorm fusion (see :func:`export_graph`).
    """
    import onnxruntime

    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads = threads or torch.get_num_threads()
    options.inter_op_num_threads = 1
    return onnxruntime.InferenceSession(str(path), options, providers=onnx_providers(device),
                                        disabled_optimizers=[] if fold_batchnorm else ["ConvBNFusion"])


class Sessions:
    """ONNX Runtime sessions of the graphs in ``folder``, one per graph and intra-op thread count: ``sessions[name]``
    is the session of ``folder/name`` for torch's current thread count (``torch.set_num_threads`` applies to
    both backends alike; ONNX Runtime fixes the count when a session is made). Arguments as :func:`session`."""

    def __init__(self, folder: Path, device: str | torch.device = "cpu", fold_batchnorm: bool = True) -> None:
        self.folder, self.device, self.fold_batchnorm = Path(folder), device, fold_batchnorm
        self._made: dict[tuple[str, int], Any] = {}

    def __getitem__(self, name: str) -> Any:
        key = (name, torch.get_num_threads())
        if key not in self._made:
            self._made[key] = session(self.folder / name, self.device, key[1], self.fold_batchnorm)
        return self._made[key]


def run(session_: Any, **arrays: Any) -> list[Any]:
    """Run ``session_`` on the named inputs it declares (inputs the exporter pruned are dropped)."""
    wanted = {node.name for node in session_.get_inputs()}
    return session_.run(None, {name: value for name, value in arrays.items() if name in wanted})

