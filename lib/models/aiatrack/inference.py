"""Inference-time form of a trained AiATrack for the tracker: folded BatchNorm, channels-last, precision.

* Every convolution followed by a frozen or eval-mode BatchNorm (ResNet trunk, corner and IoU head
  towers) absorbs it: ``W' = W * s``, ``b' = (b - mean) * s + beta`` with ``s = gamma / sqrt(var + eps)``,
  computed in float64; the BatchNorm becomes an identity. Same function up to float rounding
  (relative differences ~1e-6).
* Convolution weights are stored channels-last (NHWC), the layout oneDNN and cuDNN run fastest.
* The backbone stage (ResNet trunk + 1x1 bottleneck, a fixed 1 x 3 x S x S input in the tracker) is
  traced, frozen and optimized for inference with TorchScript: weights become constants that
  oneDNN/cuDNN pre-pack once (ResNet-50 trunk + bottleneck at 320 x 320, CPU, interleaved medians:
  1 thread 206 ms vs 246 ms eager, 2 threads 132 ms vs 182 ms). On CPU the residual adds and their
  ReLUs still run as separate ops (about 20 ms per frame at 1 thread). Other input shapes still work (TorchScript re-specializes), only slower the
  first time.
* The AiA attentions use the factored inner-attention form (``lib.models.aiatrack.aia``): the same logits
  without materializing the Nk x Nq x Nq value and output products.
* On CPU the IoU head convolves only the window its RoI pooling reads (``IoUHead.windowed``).
* ``precision`` ``"bf16"``/``"fp16"`` stores the backbone, bottleneck, transformer and target
  embeddings in that dtype once (no per-call conversion); the two heads stay float32, so the corner
  soft-argmax and PrRoIPool keep full precision. ``"fp32"`` and ``"tf32"`` change no dtype (TF32 is a
  process-wide flag, set by the tracker through ``lib.utils.device.apply_precision``).
* Forms that exist for one device only (oneDNN pre-packing, the windowed IoU head) follow
  ``lib.utils.device.inference_plan`` of the model's device.

:func:`prepare_for_tracking` returns a prepared copy by default (or the model itself when it was
already prepared with that precision); the tracker loader converts its own model in place. Prepare after moving the model to
its device: the traced stage keeps its weights where they were when it was traced.
"""
from __future__ import annotations

import copy
import warnings

import torch
from torch import nn

from lib.models.aiatrack.aia import AiAAttention
from lib.models.aiatrack.model import AiATrack
from lib.utils.device import InferencePlan, inference_plan, network_dtype
from lib.utils.fold import fold_batchnorm

__all__ = ["prepare_for_tracking", "tracking_dtype"]

def tracking_dtype(model: nn.Module) -> torch.dtype:
    """dtype of the input images of a model prepared by :func:`prepare_for_tracking` (its precision)."""
    return network_dtype(getattr(model, "tracking_precision", "fp32"))


def prepare_for_tracking(model: AiATrack, precision: str = "fp32", copy_model: bool = True,
                         plan: InferencePlan | None = None) -> AiATrack:
    """An eval-mode, gradient-free copy of ``model`` in the inference form above.

    ``precision`` is ``"fp32"`` (default, the reference numerics), ``"tf32"``, ``"bf16"`` or ``"fp16"``; a
    model already prepared with the same precision is returned as it is. ``copy_model=False`` converts
    ``model`` itself (no second copy of the weights in memory; the caller must not use the
    original afterwards). ``plan`` defaults to the device's (``lib.utils.device.inference_plan``).
    Raises ValueError for an unknown precision.
    """
    dtype = network_dtype(precision)
    if getattr(model, "tracking_precision", None) == precision:
        return model
    if getattr(model, "tracking_precision", None) is not None:
        raise ValueError(f"the model is already prepared for {model.tracking_precision}, not {precision}")
    prepared = (copy.deepcopy(model) if copy_model else model).eval().requires_grad_(False)
    for attention in prepared.modules():
        if isinstance(attention, AiAAttention):
            attention.factored_inner = True
    for part in (prepared.backbone, prepared.corner_head, prepared.iou_head):
        fold_batchnorm(part)
        part.to(memory_format=torch.channels_last)
    # the target embeddings, when the model has them (reference-embedding ablations drop them)
    embeddings = [module for name, module in prepared.named_children() if name.endswith("_embed")]
    for part in (prepared.backbone, prepared.bottleneck, prepared.transformer, *embeddings):
        part.to(dtype)
    prepared.bottleneck.to(memory_format=torch.channels_last)
    side = prepared.feat_side * prepared.backbone.stride
    device = prepared.bottleneck.weight.device
    plan = plan or inference_plan(device)
    example = torch.zeros(1, 3, side, side, device=device, dtype=dtype)
    with torch.no_grad(), warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)  # TorchScript is deprecated, and still the fastest here
        stage = torch.jit.freeze(torch.jit.trace(nn.Sequential(prepared.backbone, prepared.bottleneck).eval(), example))
        # on CPU: oneDNN's own blocked layout and pre-packed weights (faster than channels-last there)
        prepared.backbone = torch.jit.optimize_for_inference(stage) if plan.onednn_prepack else stage
    prepared.bottleneck = nn.Identity()
    prepared.iou_head.windowed = plan.windowed_iou_head
    prepared.tracking_precision = precision
    return prepared
