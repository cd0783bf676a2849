"""Every device-specific choice of the tracking and training paths, made here and nowhere else.

* **Precision** of a tracking network (``TEST.PRECISION``): ``fp32`` is IEEE float32 everywhere, so CUDA
  results match the CPU and the official fixtures; ``tf32`` keeps float32 tensors but lets matrix products
  and cuDNN convolutions round their inputs to TensorFloat-32 on Ampere and newer GPUs (faster, and
  measurably off the official outputs: see the README's precision table); ``bf16``/``fp16`` store the
  network in that dtype (see ``lib/models/aiatrack/inference.py``). PyTorch's own default runs cuDNN convolutions
  in TF32, so fp32 must switch it off explicitly: :func:`apply_precision` sets both process-wide flags.
* **Training** (``TRAIN.TF32``, default off, as the official training ran): :func:`set_tf32`.
* **Inference forms** that exist for one device only, and the engine running the network: :func:`inference_plan`.
* **Backend** that runs a tracking network (``--backend``, :data:`BACKENDS`): ``torch`` (the prepared
  PyTorch form) or ``onnxruntime`` (exported graphs, :func:`onnx_providers` picks the execution providers).
"""
from __future__ import annotations

from dataclasses import dataclass

import torch

from lib.utils.engine import check_engine

__all__ = ["BACKENDS", "DEFAULT_BACKEND", "PRECISIONS", "InferencePlan", "apply_precision", "check_backend",
           "inference_plan", "network_dtype", "onnx_providers", "set_tf32", "tf32_enabled"]

#: tracking precision -> dtype the network is stored and run in
PRECISIONS: dict[str, torch.dtype] = {"fp32": torch.float32, "tf32": torch.float32, "bf16": torch.bfloat16,
                                      "fp16": torch.float16}


def network_dtype(precision: str) -> torch.dtype:
    """dtype of a network run at ``precision``; ValueError naming ``TEST.PRECISION`` for an unknown one."""
    if precision not in PRECISIONS:
        raise ValueError(f"TEST.PRECISION must be one of {', '.join(PRECISIONS)}, got {precision!r}")
    return PRECISIONS[precision]


def set_tf32(enabled: bool) -> None:
    """Allow (or forbid) TF32 in float32 matrix products and cuDNN convolutions, for the whole process.

    Uses the flags every supported torch version reads (``torch.backends.cuda.matmul.allow_tf32`` and
    ``torch.backends.cudnn.allow_tf32``); they are plain settings, readable and settable without a GPU.
    """
    torch.backends.cuda.matmul.allow_tf32 = bool(enabled)
    torch.backends.cudnn.allow_tf32 = bool(enabled)


def tf32_enabled() -> tuple[bool, bool]:
    """The (matmul, cuDNN) TF32 flags as they are now."""
    return bool(torch.backends.cuda.matmul.allow_tf32), bool(torch.backends.cudnn.allow_tf32)


def apply_precision(precision: str) -> torch.dtype:
    """Set the process-wide TF32 flags for tracking at ``precision`` (on only for ``tf32``); returns its dtype.

    bf16/fp16 keep TF32 off too: the parts of those networks that stay float32 (heads, soft-argmax,
    PrRoIPool) are kept at full precision on purpose. Raises ValueError for an unknown precision.
    """
    dtype = network_dtype(precision)
    set_tf32(precision == "tf32")
    return dtype


@dataclass(frozen=True)
class InferencePlan:
    """Which device-specific inference forms to build for one device.

    ``onednn_prepack``: TorchScript's ``optimize_for_inference`` (oneDNN blocked layouts, pre-packed
    weights). CPU only: on CUDA the frozen trace is used as it is.
    ``windowed_iou_head``: convolve only the window the IoU head's RoI pooling reads (pays on CPU, where
    the convolutions dominate; on a GPU the full map is one launch either way).
    ``device_crop``: the batched tracking steps upload each frame once and crop it with torch ops on the
    device (``lib/utils/crop_torch.py``, within one grey level of OpenCV) instead of cropping with OpenCV on
    the host and uploading the crop. Off on CPU, where the OpenCV crop is the reference and faster.
    ``engine``: what runs the per-frame network methods (``lib/utils/engine.py``): ``eager`` on every device for
    now. ``graphs`` (CUDA graphs) and ``compile`` (``torch.compile``) exist for CUDA but their speed has not been
    measured yet (``scripts/gpu_check.py`` rows ``fps engine ...``); the faster one becomes CUDA's default
    once it has been.
    """

    onednn_prepack: bool
    windowed_iou_head: bool
    device_crop: bool = False
    engine: str = "eager"


def inference_plan(device: torch.device | str, engine: str | None = None) -> InferencePlan:
    """The inference forms for ``device`` (see :class:`InferencePlan`); ``engine`` overrides the device's engine
    (for measurement). ValueError (one line) for an unknown engine or a CUDA-only one on another device."""
    cpu = torch.device(device).type == "cpu"
    if engine is not None:
        check_engine(engine, device)
    return InferencePlan(onednn_prepack=cpu, windowed_iou_head=cpu, device_crop=not cpu, engine=engine or "eager")


#: backends a tracking network runs on (``--backend``)
BACKENDS = ("torch", "onnxruntime")
#: the backend when none is asked for (why PyTorch stays the default: docs/performance.md, ONNX Runtime)
DEFAULT_BACKEND = "torch"


def check_backend(backend: str, precision: str) -> None:
    """ValueError (one line) for an unknown ``backend`` or a precision ONNX Runtime graphs do not run (not fp32)."""
    if backend not in BACKENDS:
        raise ValueError(f"backend must be one of {', '.join(BACKENDS)}, got {backend!r}")
    if backend == "onnxruntime" and precision != "fp32":
        raise ValueError(f"the onnxruntime backend runs TEST.PRECISION fp32 only, got {precision!r}")


def onnx_providers(device: torch.device | str) -> list[str]:
    """ONNX Runtime execution providers for ``device``: the CPU provider on CPU; on CUDA, TensorRT and CUDA
    first where this onnxruntime build has them (untested here), the CPU provider always last."""
    import onnxruntime

    wanted = ["CPUExecutionProvider"]
    if torch.device(device).type == "cuda":
        wanted = ["TensorrtExecutionProvider", "CUDAExecutionProvider", *wanted]
    available = set(onnxruntime.get_available_providers())
    return [provider for provider in wanted if provider in available]
