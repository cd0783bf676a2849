"""AiATrack's prepared network backed by ONNX Runtime sessions of its exported graphs.

:class:`OrtAiATrack` has the methods the tracker (``lib/test/tracker/aiatrack/tracker.py``) calls on a
prepared model (``encode``, ``target_embedding``, ``decode``, ``predict_corners``, ``predict_iou``), with
the same tensor shapes, each running one graph of ``lib/models/aiatrack/onnx_graphs.py``; the rest of the
tracking loop is unchanged. Tensors are float32 on the CPU (ONNX Runtime copies to its own device).
"""
from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path

import numpy as np
import torch
from torch import Tensor

from lib.models.aiatrack.model import AiATrack, EncodedFrame, ReferenceFrame
from lib.models.aiatrack.onnx_graphs import decode_graph_name, export_aiatrack
from lib.utils.onnx_cache import Sessions, run

__all__ = ["OrtAiATrack"]


class OrtAiATrack:
    """The prepared-model interface of AiATrack over the graphs in ``folder``.

    ``source`` is the PyTorch network the graphs came from: a decode graph for a short-term reference count
    not exported yet is exported into ``folder`` on first use (None: such a count raises FileNotFoundError
    naming the missing graph). ``device`` picks the execution providers (``lib.utils.device.onnx_providers``).
    """

    tracking_precision = "fp32"  # the tracker takes the model as already prepared for fp32

    def __init__(self, folder: Path, source: AiATrack | None = None, device: str | torch.device = "cpu") -> None:
        self.folder, self.source = Path(folder), source
        self._sessions = Sessions(self.folder, device)
        for name in ("encode.onnx", "target_embedding.onnx", "corners.onnx", "iou.onnx"):
            self._sessions[name]  # fail now for a missing or broken graph, not on the first frame

    def parameters(self) -> Iterator[Tensor]:
        """One empty CPU tensor: the tracker places its inputs on the device of the model's parameters."""
        yield torch.empty(0)

    def encode(self, images: Tensor, masks: Tensor) -> EncodedFrame:
        """Image (1, 3, S, S) normalized and padding mask (1, S, S) bool -> the frame's encoder memory."""
        memory, inr, mask = run(self._sessions["encode.onnx"], image=_array(images), mask=masks.numpy())
        return EncodedFrame(torch.from_numpy(memory), torch.from_numpy(inr), torch.from_numpy(mask))

    def target_embedding(self, region: Tensor, memory: Tensor | None = None) -> Tensor:
        """Target region map (1, H, W), 1 = target, and memory (HW, 1, C) -> embedding (HW, 1, C)."""
        memory_array = _array(memory) if memory is not None else np.zeros((0,), np.float32)
        (embedding,) = run(self._sessions["target_embedding.onnx"], region=_array(region), memory=memory_array)
        return torch.from_numpy(embedding)

    def decode(self, search: EncodedFrame, long_term: Sequence[ReferenceFrame],
               short_term: Sequence[ReferenceFrame]) -> Tensor:
        """Search memory against one long-term and N short-term references -> decoder map (1, C, H, W)."""
        if len(long_term) != 1:
            raise ValueError(f"the exported decode graphs take one long-term reference, got {len(long_term)}")
        (decoded,) = run(self._decoder(len(short_term)), search_memory=_array(search.memory),
                         **_stacked("long", long_term), **_stacked("short", short_term))
        return torch.from_numpy(decoded)

    def predict_corners(self, decoded: Tensor) -> Tensor:
        """Decoder map (1, C, H, W) -> normalized corners (1, 4) x1, y1, x2, y2."""
        return torch.from_numpy(run(self._sessions["corners.onnx"], decoded=_array(decoded))[0])

    def predict_iou(self, decoded: Tensor, proposals: Tensor) -> Tensor:
        """Decoder map and one proposal (1, 1, 4) normalized xywh -> predicted IoU (1, 1)."""
        (iou,) = run(self._sessions["iou.onnx"], decoded=_array(decoded), proposals=_array(proposals))
        return torch.from_numpy(iou)

    def _decoder(self, num_short: int) -> object:
        path = self.folder / decode_graph_name(num_short)
        if not path.exists():
            if self.source is None:
                raise FileNotFoundError(f"{path}: no decode graph for {num_short} short-term references "
                                        f"(export it with tracking/export_onnx.py)")
            export_aiatrack(self.source, self.folder, [num_short])
        return self._sessions[path.name]


def _array(tensor: Tensor) -> np.ndarray:
    return tensor.detach().to("cpu", torch.float32).contiguous().numpy()


def _stacked(prefix: str, references: Sequence[ReferenceFrame]) -> dict[str, np.ndarray]:
    """References -> ``<prefix>_memory``/``_embedding`` (R, HW, 1, C) and ``_inr`` (R, HW, 1, D) arrays."""
    return {f"{prefix}_{name}": np.stack([_array(getattr(r, name)) for r in references])
            for name in ("memory", "embedding", "inr")}
