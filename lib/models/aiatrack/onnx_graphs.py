"""AiATrack's per-frame networks as static-shape ONNX graphs.

Five graphs, all float32 with batch 1, exported from the eval-mode network with the factored AiA form
(``lib/models/aiatrack/inference.py``; BatchNorm stays in the graph, ONNX Runtime folds it itself):

* ``encode.onnx``: image (1, 3, S, S) normalized, padding mask (1, S, S) bool -> memory (HW, 1, C),
  inner position ``inr`` (HW, 1, D), token mask (1, HW) bool.
* ``target_embedding.onnx``: target region map (1, H, W) and memory (HW, 1, C) -> embedding (HW, 1, C).
* ``decode_s<N>.onnx``: the search memory against one long-term and ``N`` short-term references
  (memories, embeddings (R, HW, 1, C), inner positions (R, HW, 1, D)) -> decoder map (1, C, H, W). The
  reference count is part of the static shape, so each ``N`` (a ``TEST.HYPER`` row's short-term count) has
  its own graph; the references' key/value projections are recomputed by the graph on every frame.
* ``corners.onnx``: decoder map -> normalized corners (1, 4) x1, y1, x2, y2.
* ``iou.onnx``: decoder map and one proposal (1, 1, 4) normalized xywh -> IoU (1, 1); PrRoIPool
  (``lib/models/ops/prroi_pool.py``) is plain tensor algebra and exports as it is.
"""
from __future__ import annotations

from pathlib import Path

import torch
from torch import Tensor, nn

from lib.models.aiatrack.aia import AiAAttention
from lib.models.aiatrack.model import AiATrack, EncodedFrame, ReferenceFrame
from lib.utils.onnx_cache import export_graph

__all__ = ["decode_graph_name", "export_aiatrack", "onnx_source", "reference_counts"]


def decode_graph_name(num_short: int) -> str:
    """File name of the decode graph for ``num_short`` short-term references."""
    return f"decode_s{num_short}.onnx"


def reference_counts(hyper: dict[str, list]) -> list[int]:
    """The short-term reference counts of a config's ``TEST.HYPER`` rows, sorted, without repeats."""
    return sorted({int(row[1]) for row in hyper.values()})


def onnx_source(model: AiATrack) -> AiATrack:
    """``model`` (in place) in the form the graphs are exported from: eval mode, no gradients, factored AiA,
    the full-map IoU head (the windowed one slices by data-dependent bounds)."""
    model.eval().requires_grad_(False)
    for attention in model.modules():
        if isinstance(attention, AiAAttention):
            attention.factored_inner = True
    model.iou_head.windowed = False
    return model


class _Encode(nn.Module):
    def __init__(self, model: AiATrack) -> None:
        super().__init__()
        self.model = model

    def forward(self, image: Tensor, mask: Tensor) -> tuple[Tensor, Tensor, Tensor]:
        encoded = self.model.encode(image, mask)
        return encoded.memory, encoded.inr, encoded.mask


class _TargetEmbedding(nn.Module):
    def __init__(self, model: AiATrack) -> None:
        super().__init__()
        self.model = model

    def forward(self, region: Tensor, memory: Tensor) -> Tensor:
        return self.model.target_embedding(region, memory)


class _Decode(nn.Module):
    def __init__(self, model: AiATrack) -> None:
        super().__init__()
        self.model = model

    def forward(self, search_memory: Tensor, long_memory: Tensor, long_embedding: Tensor, long_inr: Tensor,
                short_memory: Tensor, short_embedding: Tensor, short_inr: Tensor) -> Tensor:
        unread = search_memory.new_zeros(0)  # decode reads the memories only: no inner position, no mask
        search = EncodedFrame(search_memory, unread, unread.bool())
        long_term = _references(long_memory, long_embedding, long_inr)
        short_term = _references(short_memory, short_embedding, short_inr)
        return self.model.decode(search, long_term, short_term)


def _references(memory: Tensor, embedding: Tensor, inr: Tensor) -> list[ReferenceFrame]:
    """Stacked (R, HW, 1, *) reference tensors -> R references (the decoder reads no reference mask)."""
    unread = memory.new_zeros(0, dtype=torch.bool)
    return [ReferenceFrame(memory[r], embedding[r], inr[r], unread) for r in range(memory.shape[0])]


class _Head(nn.Module):
    def __init__(self, model: AiATrack, head: str) -> None:
        super().__init__()
        self.model, self.head = model, head

    def forward(self, decoded: Tensor, *proposals: Tensor) -> Tensor:
        if self.head == "corners":
            return self.model.predict_corners(decoded)
        return self.model.predict_iou(decoded, proposals[0])


def export_aiatrack(model: AiATrack, folder: Path, num_shorts: list[int]) -> list[Path]:
    """Export the graphs above for ``model`` (made :func:`onnx_source` in place) into ``folder``.

    Graphs already in ``folder`` are kept (the folder is keyed by weights and config, see
    ``lib/utils/onnx_cache.py``). Returns the graph paths; raises ``OnnxExportError`` (one line) when one
    does not export.
    """
    onnx_source(model)
    side, search = model.feat_side, model.feat_side * model.backbone.stride
    image, mask = torch.zeros(1, 3, search, search), torch.zeros(1, search, search, dtype=torch.bool)
    encoded = model.encode(image, mask)
    memory, inr = encoded.memory, encoded.inr
    region = torch.zeros(1, side, side)
    embedding = model.target_embedding(region, memory)
    decoded = torch.zeros(1, memory.shape[-1], side, side)
    paths = [
        export_graph(_Encode(model), (image, mask), folder / "encode.onnx", ["image", "mask"],
                     ["memory", "inr", "token_mask"]),
        export_graph(_TargetEmbedding(model), (region, memory), folder / "target_embedding.onnx",
                     ["region", "memory"], ["embedding"]),
        export_graph(_Head(model, "corners"), (decoded,), folder / "corners.onnx", ["decoded"], ["corners"]),
        export_graph(_Head(model, "iou"), (decoded, torch.tensor([[[0.25, 0.25, 0.5, 0.5]]])),
                     folder / "iou.onnx", ["decoded", "proposals"], ["iou"]),
    ]
    for num_short in num_shorts:
        stacked = [t[None].expand(n, *t.shape).contiguous() for n in (1, num_short) for t in (memory, embedding, inr)]
        paths.append(export_graph(_Decode(model), (memory, *stacked), folder / decode_graph_name(num_short),
                                  ["search_memory", "long_memory", "long_embedding", "long_inr",
                                   "short_memory", "short_embedding", "short_inr"], ["decoded"]))
    return paths
