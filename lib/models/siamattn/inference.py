"""Inference-time form of a trained SiamAttn for the tracker: same outputs up to float rounding, faster on CPU.

* Every convolution followed by an eval-mode BatchNorm after the backbone (neck, RPN and fusion
  cross-correlations, fusion and mask-head ``ConvModule`` blocks) absorbs it
  (:func:`lib.models.aiatrack.inference.fold_batchnorm`). The backbone keeps its BatchNorms: folding them rounds every
  weight, a systematic perturbation (~5e-7 relative on the search levels) that the peaked DSA softmaxes
  amplify past the official fixture's mask-area and polygon tolerances on video A (4 px instead of 2).
* The search stage (backbone + neck on the fixed 1 × 3 × S × S search crop, S = ``search_size``) is traced,
  frozen without the numerics-changing passes (no float32 BatchNorm folding) and, on CPU, optimized for
  inference with TorchScript (oneDNN pre-packed weights); the model runs it through
  :attr:`SiamAttn.search_stage`. The template branch (127 × 127, once per sequence, with the neck's centre
  crop) keeps the eager modules.
* The DSA deformable convolutions run as one ``grid_sample`` and one matrix product
  (:func:`lib.models.siamattn.dsa.deform_conv2d_by_grid_sample`).
* The mask-branch fusion projects the 31 × 31 levels before resizing them to 63 × 63
  (``FeatureFusion.project_first``).

Measured on CPU with the official configuration (synthetic weights, interleaved medians, shared 2-core
machine): ``track()`` 1 thread 1.80 s vs 2.25 s plain (1.25×), 2 threads 1.24 s vs 1.39 s (1.13×). Per stage
at 1 thread: search stage 1.11×, DSA 1.24×, mask fusion 1.59×, the rest within noise. Preparing costs about
9 s at 1 thread (tracing, freezing, oneDNN packing), once per process.

Prepare after moving the model to its device: the traced stage keeps its weights where they were traced.
"""
from __future__ import annotations

import copy
import warnings

import torch
from torch import Tensor, nn

from lib.utils.fold import fold_batchnorm
from lib.models.siamattn.dsa import DeformConvPack
from lib.models.siamattn.model import SiamAttn
from lib.utils.device import InferencePlan, inference_plan

__all__ = ["prepare_siamattn_for_tracking"]


class _SearchLevels(nn.Module):
    """backbone + neck as one module returning a tuple (what TorchScript traces)."""

    def __init__(self, model: SiamAttn) -> None:
        super().__init__()
        self.backbone = model.backbone
        self.neck = model.neck

    def forward(self, x: Tensor) -> tuple[Tensor, ...]:
        levels = self.backbone(x)
        return tuple(levels[:2] + self.neck(levels[2:]))


def prepare_siamattn_for_tracking(model: SiamAttn, search_size: int = 255, copy_model: bool = True,
                                  plan: InferencePlan | None = None) -> SiamAttn:
    """An eval-mode, gradient-free copy of ``model`` in the inference form above.

    ``search_size`` is the side of the search crops the tracker feeds (``TEST.INSTANCE_SIZE``); other sizes
    still run, the traced stage re-specializing (slower the first time). A model already prepared is
    returned as it is. ``copy_model=False`` converts ``model`` itself (the caller must not use the original
    form afterwards). ``plan`` defaults to the device's (``lib.utils.device.inference_plan``).
    """
    if model.search_stage is not None:
        return model
    prepared = (copy.deepcopy(model) if copy_model else model).eval().requires_grad_(False)
    for name, part in prepared.named_children():
        if name != "backbone":
            fold_batchnorm(part)
    for module in prepared.modules():
        if isinstance(module, DeformConvPack):
            module.grid_sampled = True
    prepared.feature_fusion.project_first = True
    device = next(prepared.parameters()).device
    plan = plan or inference_plan(device)
    example = torch.zeros(1, 3, search_size, search_size, device=device)
    with torch.no_grad(), warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)  # TorchScript is deprecated, and still the fastest here
        warnings.simplefilter("ignore", torch.jit.TracerWarning)  # the neck's crop test: no crop at 31 × 31
        traced = torch.jit.trace(_SearchLevels(prepared).eval(), example)
        stage = torch.jit.freeze(traced, optimize_numerics=False)
        prepared.search_stage = torch.jit.optimize_for_inference(stage) if plan.onednn_prepack else stage
    return prepared
