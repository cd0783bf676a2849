"""SiamAttn's per-frame networks as static-shape ONNX graphs.

Exported (batch 1, float32) from the eval-mode network, every BatchNorm kept as a node of its own and run
unfolded (``fold_batchnorm=False`` in ``lib/utils/onnx_cache.py``): folding the backbone's BatchNorms rounds
its weights, a perturbation the DSA softmaxes amplify past the official fixture's mask-area tolerance
(``lib/models/siamattn/inference.py`` keeps them unfolded for the same reason).

* ``template.onnx``: template crop (1, 3, Z, Z) BGR 0..255 -> neck features of levels 2-4 ``zf2``..``zf4``
  (1, C, 7, 7).
* ``track.onnx``: ``zf2``..``zf4`` and the search crop (1, 3, X, X) -> ``cls`` (1, 2A, 25, 25), ``loc``
  (1, 4A, 25, 25), ``b_fused`` (1, C, 25, 25) and, with the mask branch, ``m_fused`` (1, C, 63, 63): backbone,
  neck, DSA, weighted RPN and fusion.
* ``refine_box.onnx``: ``b_fused`` and one RoI (1, 5) (batch index, x1, y1, x2, y2 in crop pixels) -> raw
  deltas (1, 4); ``refine_mask.onnx``: ``m_fused`` and one RoI -> mask logits (1, 1, 64, 64).

The DSA deformable convolutions export in their ``grid_sample`` form (ONNX ``GridSample``, opset 16+) and the
deformable RoI pooling (``lib/models/ops/deform_roi_pool.py``) as the plain tensor algebra it is written in;
see docs/onnx.md.
"""
from __future__ import annotations

from pathlib import Path

import torch
from torch import Tensor, nn

from lib.models.siamattn.dsa import DeformConvPack
from lib.models.siamattn.model import SiamAttn
from lib.utils.onnx_cache import export_graph

__all__ = ["export_siamattn", "onnx_source", "track_outputs"]


def onnx_source(model: SiamAttn) -> SiamAttn:
    """``model`` (in place) in the form the graphs are exported from: eval mode, no gradients, the deformable
    convolutions as ``grid_sample``, the mask fusion projecting before resizing (the inference form's choices,
    ``lib/models/siamattn/inference.py``)."""
    model.eval().requires_grad_(False)
    for module in model.modules():
        if isinstance(module, DeformConvPack):
            module.grid_sampled = True
    model.feature_fusion.project_first = True
    return model


class _Template(nn.Module):
    def __init__(self, model: SiamAttn) -> None:
        super().__init__()
        self.model = model

    def forward(self, template: Tensor) -> tuple[Tensor, ...]:
        return tuple(self.model.template_features(template))


class _Track(nn.Module):
    def __init__(self, model: SiamAttn) -> None:
        super().__init__()
        self.model = model

    def forward(self, zf2: Tensor, zf3: Tensor, zf4: Tensor, search: Tensor) -> tuple[Tensor, ...]:
        return tuple(self.model.track_features([zf2, zf3, zf4], search).values())


class _Refine(nn.Module):
    def __init__(self, model: SiamAttn, head: str) -> None:
        super().__init__()
        self.model, self.head = model, head

    def forward(self, fused: Tensor, rois: Tensor) -> Tensor:
        refine = self.model.refine_box if self.head == "box" else self.model.refine_mask
        return refine(fused, rois)


def track_outputs(model: SiamAttn) -> list[str]:
    """Names of the ``track.onnx`` outputs, in order."""
    return ["cls", "loc", "b_fused"] + (["m_fused"] if model.mask_enabled else [])


def export_siamattn(model: SiamAttn, folder: Path, exemplar_size: int, instance_size: int) -> list[Path]:
    """Export the graphs above for ``model`` (made :func:`onnx_source` in place) into ``folder``, for template
    crops of ``exemplar_size`` and search crops of ``instance_size`` pixels. Graphs already in ``folder`` are
    kept. Returns the graph paths; raises ``OnnxExportError`` (one line) when one does not export."""
    onnx_source(model)
    template, search = torch.zeros(1, 3, exemplar_size, exemplar_size), torch.zeros(1, 3, instance_size, instance_size)
    with torch.no_grad():
        zf = model.template_features(template)
        outputs = model.track_features(zf, search)
    roi = torch.tensor([[0.0, 0.25, 0.25, 0.75, 0.75]]) * torch.tensor([1.0] + [instance_size] * 4)
    paths = [
        export_graph(_Template(model), (template,), folder / "template.onnx", ["template"], ["zf2", "zf3", "zf4"],
                     fold_batchnorm=False),
        export_graph(_Track(model), (*zf, search), folder / "track.onnx", ["zf2", "zf3", "zf4", "search"],
                     track_outputs(model), fold_batchnorm=False),
        export_graph(_Refine(model, "box"), (outputs["b_fused"], roi), folder / "refine_box.onnx",
                     ["b_fused", "rois"], ["deltas"], fold_batchnorm=False),
    ]
    if model.mask_enabled:
        paths.append(export_graph(_Refine(model, "mask"), (outputs["m_fused"], roi), folder / "refine_mask.onnx",
                                  ["m_fused", "rois"], ["mask_logits"], fold_batchnorm=False))
    return paths
